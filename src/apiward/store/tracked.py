"""Reading tracked findings: list them, find one by fingerprint, show its history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, select

from apiward.core.errors import ConfigError
from apiward.core.findings import Severity
from apiward.store.records import Decision, State, Tracked, Triage
from apiward.store.tables import apis, findings, runs, states, triage, triage_log

MIN_PREFIX = 6
"""Characters of a fingerprint enough to name it, when only one finding starts so."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    """One run that reported a finding, with the finding as that run recorded it (JSON)."""

    run: int
    tool: str
    started: Any
    complete: bool
    body: dict[str, Any]


def list_tracked(
    engine: Engine,
    *,
    api: str | None = None,
    among: Iterable[State] = (State.NEW, State.OPEN, State.REGRESSED),
    at_least: Severity = Severity.INFO,
    triaged: bool = False,
    today: date,
) -> list[Tracked]:
    """The findings in the ``among`` states, most severe first; triaged-away ones only if asked."""
    query = (
        select_tracked()
        .where(states.c.state.in_([s.value for s in among]))
        .where(states.c.rank >= at_least.rank)
        .order_by(states.c.rank.desc(), apis.c.name, states.c.check, states.c.operation)
    )
    if api is not None:
        query = query.where(apis.c.name == api)
    with engine.connect() as connection:
        found = [tracked_row(row) for row in connection.execute(query).mappings()]
    return [t for t in found if triaged or not t.triaged_away(today)]


def find(connection: Connection, fingerprint: str, *, api: str | None = None) -> Tracked:
    """The finding ``fingerprint`` (or a unique prefix of it) names, in ``api`` if given."""
    text = fingerprint.strip().lower()
    if len(text) < MIN_PREFIX:
        raise ConfigError(f"give at least {MIN_PREFIX} characters of the fingerprint")
    query = select_tracked().where(states.c.fingerprint.startswith(text, autoescape=True)).limit(11)
    if api is not None:
        query = query.where(apis.c.name == api)
    rows = connection.execute(query).mappings().all()
    if not rows:
        where = f" in API {api!r}" if api else ""
        raise ConfigError(f"no finding {fingerprint!r}{where} in the store")
    if len(rows) > 1:
        names = sorted({f"{r['api']}:{r['fingerprint']}" for r in rows})
        raise ConfigError(
            f"{fingerprint!r} names {len(rows)} findings ({', '.join(names[:4])}): "
            "give more of the fingerprint, or --api"
        )
    return tracked_row(rows[0])


def history(connection: Connection, api_id: int, fingerprint: str) -> list[Seen]:
    """Every run of the API that reported the finding, oldest first."""
    rows = connection.execute(
        select(runs.c.id, runs.c.tool, runs.c.started, runs.c.complete, findings.c.body)
        .join(runs, runs.c.id == findings.c.run_id)
        .where(findings.c.api_id == api_id, findings.c.fingerprint == fingerprint)
        .order_by(runs.c.id)
    )
    return [
        Seen(run=r.id, tool=r.tool, started=r.started, complete=r.complete, body=r.body)
        for r in rows
    ]


def decisions(connection: Connection, api_id: int, fingerprint: str) -> list[Triage]:
    """Every triage decision on the finding, oldest first."""
    rows = connection.execute(
        select(triage_log)
        .where(triage_log.c.api_id == api_id, triage_log.c.fingerprint == fingerprint)
        .order_by(triage_log.c.id)
    ).mappings()
    return [_triage(row) for row in rows]


def api_id_of(connection: Connection, name: str) -> int:
    """The id of the API called ``name``."""
    found = connection.execute(select(apis.c.id).where(apis.c.name == name)).scalar()
    if found is None:
        raise ConfigError(f"no API named {name!r} in the store")
    return int(found)


def select_tracked() -> Any:
    """A query for tracked findings with their API's name and standing triage."""
    return (
        select(
            states,
            apis.c.name.label("api"),
            triage.c.decision,
            triage.c.reason,
            triage.c.expires,
            triage.c.by,
            triage.c.at,
        )
        .join(apis, apis.c.id == states.c.api_id)
        .outerjoin(
            triage,
            (triage.c.api_id == states.c.api_id) & (triage.c.fingerprint == states.c.fingerprint),
        )
    )


def tracked_row(row: Any) -> Tracked:
    """A row of :func:`select_tracked` as a record."""
    return Tracked(
        api=row["api"],
        fingerprint=row["fingerprint"],
        state=State(row["state"]),
        check=row["check"],
        operation=row["operation"],
        severity=Severity(row["severity"]),
        title=row["title"],
        first_run=row["first_run"],
        last_seen_run=row["last_seen_run"],
        changed_run=row["changed_run"],
        triage=_triage(row) if row["decision"] else None,
    )


def _triage(row: Any) -> Triage:
    return Triage(
        decision=Decision(row["decision"]),
        reason=row["reason"],
        expires=row["expires"],
        by=row["by"],
        at=row["at"],
    )
