"""Observations grouped into endpoints: one template, its methods, and how each is used."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from apiward.inventory.observation import Observation
from apiward.inventory.templates import MANY, ContractRoutes, infer
from apiward.spec import Api

BODIES_KEPT = 50
"""Observations with bodies kept per method: enough for schema inference and the data map."""
GONE = frozenset({404, 405, 410, 501})
"""Statuses that say the endpoint is not (or no longer) served."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """How one method of one endpoint was used in the traffic."""

    method: str
    path: str
    calls: int
    statuses: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))
    """Status code → count; requests whose status the source did not record are left out."""
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    clients: int = 0
    query: tuple[str, ...] = ()
    documented: bool = False
    sample: Observation
    """The observation shown as evidence: a served one, with bodies when there are any."""
    with_bodies: tuple[Observation, ...] = ()

    @property
    def key(self) -> str:
        """``"GET /users/{id}"``: the name findings and reports use."""
        return f"{self.method} {self.path}"

    @property
    def live(self) -> bool:
        """Whether anything but 'not here' came back (an unknown status counts as live)."""
        return self.calls > sum(n for s, n in self.statuses.items() if s in GONE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """A path template and every method seen on it, sorted by method."""

    path: str
    documented: bool
    usages: tuple[Usage, ...]

    @property
    def calls(self) -> int:
        """Calls over every method."""
        return sum(u.calls for u in self.usages)


def cluster(
    observations: Iterable[Observation], api: Api | None = None, *, many: int = MANY
) -> tuple[Endpoint, ...]:
    """Group observations into endpoints, the contract's templates first; sorted by path."""
    items = list(observations)
    templates = templates_of(items, api, many)
    groups: dict[tuple[str, str], list[Observation]] = {}
    for item in items:
        groups.setdefault((templates[item.path, item.route], item.method), []).append(item)
    documented = frozenset(op.key for op in api.operations) if api else frozenset()
    usages = [
        _usage(method, path, group, f"{method} {path}" in documented)
        for (path, method), group in groups.items()
    ]
    paths = frozenset(op.path for op in api.operations) if api else frozenset()
    by_path: dict[str, list[Usage]] = {}
    for usage in usages:
        by_path.setdefault(usage.path, []).append(usage)
    return tuple(
        Endpoint(path=path, documented=path in paths, usages=tuple(sorted(group, key=_by_method)))
        for path, group in sorted(by_path.items())
    )


def _by_method(usage: Usage) -> str:
    return usage.method


def templates_of(
    items: list[Observation], api: Api | None, many: int = MANY
) -> dict[tuple[str, str | None], str]:
    """Each observation's endpoint template, by ``(path, route)``: the contract's, else inferred."""
    routes = ContractRoutes(api) if api else None
    known = routes.paths if routes else frozenset()
    chosen: dict[tuple[str, str | None], str] = {}
    unmatched: list[str] = []
    for item in items:
        key = (item.path, item.route)
        if key in chosen:
            continue
        # The guard already matched the route: trust it when the contract has it.
        hit = item.route if item.route in known else (routes.match(item.path) if routes else None)
        if hit is None:
            unmatched.append(item.path)
        else:
            chosen[key] = hit
    # Inferred templates are written like the contract's: relative to its server base path.
    relative = {path: routes.relative(path) if routes else path for path in unmatched}
    inferred = infer(relative.values(), many)
    for item in items:
        if (item.path, item.route) not in chosen:
            chosen[item.path, item.route] = inferred[relative[item.path]]
    return chosen


def _usage(method: str, path: str, group: list[Observation], documented: bool) -> Usage:
    times = sorted(o.time for o in group if o.time is not None)
    statuses = Counter(o.status for o in group if o.status is not None)
    bodies = [o for o in group if o.request_body or o.response_body]
    return Usage(
        method=method,
        path=path,
        calls=len(group),
        statuses=MappingProxyType(dict(sorted(statuses.items()))),
        first_seen=times[0] if times else None,
        last_seen=times[-1] if times else None,
        clients=len({o.client for o in group if o.client}),
        query=tuple(sorted({name for o in group for name in o.query})),
        documented=documented,
        sample=_sample(group),
        with_bodies=tuple(bodies[:BODIES_KEPT]),
    )


def _sample(group: list[Observation]) -> Observation:
    def score(o: Observation) -> tuple[bool, bool, bool]:
        served = o.status is not None and o.status not in GONE
        success = o.status is not None and 200 <= o.status < 300
        return (served, success, bool(o.response_body))

    return max(group, key=score)
