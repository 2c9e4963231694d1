"""`apiward diff`: what appeared, disappeared (fixed or not tested) and changed between runs."""

from __future__ import annotations

import dataclasses

import pytest
from reports import finding, scan
from sqlalchemy import Engine

from apiward.core.errors import StorageError
from apiward.core.findings import Confidence, Severity
from apiward.store import record_run
from apiward.store.diff import compare

BOLA = ("bola", "GET /orders/{order_id}")
CORS = ("cors", "GET /orders")


def test_appeared_disappeared_and_changed(engine: Engine) -> None:
    """B's new findings appeared; A's absent from B disappeared; a new severity changed."""
    gone_tested = finding("cors", "GET /orders", key="")
    gone_untested = finding("sql_injection", "GET /search", key="q")
    before = finding("mass_assignment", "PATCH /me", severity=Severity.MEDIUM, key="role")
    after = finding("mass_assignment", "PATCH /me", severity=Severity.HIGH, key="role")
    appeared = finding()
    a = record_run(engine, scan(gone_tested, gone_untested, before), api="orders").run
    b = record_run(engine, scan(appeared, after, ran=(BOLA, CORS)), api="orders").run
    with engine.connect() as connection:
        found = compare(connection, a.id, b.id)
    assert [f["check"] for f in found.appeared] == ["bola"]
    assert {g.finding["check"]: g.tested for g in found.disappeared} == {
        "cors": True,
        "sql_injection": False,
    }
    assert [(c.finding["check"], c.fields) for c in found.changed] == [
        ("mass_assignment", {"severity": ("medium", "high")})
    ]


def test_a_run_that_does_not_exist_is_named(engine: Engine) -> None:
    """Comparing with a run the store does not have says which one."""
    run = record_run(engine, scan(), api="orders").run
    with engine.connect() as connection, pytest.raises(StorageError, match="no run 99"):
        compare(connection, run.id, 99)


def test_a_window_counts_across_appeared_disappeared_and_changed_in_that_order(
    engine: Engine,
) -> None:
    """``offset``/``limit`` walk appeared, then disappeared, then changed; ``size`` is the whole."""
    gone = [finding("cors", f"GET /o{n}", key="") for n in range(3)]
    before = finding("mass_assignment", "PATCH /me", severity=Severity.MEDIUM, key="role")
    after = finding("mass_assignment", "PATCH /me", severity=Severity.HIGH, key="role")
    new = [finding("bola", f"GET /n{n}", key="id") for n in range(4)]
    a = record_run(engine, scan(*gone, before), api="orders").run
    b = record_run(engine, scan(*new, after), api="orders").run
    with engine.connect() as connection:
        whole = compare(connection, a.id, b.id)
        windows = [compare(connection, a.id, b.id, offset=o, limit=3) for o in (0, 3, 6, 9)]
    assert (whole.size.appeared, whole.size.disappeared, whole.size.changed) == (4, 3, 1)
    assert all(w.size == whole.size for w in windows)
    assert [len(w.appeared) for w in windows] == [3, 1, 0, 0]
    assert [w.appeared for w in windows[:2]] == [whole.appeared[:3], whole.appeared[3:]]
    assert [len(w.disappeared) for w in windows] == [0, 2, 1, 0]
    assert [g for w in windows for g in w.disappeared] == whole.disappeared
    assert [c for w in windows for c in w.changed] == whole.changed
    assert whole.changed[0].fields == {"severity": ("medium", "high")}


def _order(f: dict[str, object]) -> tuple[int, str, str, str]:
    return (
        -Severity(f["severity"]).rank,
        str(f["check"]),
        str(f["operation"]),
        str(f["fingerprint"]),
    )


def test_the_diff_lists_come_most_severe_first_fixed_before_not_tested(engine: Engine) -> None:
    """Each list is most severe first; the disappeared fixed before not tested, whole or windowed."""
    levels = (Severity.LOW, Severity.HIGH, Severity.MEDIUM)
    old = [finding("cors", f"GET /o{n}", severity=levels[n % 3]) for n in range(30)]
    new = [finding("bola", f"GET /n{n}", severity=levels[n % 3]) for n in range(30)]
    tested = tuple(("cors", f"GET /o{n}") for n in range(0, 30, 2))
    a = record_run(engine, scan(*old), api="x").run
    b = record_run(engine, scan(*new, ran=tested), api="x").run
    with engine.connect() as connection:
        whole = compare(connection, a.id, b.id)
        window = compare(connection, a.id, b.id, offset=25, limit=10)
    assert whole.appeared == sorted(whole.appeared, key=_order)
    assert [f["fingerprint"] for f in window.appeared] == [
        f["fingerprint"] for f in whole.appeared[25:]
    ]
    gone = [(not g.tested, *_order(g.finding)) for g in whole.disappeared]
    assert gone == sorted(gone)
    assert [g.tested for g in whole.disappeared] == [True] * 15 + [False] * 15
    assert window.disappeared == whole.disappeared[:5]


def test_a_new_confidence_or_title_is_a_change_and_other_details_are_not(engine: Engine) -> None:
    """Confidence and title are compared as severity is; a new reproduction changes nothing."""
    plain = (finding("bola"), finding("cors", "GET /orders"), finding("sqli", "GET /search"))
    a = record_run(engine, scan(*plain), api="x").run
    sure = dataclasses.replace(finding("bola"), confidence=Confidence.CONFIRMED)
    renamed = dataclasses.replace(finding("cors", "GET /orders"), title="any origin")
    same = dataclasses.replace(finding("sqli", "GET /search"), reproduction="curl -v")
    b = record_run(engine, scan(sure, renamed, same), api="x").run
    with engine.connect() as connection:
        found = compare(connection, a.id, b.id)
    assert sorted((c.finding["check"], c.fields) for c in found.changed) == [
        ("bola", {"confidence": ("firm", "confirmed")}),
        ("cors", {"title": ("bob reads alice's order", "any origin")}),
    ]
    assert found.size.changed == 2
    assert found.appeared == []
