"""The Python project under review: its files parsed once, with the imports each one names."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from apiward.core.errors import ConfigError

# Folders that hold other people's code or build output, never the API's own source.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        "build",
        "dist",
        "site-packages",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceFile:
    """One parsed module: where it is, its dotted name, its text and its syntax tree."""

    path: Path
    module: str
    lines: tuple[str, ...]
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)
    """Local name -> the dotted name it was imported as (``Me`` -> ``pkg.deps.Me``)."""

    def line(self, number: int) -> str:
        """The source line ``number`` (1-based), stripped; empty when out of range."""
        return self.lines[number - 1].strip() if 0 < number <= len(self.lines) else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    """Every Python file under the audited path, and the files that could not be parsed."""

    root: Path
    files: tuple[SourceFile, ...]
    unparsed: tuple[tuple[str, str], ...] = ()

    def module(self, dotted: str) -> SourceFile | None:
        """The project file whose module name ``dotted`` is, or ends with (``x.deps`` ~ ``deps``)."""
        for source in self.files:
            if source.module == dotted or dotted.endswith(f".{source.module}"):
                return source
        return None


def python_files(root: Path) -> Iterator[Path]:
    """The ``.py`` files under ``root`` (or ``root`` itself), skipping virtualenvs and caches."""
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*.py")):
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts[:-1]):
            yield path


def load_project(path: str | Path) -> Project:
    """Parse every Python file under ``path``; a missing path is a ConfigError."""
    root = Path(path)
    if not root.exists():
        raise ConfigError("no such file or folder", source=str(path))
    files: list[SourceFile] = []
    unparsed: list[tuple[str, str]] = []
    for file in python_files(root):
        try:
            files.append(parse_file(file))
        except (SyntaxError, UnicodeDecodeError, ValueError) as error:
            unparsed.append((str(file), f"{type(error).__name__}: {error}"))
    return Project(root=root, files=tuple(files), unparsed=tuple(unparsed))


def parse_file(path: Path) -> SourceFile:
    """Read and parse one file; SyntaxError when it is not Python."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    module = module_name(path)
    return SourceFile(
        path=path,
        module=module,
        lines=tuple(text.splitlines()),
        tree=tree,
        imports=_imports(tree, module),
    )


def module_name(path: Path) -> str:
    """The dotted name a file is imported as: its stem and every parent holding ``__init__.py``."""
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.resolve().parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def _imports(tree: ast.Module, module: str) -> dict[str, str]:
    names: dict[str, str] = {}
    package = module.rsplit(".", 1)[0] if "." in module else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return names


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join([*parts, *([node.module] if node.module else [])])
