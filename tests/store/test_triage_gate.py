"""Triage by fingerprint, and the --fail-on-new gate that reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from reports import finding, scan
from sqlalchemy import Engine

from apiward.core.errors import ConfigError
from apiward.core.findings import Severity
from apiward.store import Decision, State, record_run
from apiward.store.gate import new_findings
from apiward.store.records import RunRecord
from apiward.store.tracked import api_id_of, decisions, list_tracked
from apiward.store.triage import decide

BOLA = ("bola", "GET /orders/{order_id}")
TODAY = datetime.now(UTC).date()


def _record(engine: Engine, *args: object, **kwargs: object) -> RunRecord:
    return record_run(engine, scan(*args, **kwargs), api="orders").run  # type: ignore[arg-type]


def _new(engine: Engine, run: RunRecord, at_least: Severity = Severity.HIGH) -> list[str]:
    with engine.connect() as connection:
        return [f.check for f in new_findings(connection, run, at_least, today=TODAY)]


def test_a_false_positive_is_kept_with_who_when_and_why(engine: Engine) -> None:
    """The decision, its reason, who took it and when are kept, and logged."""
    _record(engine, finding(), ran=(BOLA,))
    fingerprint = finding().fingerprint
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    tracked = decide(
        engine,
        fingerprint[:8],
        Decision.FALSE_POSITIVE,
        reason="orders are public",
        by="maria",
        now=at,
    )
    assert tracked.triage is not None
    assert (tracked.triage.decision, tracked.triage.by, tracked.triage.at) == (
        Decision.FALSE_POSITIVE,
        "maria",
        at,
    )
    with engine.connect() as connection:
        api_id = api_id_of(connection, "orders")
        assert [d.reason for d in decisions(connection, api_id, fingerprint)] == [
            "orders are public"
        ]


def test_triage_persists_across_runs_and_hides_from_the_default_list(engine: Engine) -> None:
    """A false positive stays triaged in later runs and leaves the default listing."""
    _record(engine, finding(), ran=(BOLA,))
    decide(engine, finding().fingerprint, Decision.FALSE_POSITIVE, reason="public", by="maria")
    _record(engine, finding(), ran=(BOLA,))
    assert list_tracked(engine, today=TODAY) == []
    kept = list_tracked(engine, triaged=True, today=TODAY)
    assert [(t.state, t.triage.decision if t.triage else None) for t in kept] == [
        (State.OPEN, Decision.FALSE_POSITIVE)
    ]


def test_an_accepted_risk_lapses_on_its_expiry_date(engine: Engine) -> None:
    """Accepted until a date, the finding is open again from that date on."""
    _record(engine, finding(), ran=(BOLA,))
    taken = datetime(2026, 1, 1, tzinfo=UTC)
    decide(
        engine,
        finding().fingerprint,
        Decision.ACCEPTED_RISK,
        reason="fix planned for Q2",
        by="maria",
        expires=date(2026, 6, 30),
        now=taken,
    )
    assert list_tracked(engine, today=date(2026, 6, 29)) == []
    assert len(list_tracked(engine, today=date(2026, 6, 30))) == 1


@pytest.mark.parametrize(
    ("decision", "reason", "expires", "message"),
    [
        (Decision.FALSE_POSITIVE, " ", None, "needs --reason"),
        (Decision.ACCEPTED_RISK, "later", None, "needs --expires"),
        (Decision.ACCEPTED_RISK, "later", TODAY - timedelta(days=1), "not in the future"),
        (Decision.FALSE_POSITIVE, "no", TODAY + timedelta(days=9), "applies to accepted-risk"),
    ],
    ids=["no-reason", "risk-without-expiry", "expiry-past", "expiry-on-false-positive"],
)
def test_a_decision_says_why_and_until_when(
    engine: Engine, decision: Decision, reason: str, expires: date | None, message: str
) -> None:
    """A decision without its reason, or an accepted risk without a future expiry, is refused."""
    _record(engine, finding(), ran=(BOLA,))
    with pytest.raises(ConfigError, match=message):
        decide(engine, finding().fingerprint, decision, reason=reason, by="m", expires=expires)


def test_an_unknown_or_too_short_fingerprint_is_refused(engine: Engine) -> None:
    """Triage names an existing finding by at least six characters of its fingerprint."""
    with pytest.raises(ConfigError, match="at least 6"):
        decide(engine, "abc", Decision.CLEARED, reason="", by="m")
    with pytest.raises(ConfigError, match="no finding"):
        decide(engine, "0123456789", Decision.CLEARED, reason="", by="m")


def test_every_finding_of_a_first_run_is_new(engine: Engine) -> None:
    """With no complete run before it, each finding at the threshold is new."""
    run = _record(engine, finding(), finding("cors", severity=Severity.LOW), ran=(BOLA,))
    assert _new(engine, run) == ["bola"]
    assert sorted(_new(engine, run, Severity.LOW)) == ["bola", "cors"]


def test_a_finding_of_the_last_complete_run_is_not_new(engine: Engine) -> None:
    """Reported by the API's last complete run, a finding does not fail the gate again."""
    _record(engine, finding(), ran=(BOLA,))
    assert _new(engine, _record(engine, finding(), ran=(BOLA,))) == []


def test_the_baseline_is_the_last_complete_run(engine: Engine) -> None:
    """A partial run is no baseline: what the complete run before lacked is still new."""
    _record(engine, ran=(BOLA,))
    _record(engine, finding(), ran=(BOLA,), complete=False)
    assert _new(engine, _record(engine, finding(), ran=(BOLA,))) == ["bola"]


def test_a_regression_fails_the_gate(engine: Engine) -> None:
    """Fixed, then back: not in the baseline, so new for the gate."""
    _record(engine, finding(), ran=(BOLA,))
    _record(engine, ran=(BOLA,))
    assert _new(engine, _record(engine, finding(), ran=(BOLA,))) == ["bola"]


def test_a_triaged_finding_never_fails_the_gate(engine: Engine) -> None:
    """A false positive, or an unexpired accepted risk, is not new for the gate."""
    first = _record(engine, finding(), ran=(BOLA,))
    decide(engine, finding().fingerprint, Decision.FALSE_POSITIVE, reason="public", by="m")
    assert _new(engine, first) == []


def test_other_verbs_and_retests_are_no_baseline(engine: Engine) -> None:
    """The baseline is a complete run of the same verb: a retest of one check is not one."""
    _record(engine, ran=(BOLA,))
    record_run(engine, scan(finding(), ran=(BOLA,), tool="retest"), api="orders")
    assert _new(engine, _record(engine, finding(), ran=(BOLA,))) == ["bola"]
