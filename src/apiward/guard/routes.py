"""The contract compiled into an immutable route table: canonical path → operation.

Built once when the guard starts. Literal paths are one dictionary lookup; templated
paths are tried per segment count, most literal segments first, so
``/users/me`` wins over ``/users/{id}`` as every OpenAPI router agrees it should.
Matching is exact: case, trailing slash and ``;`` parameters are part of the path,
so ``/Admin``, ``/admin/`` and ``/admin;x`` are unknown routes, not aliases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from apiward.spec import Api, Operation

_PARAM = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One operation of the contract, as the guard refers to it in every stage."""

    method: str
    template: str
    operation: Operation
    key: str = field(init=False)
    """``"GET /users/{id}"``: the name policies, limits and audit events use."""

    def __post_init__(self) -> None:
        # Every stage looks its plan up by this name on every request: built once here.
        object.__setattr__(self, "key", f"{self.method} {self.template}")


class Match(NamedTuple):
    """A request resolved to its route, with the path parameters it carried.

    A named tuple, not a frozen dataclass: one is made per request, and a frozen
    dataclass's ``__init__`` costs several times a tuple's.
    """

    route: Route
    params: Mapping[str, str]


_NO_PARAMS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pattern:
    regex: re.Pattern[str]
    names: tuple[str, ...]
    named: bool
    """The regex names its groups after the parameters: ``groupdict()`` is the params."""
    literal_segments: int
    routes: Mapping[str, Route]


@dataclass(frozen=True, slots=True)
class RouteTable:
    """Every operation of a contract, resolvable from (method, canonical path)."""

    literal: Mapping[tuple[str, str], Match]
    """Operations without path parameters, resolved once: a request only looks one up."""
    patterns: Mapping[int, tuple[_Pattern, ...]]
    routes: tuple[Route, ...] = field(default=())

    @classmethod
    def from_api(cls, api: Api) -> RouteTable:
        """Compile every operation of ``api``."""
        routes = tuple(
            Route(method=op.method.upper(), template=op.path, operation=op) for op in api.operations
        )
        literal = {
            (r.method, r.template): Match(route=r, params=_NO_PARAMS)
            for r in routes
            if "{" not in r.template
        }
        return cls(MappingProxyType(literal), _compile_patterns(routes), routes)

    def match(self, method: str, path: str) -> Match | None:
        """The route for this request, or None when the contract does not have it."""
        literal = self.literal.get((method, path))
        if literal is not None:
            return literal
        for pattern in self.patterns.get(path.count("/"), ()):
            found = pattern.regex.fullmatch(path)
            if found is not None and method in pattern.routes:
                params = (
                    found.groupdict()
                    if pattern.named
                    else dict(zip(pattern.names, found.groups(), strict=True))
                )
                return Match(pattern.routes[method], params)
        return None


def _compile_patterns(routes: tuple[Route, ...]) -> Mapping[int, tuple[_Pattern, ...]]:
    by_template: dict[str, dict[str, Route]] = {}
    for route in routes:
        if "{" in route.template:
            by_template.setdefault(route.template, {})[route.method] = route
    grouped: dict[int, list[_Pattern]] = {}
    for template, methods in by_template.items():
        names = tuple(_PARAM.findall(template))
        # Named groups when every name can be one (unique identifiers): groupdict() is
        # several times cheaper than pairing names with groups per request.
        named = len(set(names)) == len(names) and all(n.isidentifier() for n in names)
        pattern = _Pattern(
            regex=_template_regex(template, named=named),
            names=names,
            named=named,
            literal_segments=sum("{" not in s for s in template.split("/")),
            routes=MappingProxyType(methods),
        )
        grouped.setdefault(template.count("/"), []).append(pattern)
    return MappingProxyType(
        {n: tuple(sorted(ps, key=lambda p: -p.literal_segments)) for n, ps in grouped.items()}
    )


def _template_regex(template: str, *, named: bool) -> re.Pattern[str]:
    parts: list[str] = []
    position = 0
    for found in _PARAM.finditer(template):
        parts.append(re.escape(template[position : found.start()]))
        parts.append(f"(?P<{found.group(1)}>[^/]+)" if named else "([^/]+)")
        position = found.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts))
