"""The layers in ARCHITECTURE.md hold: checked from every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "apiward"
WORK = {"guard", "scan", "audit", "inventory"}
TOP = {"report", "store", "demo", "cli"}

# For each package, the apiward packages it must never import.
FORBIDDEN: dict[str, set[str]] = {
    "core": {"spec"} | WORK | TOP,
    "spec": WORK | TOP,
    "guard": {"scan"} | TOP,
    "scan": {"guard"} | TOP,
    "audit": TOP,
    "inventory": TOP,
    "report": {"cli"},
    # The store records reports; it never reaches into the work that made them.
    "store": {"cli", "demo"} | WORK,
    "demo": {"cli"},
}


def _imported_packages(module: Path) -> set[str]:
    """The apiward sub-packages a module imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "apiward" and len(parts) > 1:
                found.add(parts[1])
    return found


def _modules() -> list[tuple[str, Path]]:
    return [
        (path.relative_to(SRC).parts[0], path)
        for path in sorted(SRC.rglob("*.py"))
        if len(path.relative_to(SRC).parts) > 1
    ]


@pytest.mark.parametrize(("package", "module"), _modules(), ids=lambda v: str(v))
def test_module_respects_its_layer(package: str, module: Path) -> None:
    """No module imports a package its layer may not depend on."""
    wrong = _imported_packages(module) & FORBIDDEN.get(package, set())
    assert not wrong, (
        f"{module.relative_to(SRC)} imports apiward.{', apiward.'.join(sorted(wrong))}"
    )
