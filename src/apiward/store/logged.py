"""Was every attack logged? A scan's requests against its API's ingested guard events.

Each request a scan sends carries ``X-Request-Id: apiward-<scan>-<n>`` (the store keeps
them as ``run_requests``), and the guard logs that id beside its own. Each *attack* (a
request a check sent; ``every`` takes the scan's other requests too) is then:

* **blocked**: the guard logged it and refused it;
* **logged**: the guard let it through, and logged it;
* **missing**: no guard event has its id: it reached the API unseen, or the log lost it;
* **unanswered**: the scan got no answer, so it may never have arrived: nothing is said.

A run none of whose requests is in the store is refused: its guard's log was not ingested,
or the scan did not go through a guard, and calling every attack missing would be wrong.
:func:`judge` does the same for a scan not yet recorded (``scan --check-logging``),
against a log read directly (:func:`logged_in`) or the store's events (:func:`ingested`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, select

from apiward.core.errors import ConfigError
from apiward.core.events import AuditEvent
from apiward.store.records import RunRecord
from apiward.store.runs import get_run
from apiward.store.tables import coverage, guard_events, run_requests, runs


class Verdict(StrEnum):
    """What the guard's log shows of one request."""

    BLOCKED = "blocked"
    LOGGED = "logged"
    MISSING = "missing"
    UNANSWERED = "unanswered"


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """One request of the scan, and what the guard's log shows of it."""

    request_id: str
    by: str
    method: str
    path: str
    operation: str | None
    status: int | None
    """The status the scan got (None: no answer)."""
    verdict: Verdict
    rule: str | None = None
    """The guard's rule when it refused the request."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossCheck:
    """A run's attacks, each with its verdict."""

    run: RunRecord
    probes: tuple[Probe, ...]

    def counts(self) -> Counter[Verdict]:
        """Probes by verdict."""
        return Counter(p.verdict for p in self.probes)

    @property
    def missing(self) -> tuple[Probe, ...]:
        """The attacks the guard's log does not have."""
        return tuple(p for p in self.probes if p.verdict is Verdict.MISSING)


def cross_check(connection: Connection, run_id: int, *, every: bool = False) -> CrossCheck:
    """Each attack of run ``run_id`` (each request with ``every``) as blocked, logged or missing."""
    run = get_run(connection, run_id)
    api_id = connection.execute(select(runs.c.api_id).where(runs.c.id == run_id)).scalar_one()
    checks = set(
        connection.execute(select(coverage.c.check).where(coverage.c.run_id == run_id)).scalars()
    )
    joined = (
        select(
            run_requests,
            guard_events.c.outcome,
            guard_events.c.reason,
        )
        .select_from(
            run_requests.outerjoin(
                guard_events,
                and_(
                    guard_events.c.api_id == api_id,
                    guard_events.c.client_request_id == run_requests.c.request_id,
                    guard_events.c.kind == "request",
                ),
            )
        )
        .where(run_requests.c.run_id == run_id)
    )
    rows = connection.execute(joined).mappings().all()
    if not rows:
        raise ConfigError(f"run {run_id} recorded no requests: only a scan's runs can be checked")
    if not any(row["outcome"] is not None for row in rows):
        raise ConfigError(
            f"no guard event of run {run_id} is in the store: ingest the guard's audit log "
            f"first (apiward ingest AUDIT_LOG --api {run.api}), or the scan did not go "
            "through a guard"
        )
    return CrossCheck(run=run, probes=_judged(rows, checks=checks, every=every))


Logged = tuple[str, str | None]
"""What the guard logged of one request: its outcome (``allowed``, ``refused``) and rule."""


def judge(
    requests: Iterable[Mapping[str, Any]],
    logged: Mapping[str, Logged],
    *,
    checks: Collection[str],
    every: bool = False,
) -> tuple[Probe, ...]:
    """A scan's requests (its ``requests`` table) against what the guard logged, by request id."""
    rows = [
        {**row, "outcome": found[0], "reason": found[1]}
        if (found := logged.get(str(row["request_id"])))
        else {**row, "outcome": None, "reason": None}
        for row in requests
    ]
    return _judged(rows, checks=checks, every=every)


def logged_in(events: Iterable[AuditEvent]) -> dict[str, Logged]:
    """The guard's request events by the client's request id (a refusal wins over a pass)."""
    found: dict[str, Logged] = {}
    for event in events:
        client_id = event.extra.get("client_request_id")
        if event.kind != "request" or not isinstance(client_id, str):
            continue
        if found.get(client_id, ("",))[0] != "refused":
            found[client_id] = (event.outcome, event.reason)
    return found


def ingested(connection: Connection, request_ids: Collection[str]) -> dict[str, Logged]:
    """The store's ingested request events for these ids (scan ids are unique to one scan)."""
    found: dict[str, Logged] = {}
    ids = sorted(request_ids)
    for start in range(0, len(ids), _BATCH):
        rows = connection.execute(
            select(guard_events.c.client_request_id, guard_events.c.outcome, guard_events.c.reason)
            .where(guard_events.c.kind == "request")
            .where(guard_events.c.client_request_id.in_(ids[start : start + _BATCH]))
        )
        for client_id, outcome, reason in rows:
            if found.get(client_id, ("",))[0] != "refused":
                found[client_id] = (outcome, reason)
    return found


_BATCH = 500
"""Request ids per query: an IN list far below any backend's limit on parameters."""


def _judged(
    rows: Iterable[Mapping[Any, Any]], *, checks: Collection[str], every: bool
) -> tuple[Probe, ...]:
    seen: dict[str, Probe] = {}
    for row in rows:
        probe = _probe(row)
        # A request sent twice (a cut connection retried) is blocked if either was.
        if row["request_id"] not in seen or probe.verdict is Verdict.BLOCKED:
            seen[row["request_id"]] = probe
    probes = sorted(
        (p for p in seen.values() if every or p.by in checks),
        key=lambda p: _number(p.request_id),
    )
    return tuple(probes)


def _probe(values: Mapping[Any, Any]) -> Probe:
    if values["outcome"] == "refused":
        verdict = Verdict.BLOCKED
    elif values["outcome"] is not None:
        verdict = Verdict.LOGGED
    elif values["status"] is None:
        verdict = Verdict.UNANSWERED
    else:
        verdict = Verdict.MISSING
    return Probe(
        request_id=values["request_id"],
        by=values["by"],
        method=values["method"],
        path=values["path"],
        operation=values["operation"],
        status=values["status"],
        verdict=verdict,
        rule=values["reason"] if verdict is Verdict.BLOCKED else None,
    )


def _number(request_id: str) -> tuple[int, str]:
    tail = request_id.rpartition("-")[2]
    return (int(tail), request_id) if tail.isdigit() else (0, request_id)
