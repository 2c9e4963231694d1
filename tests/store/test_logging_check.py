"""Was every attack logged? A real scan through a real guard whose log misses a router."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tasks_app import tracker, write_contract

Cli = Callable[..., subprocess.CompletedProcess[str]]
Serve = Callable[[Any], Any]
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}


def _refused_by_the_server(row: dict[str, Any]) -> bool:
    """A request uvicorn refused before any app saw it: httptools knows no ``TRACK``.

    It never reached the guard either, so it is rightly missing from the guard's log.
    """
    return row["status"] == 400 and row["method"] not in KNOWN_METHODS


@pytest.fixture
def scanned(apiward: Cli, serve: Serve, tmp_path: Path) -> tuple[str, Path, dict[str, Any]]:
    """The tracker scanned through its guard (admin router beside it); store, log, scan report."""
    contract = write_contract(tmp_path)
    log = tmp_path / "audit.jsonl"
    url = serve(tracker(contract, log)).url
    store = str(tmp_path / "s.db")
    added = apiward(
        "api", "add", "tracker", "--spec", str(contract), "--target", url, "--store", store
    )
    assert added.returncode == 0, added.stderr
    report = tmp_path / "scan.json"
    scan = apiward("scan", "--api", "tracker", "--store", store, "--json", str(report))
    assert scan.returncode == 0, scan.stdout + scan.stderr
    return store, log, json.loads(report.read_text())


def test_every_attack_is_blocked_logged_or_named_as_missing(
    apiward: Cli, scanned: tuple[str, Path, dict[str, Any]], tmp_path: Path
) -> None:
    """The admin router's attacks are missing, by id; everything the guard saw is blocked or logged."""
    store, log, scan = scanned
    sent = {row["request_id"]: row for row in scan["tables"]["requests"]}
    assert apiward("ingest", str(log), "--api", "tracker", "--store", store).returncode == 0
    out = tmp_path / "logging.json"
    checked = apiward("logging-check", "1", "--store", store, "--json", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(out.read_text())
    missing = {row["request_id"]: row for row in report["tables"]["missing"]}
    everything = tmp_path / "every.json"
    every_run = apiward("logging-check", "1", "--all", "--store", store, "--json", str(everything))
    assert every_run.returncode == 0, every_run.stderr
    every = {row["request_id"] for row in json.loads(everything.read_text())["tables"]["missing"]}
    behind_admin = {i for i, row in sent.items() if row["path"].startswith("/admin/")}
    by_the_server = {i for i, row in sent.items() if _refused_by_the_server(row)}
    assert behind_admin <= every <= behind_admin | by_the_server
    assert set(missing) <= every
    assert {row["path"].split("/")[1] for row in missing.values()} - {""} == {"admin"}
    stats = report["stats"]
    assert stats["missing"] == len(missing) > 0
    assert stats["blocked"] > 0
    assert stats["logged"] > 0
    findings = {f["operation"] or f["key"]: f for f in report["findings"]}
    # "/" is the TRACK probe when uvicorn parses with httptools (see _refused_by_the_server).
    assert set(findings) <= {"GET /admin/members/{name}", "/admin/*", "/"}
    assert "GET /admin/members/{name}" in findings
    member = findings["GET /admin/members/{name}"]
    assert (member["check"], member["cwe"], member["severity"]) == (
        "logging.missing",
        "CWE-778",
        "medium",
    )
    named = [i for i, row in missing.items() if row["operation"] == "GET /admin/members/{name}"]
    assert named[0] in member["detail"]
    assert "blocked" in checked.stdout
    assert "missing" in checked.stdout


def test_a_run_whose_guard_log_was_not_ingested_is_refused(
    apiward: Cli, scanned: tuple[str, Path, dict[str, Any]]
) -> None:
    """No guard event of the run in the store: one line saying to ingest the log, exit 2."""
    store, _, _ = scanned
    result = apiward("logging-check", "1", "--store", store)
    assert result.returncode == 2
    assert "apiward ingest AUDIT_LOG --api tracker" in result.stderr
    assert "Traceback" not in result.stderr


def test_scan_check_logging_judges_every_attack_in_one_command(
    apiward: Cli, serve: Serve, tmp_path: Path
) -> None:
    """`scan --check-logging LOG`: blocked, logged and missing in the scan's own report."""
    contract = write_contract(tmp_path)
    log = tmp_path / "audit.jsonl"
    url = serve(tracker(contract, log)).url
    store = str(tmp_path / "s.db")
    out = tmp_path / "scan.json"
    scan = apiward(
        "scan", "--spec", str(contract), "--target", url, "--check-logging", str(log),
        "--store", store, "--api", "tracker", "--json", str(out),
    )  # fmt: skip
    assert scan.returncode == 0, scan.stdout + scan.stderr
    report = json.loads(out.read_text())
    sent = {row["request_id"]: row for row in report["tables"]["requests"]}
    missing = {row["request_id"]: row for row in report["tables"]["missing"]}
    assert missing, "the admin router's attacks are missing"
    assert all(
        sent[i]["path"].startswith("/admin/") or _refused_by_the_server(sent[i]) for i in missing
    )
    stats = report["stats"]
    assert stats["attacks missing"] == len(missing)
    assert stats["attacks blocked"] > 0
    assert stats["attacks logged"] > 0
    logging = [f for f in report["findings"] if f["check"] == "logging.missing"]
    assert "GET /admin/members/{name}" in {f["operation"] for f in logging}
    assert "blocked" in scan.stdout
    listed = apiward("findings", "list", "--api", "tracker", "--store", store)
    assert "logging.missing" in listed.stdout, "recorded with the scan's run"


def test_scan_check_logging_without_the_guards_events_says_so_and_keeps_the_scan(
    apiward: Cli, serve: Serve, tmp_path: Path
) -> None:
    """No event of the scan in the store: the check is skipped with why, the scan reported."""
    contract = write_contract(tmp_path)
    url = serve(tracker(contract, tmp_path / "audit.jsonl")).url
    out = tmp_path / "scan.json"
    scan = apiward(
        "scan", "--spec", str(contract), "--target", url, "--checks", "bola",
        "--check-logging", "store", "--store", str(tmp_path / "s.db"), "--json", str(out),
    )  # fmt: skip
    assert scan.returncode == 0, scan.stdout + scan.stderr
    report = json.loads(out.read_text())
    assert "--check-logging skipped" in scan.stdout
    skipped = [s for s in report["skipped"] if s["check"] == "logging.missing"]
    assert skipped
    assert skipped[0]["reason"] == "no guard event of this scan"
    assert not [f for f in report["findings"] if f["check"] == "logging.missing"]


def test_scan_check_logging_of_no_such_log_is_refused_before_any_request(
    apiward: Cli, tmp_path: Path
) -> None:
    """A log that is not there: one line, exit 2, and no scan."""
    contract = write_contract(tmp_path)
    scan = apiward(
        "scan", "--spec", str(contract), "--target", "http://127.0.0.1:9",
        "--check-logging", str(tmp_path / "nope.jsonl"),
    )  # fmt: skip
    assert scan.returncode == 2
    assert "no such audit log" in scan.stderr
    assert "Traceback" not in scan.stderr
