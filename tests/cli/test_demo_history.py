"""Where `apiward demo run` records its scans, and the commands it prints with real run ids."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from apiward.cli.demo_history import SERVE_URL, gone_line, next_steps, register
from apiward.core.findings import Finding, Severity
from apiward.report import Report
from apiward.report.model import Ran, Skipped
from apiward.store import State, open_store, record_run
from apiward.store.apis import get_api

T0 = datetime(2026, 3, 1, tzinfo=UTC)
BOLA = ("bola", "GET /accounts/{id}")
RATE = ("rate_limit", "POST /login")


def _finding(check: str, operation: str) -> Finding:
    return Finding(check=check, operation=operation, title=f"{check} here", severity=Severity.HIGH)


def _report(
    *findings: Finding, ran: tuple[tuple[str, str], ...], skipped: tuple[tuple[str, str], ...] = ()
) -> Report:
    return Report(
        tool="scan",
        target="http://127.0.0.1:9",
        started=T0,
        finished=T0,
        findings=findings,
        ran=tuple(Ran(check=c, operation=o) for c, o in ran),
        skipped=tuple(
            Skipped(check=c, operation=o, reason="no rate limit signal") for c, o in skipped
        ),
    )


VULNERABLE = _report(_finding(*BOLA), _finding(*RATE), ran=(BOLA, RATE))
FIXED = _report(ran=(BOLA,), skipped=(RATE,))


def _demo(store: str, identities: Path) -> tuple[str, list[State]]:
    name = register(store, identities)
    engine = open_store(store)
    try:
        recorded = [record_run(engine, r, api=name) for r in (VULNERABLE, FIXED)]
    finally:
        engine.dispose()
    return name, [state for r in recorded for state in r.entered]


def test_each_demo_run_records_into_an_api_of_its_own(tmp_path: Path) -> None:
    """A second demo run tells the first one's story: a new API, no false regression."""
    store, identities = str(tmp_path / "store.db"), tmp_path / "ids.yaml"
    identities.write_text("identities: []\n")
    first, moved_first = _demo(store, identities)
    second, moved_second = _demo(store, identities)
    assert (first, second) == ("demo-bank", "demo-bank-2")
    assert moved_second == moved_first
    assert State.REGRESSED not in moved_second


def test_the_demo_api_is_registered_where_demo_serve_listens(tmp_path: Path) -> None:
    """The demo API's target is `apiward demo serve`'s address, so retest can reach it later."""
    store, identities = str(tmp_path / "store.db"), tmp_path / "ids.yaml"
    identities.write_text("identities: []\n")
    name = register(store, identities)
    engine = open_store(store)
    with engine.connect() as connection:
        api = get_api(connection, name)
    engine.dispose()
    assert api.target == SERVE_URL
    assert api.spec == f"{SERVE_URL}/openapi.json"


def test_next_steps_name_the_runs_this_demo_recorded(tmp_path: Path) -> None:
    """The printed diff compares this demo's two runs, whatever earlier demos recorded."""
    store, identities = str(tmp_path / "store.db"), tmp_path / "ids.yaml"
    identities.write_text("identities: []\n")
    _demo(store, identities)
    name, _ = _demo(store, identities)
    steps = next_steps(store, name)
    assert re.search(rf" diff 3 4 --store {re.escape(store)}", steps), steps
    assert f"findings list --api {name} --store" in steps
    assert f"retest FINGERPRINT --api {name}" in steps
    assert " demo serve --fixed" in steps
    assert sys.executable in steps or "apiward " in steps


def test_gone_findings_are_split_into_fixed_and_not_tested() -> None:
    """Every finding the fixed twin no longer reports is counted as fixed or not tested."""
    line = gone_line(VULNERABLE, FIXED)
    assert line == "2 findings disappear with the fixes: 1 fixed, 1 not tested by the fixed twin"
