"""Finding the root document of a folder of files linked by relative ``$ref``s.

The root is the file with a top-level ``openapi`` or ``swagger`` key that no other
such file references. Files are only scanned as text here (cheap even for the
thousands of fragments a big multi-file spec holds); the root is parsed later.
"""

from __future__ import annotations

import re
from pathlib import Path

from apiward.core.errors import SpecError

SUFFIXES = frozenset({".yaml", ".yml", ".json"})
_YAML_ROOT = re.compile(rb"^[\"']?(?:openapi|swagger)[\"']?\s*:\s*[\"']?\d", re.MULTILINE)
_JSON_ROOT = re.compile(rb"\"(?:openapi|swagger)\"\s*:\s*\"\d")
_REF = re.compile(rb"\$ref[\"']?\s*:\s*[\"']?([^\"'#\s,}]+)")


def find_root(folder: Path, *, max_bytes: int) -> Path:
    """The root document of ``folder``; a SpecError when there is none or several."""
    candidates = [path for path in _spec_files(folder) if _declares_version(path, max_bytes)]
    if not candidates:
        raise SpecError(
            "no file in this folder has a top-level openapi or swagger key", source=str(folder)
        )
    if len(candidates) > 1:
        referenced = {target for path in candidates for target in _referenced(path)}
        candidates = [path for path in candidates if path.resolve() not in referenced] or candidates
    if len(candidates) > 1:
        names = ", ".join(str(path.relative_to(folder)) for path in candidates[:10])
        if len(candidates) > 10:
            names += f" and {len(candidates) - 10} more"
        raise SpecError(
            f"several root documents ({names}); name the one to load", source=str(folder)
        )
    return candidates[0]


def _spec_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in SUFFIXES
        and path.is_file()
        and not any(
            part.startswith(".") or part == "node_modules"
            for part in path.relative_to(folder).parts
        )
    )


def _declares_version(path: Path, max_bytes: int) -> bool:
    try:
        if path.stat().st_size > max_bytes:
            return False
        head = path.read_bytes()
    except OSError:
        return False
    pattern = _JSON_ROOT if head.lstrip().startswith(b"{") else _YAML_ROOT
    return pattern.search(head) is not None


def _referenced(path: Path) -> set[Path]:
    found: set[Path] = set()
    for match in _REF.finditer(path.read_bytes()):
        target = match.group(1).decode("utf-8", "replace")
        if "://" not in target:
            found.add((path.parent / target).resolve())
    return found
