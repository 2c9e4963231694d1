"""The layers in ARCHITECTURE.md hold: checked from every module's imports, relative ones too.

Two rules: no module imports a package its layer may not depend on, and no modules
import each other round in a circle (at any depth of their code, inside functions
too; ``if TYPE_CHECKING:`` blocks, which never run, are left out).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "apiward"
WORK = {"guard", "scan", "audit", "inventory"}
TOP = {"report", "store", "demo", "cli", "queue"}

# For each package, the apiward packages it must never import.
FORBIDDEN: dict[str, set[str]] = {
    "core": {"spec"} | WORK | TOP,
    "spec": WORK | TOP,
    "guard": {"scan"} | TOP,
    "scan": {"guard"} | TOP,
    "audit": TOP,
    "inventory": TOP,
    "report": {"cli", "queue"},
    # The store records reports; it never reaches into the work that made them.
    "store": {"cli", "demo", "queue"} | WORK,
    # The queue runs scans and records them; the command line drives it, never the reverse.
    "queue": {"cli", "demo", "guard"},
    "demo": {"cli"},
}


def module_name(path: Path) -> str:
    """``apiward.guard.pipeline`` for src/apiward/guard/pipeline.py (a package: its folder)."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported(name: str, source: str, *, package: bool = False) -> Iterator[str]:
    """Every module (or package) ``name`` imports, relative imports resolved, at any depth."""
    base_package = name if package else name.rpartition(".")[0]
    pending: list[ast.AST] = [ast.parse(source)]
    while pending:
        for node in ast.iter_child_nodes(pending.pop()):
            if _type_checking(node):
                continue
            pending.append(node)
            if isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = base_package.split(".")[
                        : len(base_package.split(".")) - node.level + 1
                    ]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    # ``from apiward.guard import authz``: a module; ``import Guard``: the package.
                    full = f"{base}.{alias.name}"
                    yield full if full in MODULES else base


def _imported_packages(name: str, source: str, *, package: bool = False) -> set[str]:
    """The apiward sub-packages a module imports."""
    return {
        parts[1]
        for dotted in imported(name, source, package=package)
        if (parts := dotted.split("."))[0] == "apiward" and len(parts) > 1
    }


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = imported(name, path.read_text(), package=path.name == "__init__.py")
        graph[name] = {t for t in targets if t in MODULES and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            if group:
                found.append(sorted([node, *group]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize(
    ("package", "module"),
    [
        (p.relative_to(SRC).parts[0], p)
        for p in MODULES.values()
        if len(p.relative_to(SRC).parts) > 1
    ],
    ids=lambda v: str(v),
)
def test_module_respects_its_layer(package: str, module: Path) -> None:
    """No module imports a package its layer may not depend on."""
    name = module_name(module)
    found = _imported_packages(name, module.read_text(), package=module.name == "__init__.py")
    wrong = found & FORBIDDEN.get(package, set())
    assert not wrong, (
        f"{module.relative_to(SRC)} imports apiward.{', apiward.'.join(sorted(wrong))}"
    )


def test_no_modules_import_each_other_in_a_circle() -> None:
    """Imports run one way: inside a package as between packages."""
    assert cycles(_graph()) == []


@pytest.mark.parametrize(
    ("source", "package"),
    [
        ("from ..scan import engine", {"scan"}),
        ("from ...apiward.cli import app", set()),
        ("def later():\n    from .. import scan", {"scan"}),
        ("from . import policy", {"guard"}),
    ],
    ids=["parent", "beyond-top", "in-a-function", "sibling"],
)
def test_relative_imports_are_resolved(source: str, package: set[str]) -> None:
    """``from ..scan import x`` in apiward/guard/y.py is an import of apiward.scan."""
    assert _imported_packages("apiward.guard.y", source) & {"scan", "guard"} == package


def test_a_circle_is_found() -> None:
    """The cycle finder sees a loop through three modules, and nothing in a chain."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
