"""What a run's silence means: tested (so fixed) or not tested (so nothing)."""

from __future__ import annotations

import pytest

from apiward.store.coverage import Coverage

OP = "GET /orders/{id}"


@pytest.mark.parametrize(
    ("ran", "skipped", "complete", "tested"),
    [
        ({("bola", OP)}, set(), True, True),
        ({("bola", OP)}, set(), False, False),
        ({("bola", None)}, set(), True, True),
        ({("bola", OP)}, {("bola", OP)}, True, False),
        ({("bola", OP)}, {("bola", None)}, True, False),
        ({("bola", "GET /other")}, set(), True, False),
        ({("cors", OP)}, set(), True, False),
        (set(), {("bola", OP)}, True, False),
    ],
    ids=[
        "ran-there",
        "partial-run",
        "ran-once-for-the-api",
        "skipped-there",
        "skipped-for-the-api",
        "ran-elsewhere",
        "other-check",
        "only-skipped",
    ],
)
def test_an_operation_is_tested_only_where_the_check_ran_unskipped(
    ran: set[tuple[str, str | None]],
    skipped: set[tuple[str, str | None]],
    complete: bool,
    tested: bool,
) -> None:
    """A finding on an operation is tested only by a complete run that ran its check there."""
    assert Coverage.of(ran, skipped, complete=complete).tested("bola", OP) is tested


def test_a_static_finding_needs_the_whole_input_examined() -> None:
    """A finding without an operation is tested when its rule ran and nothing was left out."""
    rule = ("code.sql", None)
    assert Coverage.of({rule}, set(), complete=True).tested("code.sql", None)
    assert not Coverage.of({rule}, {("code", None)}, complete=True).tested("code.sql", None)
    assert not Coverage.of({rule}, {("code.sql", "a.py")}, complete=True).tested("code.sql", None)
    assert Coverage.of({("deps.vulnerable", "pkg:pypi/a@1")}, set(), complete=True).tested(
        "deps.vulnerable", None
    )
