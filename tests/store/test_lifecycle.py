"""A finding's state across the runs of one API: new, open, fixed, regressed."""

from __future__ import annotations

from datetime import date

from reports import finding, scan
from sqlalchemy import Engine

from apiward.core.findings import Location
from apiward.store import State, record_run
from apiward.store.tracked import list_tracked

BOLA = ("bola", "GET /orders/{order_id}")
TODAY = date(2026, 3, 1)
EVERY = tuple(State)


def _state(engine: Engine) -> State | None:
    found = list_tracked(engine, api="orders", among=EVERY, triaged=True, today=TODAY)
    return found[0].state if found else None


def _run(engine: Engine, *args: object, **kwargs: object) -> None:
    record_run(engine, scan(*args, **kwargs), api="orders")  # type: ignore[arg-type]


def test_first_report_is_new_then_open(engine: Engine) -> None:
    """Reported for the first time a finding is new; reported again it is open."""
    _run(engine, finding(), ran=(BOLA,))
    assert _state(engine) is State.NEW
    _run(engine, finding(), ran=(BOLA,))
    assert _state(engine) is State.OPEN


def test_a_run_accounts_for_every_finding_including_the_untested(engine: Engine) -> None:
    """A run's counts cover each finding: fixed, new, open, and not tested (no longer new)."""
    other = ("bola", "GET /invoices/{invoice_id}")
    first = record_run(
        engine, scan(finding(), finding(operation=other[1]), ran=(BOLA, other)), api="orders"
    )
    assert first.entered == {State.NEW: 2}
    assert first.untested == 0
    second = record_run(engine, scan(ran=(BOLA,)), api="orders")
    assert second.entered == {State.FIXED: 1}
    assert second.untested == 1
    found = list_tracked(engine, api="orders", among=EVERY, triaged=True, today=TODAY)
    assert {f.operation: f.state for f in found} == {BOLA[1]: State.FIXED, other[1]: State.OPEN}


def test_a_complete_run_that_tested_it_fixes_it(engine: Engine) -> None:
    """Absent from a complete run that ran the check on its operation, the finding is fixed."""
    _run(engine, finding(), ran=(BOLA,))
    _run(engine, ran=(BOLA,))
    assert _state(engine) is State.FIXED


def test_back_after_a_fix_is_regressed_then_open(engine: Engine) -> None:
    """Reported after it was fixed, a finding is regressed; reported once more, open."""
    _run(engine, finding(), ran=(BOLA,))
    _run(engine, ran=(BOLA,))
    _run(engine, finding(), ran=(BOLA,))
    assert _state(engine) is State.REGRESSED
    _run(engine, finding(), ran=(BOLA,))
    assert _state(engine) is State.OPEN


def test_a_partial_run_fixes_nothing(engine: Engine) -> None:
    """A run cut short fixes nothing, even where its check ran on the operation."""
    _run(engine, finding(), ran=(BOLA,))
    _run(engine, ran=(BOLA,), complete=False)
    assert _state(engine) is State.OPEN


def test_a_skipped_check_fixes_nothing(engine: Engine) -> None:
    """A complete run where the check was skipped on that operation fixes nothing."""
    _run(engine, finding(), ran=(BOLA,))
    _run(engine, skipped=(BOLA,))
    assert _state(engine) is State.OPEN


def test_a_check_that_ran_elsewhere_fixes_nothing_here(engine: Engine) -> None:
    """The check ran on other operations only: this operation was not tested."""
    _run(engine, finding(), ran=(BOLA,))
    _run(engine, ran=(("bola", "GET /invoices/{invoice_id}"),))
    assert _state(engine) is State.OPEN


def test_a_run_without_the_check_fixes_nothing(engine: Engine) -> None:
    """A run of other checks (``--checks cors``) says nothing about BOLA."""
    _run(engine, finding(), ran=(BOLA,))
    _run(engine, ran=(("cors", "GET /orders/{order_id}"),))
    assert _state(engine) is State.OPEN


def test_a_once_per_scan_check_covers_every_operation(engine: Engine) -> None:
    """A check that ran once for the whole API, unskipped, tested each operation."""
    _run(engine, finding("rate_limit", "POST /login", key=""), ran=(("rate_limit", None),))
    _run(engine, ran=(("rate_limit", None),))
    assert _state(engine) is State.FIXED


def test_a_once_per_scan_check_skipped_in_part_fixes_nothing(engine: Engine) -> None:
    """A once-per-scan check that ran but also skipped a part of the API fixes nothing."""
    _run(engine, finding("rate_limit", "POST /login", key=""), ran=(("rate_limit", None),))
    _run(engine, ran=(("rate_limit", None),), skipped=(("rate_limit", None),))
    assert _state(engine) is State.OPEN


def _rule(pointer: str) -> object:
    where = Location(source="openapi.yaml", pointer=pointer)
    return finding("contract.no-security", None, location=where, key="")


def test_a_static_rule_that_ran_fixes_its_finding(engine: Engine) -> None:
    """A contract rule that ran over the whole contract and stayed silent fixed its finding."""
    rule = ("contract.no-security", None)
    _run(engine, _rule("/paths/~1orders"), ran=(rule,), tool="audit contract")
    _run(engine, ran=(rule,), tool="audit contract")
    assert _state(engine) is State.FIXED


def test_input_left_unexamined_fixes_no_static_finding(engine: Engine) -> None:
    """A file that would not parse (a skip naming no check that ran) fixes no static finding."""
    rule = ("contract.no-security", None)
    _run(engine, _rule("/paths/~1orders"), ran=(rule,), tool="audit code")
    _run(engine, ran=(rule,), skipped=(("code", None),), tool="audit code")
    assert _state(engine) is State.OPEN


def test_findings_of_one_api_are_not_another_apis(engine: Engine) -> None:
    """The same fingerprint in two APIs is two tracked findings with their own states."""
    record_run(engine, scan(finding(), ran=(BOLA,)), api="orders")
    record_run(engine, scan(finding(), ran=(BOLA,)), api="invoices")
    record_run(engine, scan(ran=(BOLA,)), api="invoices")
    states = {t.api: t.state for t in list_tracked(engine, among=EVERY, triaged=True, today=TODAY)}
    assert states == {"orders": State.NEW, "invoices": State.FIXED}
