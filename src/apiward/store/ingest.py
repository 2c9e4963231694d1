"""The guard's audit events, recorded against their API once each (``apiward ingest``).

Each ``request``, ``decision`` and ``alert`` event becomes a ``guard_events`` row: when,
which client (and principal), which endpoint, allowed or refused, by which rule, and the
client's own ``X-Request-Id`` (a scan's probe id: ``apiward.store.logging``). An event is
known by its chain hash, which covers its content and the line before it: re-ingesting a
log, or a longer copy of it as the guard appends, records only what is new. The new
request events then move the API's endpoints on (``apiward.store.endpoints``). Reading
and verifying the file is the caller's: only lines whose chain verified come here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from apiward.core.errors import ConfigError
from apiward.core.events import AuditEvent
from apiward.store.apis import get_api
from apiward.store.endpoints import EndpointRecord, merge
from apiward.store.records import ApiRecord
from apiward.store.tables import apis, guard_events

KINDS = frozenset({"request", "decision", "alert"})
"""The events that say something about traffic (``checkpoint`` and ``seal`` only mark the log)."""
_LIMITS = {"request_id": 128, "client_request_id": 128, "client": 200, "principal": 200}


@dataclass(frozen=True, slots=True, kw_only=True)
class Traffic:
    """New events as their API's endpoints: each event's endpoint, and each endpoint's batch."""

    endpoint: Mapping[str, str] = field(default_factory=dict)
    """Event hash → ``METHOD /template``."""
    seen: tuple[EndpointRecord, ...] = ()


Describe = Callable[[Sequence[AuditEvent]], Traffic]
"""Templates and judges new events (``apiward.cli.ingest`` does it with the inventory)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ingested:
    """What one ingest recorded: events offered and new, and the endpoints their traffic touched."""

    api: str
    offered: int
    new: Counter[str]
    """New events by kind."""
    endpoints: tuple[EndpointRecord, ...]
    first_seen: tuple[str, ...]
    """Endpoints (``METHOD /template``) the store had never seen before this ingest."""


def ingest_events(
    engine: Engine,
    events: Sequence[AuditEvent],
    *,
    api: str | None,
    log: str,
    describe: Describe | None = None,
) -> Ingested:
    """Record ``events`` (verified, of one log named by its first hash ``log``) for ``api``."""
    offered = [e for e in events if e.kind in KINDS]
    times = {e.hash: _time(e) for e in offered}
    with engine.begin() as connection:
        record = owner(connection, api)
        # Two ingests of one API at once must not both count the same new event.
        connection.execute(select(apis.c.id).where(apis.c.id == record.id).with_for_update())
        fresh = _unseen(connection, record.id, log, offered)
        traffic = describe(fresh) if describe is not None and fresh else Traffic()
        rows = [_row(record.id, log, e, times[e.hash], traffic.endpoint.get(e.hash)) for e in fresh]
        if rows:
            connection.execute(guard_events.insert(), rows)
        after, first = merge(connection, record.id, traffic.seen)
    return Ingested(
        api=record.name,
        offered=len(offered),
        new=Counter(e.kind for e in fresh),
        endpoints=tuple(after),
        first_seen=tuple(first),
    )


def owner(connection: Connection, api: str | None) -> ApiRecord:
    """The API named ``api``, or the store's only API; a ConfigError otherwise."""
    if api is not None:
        return get_api(connection, api)
    names = connection.execute(select(apis.c.name).order_by(apis.c.name)).scalars().all()
    if len(names) != 1:
        listed = ", ".join(names[:10]) or "none yet: `apiward api add NAME --spec ...` first"
        raise ConfigError(f"name the API these events belong to with --api (known: {listed})")
    return get_api(connection, names[0])


def _unseen(
    connection: Connection, api_id: int, log: str, events: list[AuditEvent]
) -> list[AuditEvent]:
    """The events the store does not hold yet, each once, in the log's order."""
    # One indexed read of the hashes this log already gave: a few hundred thousand short
    # strings at most, and far cheaper than asking for each batch of hashes in turn.
    held = set(
        connection.execute(
            select(guard_events.c.hash).where(
                guard_events.c.api_id == api_id, guard_events.c.log == log
            )
        ).scalars()
    )
    fresh: list[AuditEvent] = []
    for event in events:
        if event.hash not in held:
            held.add(event.hash)
            fresh.append(event)
    return fresh


def _time(event: AuditEvent) -> datetime:
    try:
        moment = datetime.fromisoformat(event.ts)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ConfigError(f"audit event {event.request_id}: {event.ts!r} is not an RFC 3339 time")
    return moment


def _row(
    api_id: int, log: str, event: AuditEvent, at: datetime, endpoint: str | None
) -> dict[str, Any]:
    client_id = event.extra.get("client_request_id")
    row: dict[str, Any] = {
        "api_id": api_id,
        "hash": event.hash,
        "log": log,
        "at": at,
        "kind": event.kind,
        "request_id": event.request_id,
        "client_request_id": client_id if isinstance(client_id, str) else None,
        "method": event.method.upper(),
        "path": event.path,
        # A decision or an alert is about a request of the same path and method.
        "endpoint": endpoint,
        "client": event.client,
        "principal": event.principal,
        "outcome": event.outcome,
        "status": event.status,
        "reason": event.reason,
    }
    for name, limit in _LIMITS.items():
        if isinstance(row[name], str):
            row[name] = row[name][:limit]
    return row
