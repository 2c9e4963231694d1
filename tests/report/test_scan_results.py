"""A scan's results map to one report (CLI, demo and library alike) and one summary line."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from tests.report.samples import bola_finding, injection_finding

from apiward.core.redact import Redactor
from apiward.report import Ran, Skipped
from apiward.report.redacted import prepare
from apiward.report.scan_results import scan_report, summary_line, target_state
from apiward.scan import Results, TargetChange
from apiward.scan.restore import State, What
from apiward.scan.runner import Skipped as ScanSkipped
from apiward.scan.transport import Sent

STARTED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
FINISHED = datetime(2026, 3, 1, 9, 31, tzinfo=UTC)


def _results(*, complete: bool = True) -> Results:
    return Results(
        findings=[bola_finding(), injection_finding()],
        ran=[("bola", "GET /api/v2/accounts/{account_id}"), ("cors", None)],
        skipped=[
            ScanSkipped(
                check="resource_limits",
                reason="precondition not met",
                operation="GET /api/v2/search",
                detail="no size parameter or body",
            ),
            ScanSkipped(check="bola", reason="no second identity with the same role"),
        ],
        errors=["ssrf: ValueError: boom"],
        notes=["identities: alice, bob"],
        stats={"operations": 3, "operations_sent": 2, "requests": 40, "seconds": 1.5},
        complete=complete,
    )


def test_every_skip_keeps_its_detail() -> None:
    """The scanner's skip detail reaches the report, next to its check, operation and reason."""
    report = scan_report("http://127.0.0.1:1", STARTED, _results(), finished=FINISHED)
    assert (
        Skipped(
            check="resource_limits",
            reason="precondition not met",
            operation="GET /api/v2/search",
            detail="no size parameter or body",
        )
        in report.skipped
    )
    assert Skipped(check="bola", reason="no second identity with the same role") in report.skipped


def test_findings_runs_errors_and_completeness_are_carried() -> None:
    """Findings worst first, what ran, scan errors as notes, and a partial run stays partial."""
    report = scan_report(
        "http://127.0.0.1:1", STARTED, _results(complete=False), contract="api.yaml"
    )
    assert [f.check for f in report.findings] == ["sqli", "bola"]
    assert Ran(check="cors") in report.ran
    assert report.notes == (
        "identities: alice, bob",
        "scan error: ssrf: ValueError: boom",
        "target state: not restored, the scan was cut short before its restore phase",
    )
    assert report.complete is False
    assert report.contract == "api.yaml"
    assert report.tool == "scan"


def test_summary_line_counts_coverage_and_skips_by_reason() -> None:
    """One line: operations exercised, requests, time, check runs, skips by reason, PARTIAL."""
    line = summary_line(_results(complete=False))
    assert line.startswith(
        "scan: 1/3 operations exercised by a check (2 sent requests), 40 requests in 1.5 s"
    )
    assert "2 skipped (1 precondition not met, 1 no second identity with the same role)" in line
    assert line.endswith("; PARTIAL")


def test_the_target_state_is_a_table_and_a_note() -> None:
    """What the scan changed becomes the target_state table; damage is named in the note."""
    results = _results()
    results.target_state = [
        TargetChange(what=What.WRITTEN, object="/users/1", state=State.RESTORED, by="alice"),
        TargetChange(
            what=What.WRITTEN,
            object="/settings",
            state=State.NOT_RESTORED,
            by="bob",
            undo="curl -i -X PUT http://127.0.0.1:1/settings",
        ),
    ]
    report = scan_report("http://127.0.0.1:1", STARTED, results, finished=FINISHED)
    rows = report.tables["target_state"]
    assert [(r["object"], r["state"], r["undo"]) for r in rows] == [
        ("/users/1", "restored", ""),
        ("/settings", "not restored", "curl -i -X PUT http://127.0.0.1:1/settings"),
    ]
    assert report.notes[-1] == (
        "target state: DAMAGED (exit code 3): rows 1 not restored, 1 restored "
        "(see the target_state table)"
    )


def test_the_note_says_deleted_rows_are_the_scans_own() -> None:
    """A bare "2 deleted" read as the target's own data gone: the note says whose."""
    results = _results()
    results.target_state = [
        TargetChange(what=What.CREATED, object="/notes/9", state=State.DELETED, by="alice"),
    ]
    report = scan_report("http://127.0.0.1:1", STARTED, results, finished=FINISHED)
    assert report.notes[-1] == (
        "target state: left as found: rows 1 deleted (the scan's own objects, removed) "
        "(see the target_state table)"
    )


def test_undo_commands_stay_whole_lines_at_80_columns() -> None:
    """The table keeps to the terminal; each undo command is one unwrapped line below it."""
    undo = (
        "curl -i -X PUT -H 'Content-Type: application/json' -H 'Authorization: Bearer x.y.z' "
        '--data \'{"display_name": "Alice", "bio": ""}\' http://127.0.0.1:1/profiles/alice'
    )
    results = _results()
    results.target_state = [
        TargetChange(what=What.WRITTEN, object="/users/1", state=State.RESTORED, by="alice"),
        TargetChange(
            what=What.WRITTEN,
            object="/profiles/alice",
            state=State.NOT_RESTORED,
            by="bob",
            undo=undo,
        ),
    ]
    report = scan_report("http://127.0.0.1:1", STARTED, results, finished=FINISHED)
    console = Console(width=80, record=True, color_system=None)
    for item in target_state(report):
        console.print(item, soft_wrap=True)
    lines = console.export_text().splitlines()
    assert undo in lines
    assert all(len(line) <= 80 for line in lines if line != undo)
    assert report.tables["target_state"][1]["undo"] == undo


def test_the_requests_table_gives_each_path_as_sent_with_credentials_masked() -> None:
    """Ids and query filled in beside the template; a key in the query never reaches the report."""
    results = _results()
    results.requests = [
        Sent(
            request_id="apiward-1a2b3c4d-7",
            by="bola",
            method="GET",
            path="/enrollments/{id}",
            operation="GET /enrollments/{id}",
            status=200,
            target="/enrollments/42?student_id=6&api_key=sk-live-0123456789abcdef",
        )
    ]
    report = prepare(
        scan_report("http://127.0.0.1:1", STARTED, results, finished=FINISHED), Redactor()
    )
    (row,) = report.tables["requests"]
    assert row["path"] == "/enrollments/{id}"
    assert row["target"].startswith("/enrollments/42?student_id=6&api_key=")
    assert "0123456789abcdef" not in row["target"]
