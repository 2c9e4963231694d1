"""Which operations a scan may touch: ``--include`` and ``--exclude`` patterns.

A pattern is one of

=====================  ==========================================================
``GET /users/{id}``    method and path, exact (``*`` in either is a glob)
``/admin/*``           a path glob, any method (``*`` matches anything, ``/`` too)
``*export*``           the same: a pattern with ``*`` or a leading ``/`` is a path glob
``tag:NAME``           operations tagged NAME (a glob too)
``id:getUser``         the operation whose operationId is ``getUser`` (a glob too)
``getUser``            a bare operationId, when it names one
=====================  ==========================================================

With includes, only operations matching one are in scope; an exclude always wins. A
pattern that matches no operation of the contract is an error (``unmatched``): users
mistype. Requests to paths the contract does not document (discovery, old versions)
are refused only by ``--exclude`` method/path patterns: ``--include`` selects among
documented operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from apiward.spec import Operation

_METHOD = re.compile(r"^([A-Za-z*]+)\s+(\S.*)$")


class OutOfScope(Exception):  # noqa: N818 — a refusal, like Withheld, not an error
    """A request to an operation ``--include``/``--exclude`` keeps out of the scan."""

    def __init__(self, key: str, why: str) -> None:
        super().__init__(f"{key} is out of scope: {why}")
        self.key = key
        self.why = why


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """The operations a scan may touch, from include and exclude patterns."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def why_out(self, operation: Operation) -> str | None:
        """Why ``operation`` is out of scope (the pattern that says so), or None."""
        if pattern := next((p for p in self.exclude if matches(p, operation)), None):
            return f"--exclude {pattern!r}"
        if self.include and not any(matches(p, operation) for p in self.include):
            return "matches no --include"
        return None

    def why_out_path(self, method: str, path: str) -> str | None:
        """Why a request to an undocumented ``method path`` is out of scope, or None."""
        pattern = next((p for p in self.exclude if _matches_route(p, method, path)), None)
        return f"--exclude {pattern!r}" if pattern else None

    def unmatched(self, operations: tuple[Operation, ...]) -> tuple[str, ...]:
        """The patterns that match none of ``operations`` (most likely mistyped)."""
        return tuple(
            p
            for p in (*self.include, *self.exclude)
            if not any(matches(p, op) for op in operations)
        )


def matches(pattern: str, operation: Operation) -> bool:
    """True when ``pattern`` (see the module docstring) selects ``operation``."""
    kind, _, rest = pattern.partition(":")
    if kind == "tag" and rest:
        return any(fnmatchcase(tag, rest) for tag in operation.tags)
    if kind == "id" and rest:
        return fnmatchcase(operation.operation_id or "", rest)
    if _is_route(pattern):
        return _matches_route(pattern, operation.method, operation.path)
    return operation.operation_id == pattern


def _is_route(pattern: str) -> bool:
    return pattern.startswith("/") or "*" in pattern or _METHOD.match(pattern) is not None


def _matches_route(pattern: str, method: str, path: str) -> bool:
    found = _METHOD.match(pattern)
    if found is None:
        return _is_route(pattern) and fnmatchcase(path, pattern)
    return fnmatchcase(method.upper(), found[1].upper()) and fnmatchcase(path, found[2].strip())


def patterns(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Repeated and comma-separated patterns as one tuple, blanks dropped."""
    return tuple(p.strip() for value in values for p in value.split(",") if p.strip())
