"""`apiward diff`: what appeared, disappeared (fixed or not tested) and changed between runs."""

from __future__ import annotations

import pytest
from reports import finding, scan
from sqlalchemy import Engine

from apiward.core.errors import StorageError
from apiward.core.findings import Severity
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
