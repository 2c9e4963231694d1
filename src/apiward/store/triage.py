"""Triage by fingerprint: a false positive, or a risk accepted until a date; kept across runs.

Each decision is logged with who took it and when; the standing one is what the gate
and the default listing read. An accepted risk lapses on its expiry date, and the
finding is open again without anyone touching it. ``cleared`` withdraws a decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete

from apiward.core.errors import ConfigError
from apiward.store.records import Decision, Tracked
from apiward.store.tables import triage, triage_log
from apiward.store.tracked import api_id_of, find


def decide(
    engine: Engine,
    fingerprint: str,
    decision: Decision,
    *,
    reason: str,
    by: str,
    expires: date | None = None,
    api: str | None = None,
    now: datetime | None = None,
) -> Tracked:
    """Record ``decision`` on the finding ``fingerprint`` names; the finding as it now stands."""
    return decide_many(
        engine, [(api, fingerprint)], decision, reason=reason, by=by, expires=expires, now=now
    )[0]


def decide_many(
    engine: Engine,
    findings: Sequence[tuple[str | None, str]],
    decision: Decision,
    *,
    reason: str,
    by: str,
    expires: date | None = None,
    now: datetime | None = None,
) -> list[Tracked]:
    """Record ``decision`` on each ``(api, fingerprint)`` in one transaction: all, or none."""
    now = now or datetime.now(UTC)
    _check(decision, reason, expires, now.date())
    values = {"decision": decision.value, "reason": reason.strip(), "expires": expires}
    values |= {"by": by, "at": now}
    with engine.begin() as connection:
        return [_record(connection, api, fingerprint, values) for api, fingerprint in findings]


def _record(
    connection: Connection, api: str | None, fingerprint: str, values: dict[str, Any]
) -> Tracked:
    finding = find(connection, fingerprint, api=api)
    api_id = api_id_of(connection, finding.api)
    key = {"api_id": api_id, "fingerprint": finding.fingerprint}
    connection.execute(triage_log.insert().values(**key, **values))
    connection.execute(
        delete(triage).where(triage.c.api_id == api_id, triage.c.fingerprint == finding.fingerprint)
    )
    if values["decision"] != Decision.CLEARED.value:
        connection.execute(triage.insert().values(**key, **values))
    return find(connection, finding.fingerprint, api=finding.api)


def _check(decision: Decision, reason: str, expires: date | None, today: date) -> None:
    if decision is not Decision.CLEARED and not reason.strip():
        raise ConfigError(f"a {decision.value} decision needs --reason")
    if decision is Decision.ACCEPTED_RISK:
        if expires is None:
            raise ConfigError("an accepted-risk decision needs --expires YYYY-MM-DD")
        if expires <= today:
            raise ConfigError(f"--expires {expires.isoformat()} is not in the future")
    elif expires is not None:
        raise ConfigError(f"--expires applies to accepted-risk, not to {decision.value}")
