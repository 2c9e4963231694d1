"""Triage by fingerprint: a false positive, or a risk accepted until a date; kept across runs.

Each decision is logged with who took it and when; the standing one is what the gate
and the default listing read. An accepted risk lapses on its expiry date, and the
finding is open again without anyone touching it. ``cleared`` withdraws a decision.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete

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
    now = now or datetime.now(UTC)
    _check(decision, reason, expires, now.date())
    with engine.begin() as connection:
        finding = find(connection, fingerprint, api=api)
        api_id = api_id_of(connection, finding.api)
        key = {"api_id": api_id, "fingerprint": finding.fingerprint}
        values = {"decision": decision.value, "reason": reason.strip(), "expires": expires}
        values |= {"by": by, "at": now}
        connection.execute(triage_log.insert().values(**key, **values))
        connection.execute(
            delete(triage).where(
                triage.c.api_id == api_id, triage.c.fingerprint == finding.fingerprint
            )
        )
        if decision is not Decision.CLEARED:
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
