"""``apiward inventory`` from the command line: output, warnings, errors and exit codes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]

LINE = '127.0.0.1 - - [29/Nov/2026:06:00:{s:02d} +0000] "GET {path} HTTP/1.1" {status} 10 "-" "t"'
CONTRACT = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {"/orders/{order_id}": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    """An access log: three orders, one undocumented endpoint, and one junk line."""
    lines = [LINE.format(s=i, path=f"/orders/{i}", status=200) for i in range(3)]
    lines += [LINE.format(s=9, path="/debug/vars", status=200), "\x16\x03\x01 junk"]
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """A contract that documents only GET /orders/{order_id}."""
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(CONTRACT))
    return path


def test_table_shows_endpoints_and_junk_is_a_warning(apiward: Cli, log: Path, spec: Path) -> None:
    """The table lists each template with its state; skipped lines are a warning, not a failure."""
    done = apiward("inventory", str(log), "--spec", str(spec))
    assert done.returncode == 0, done.stderr
    assert "/orders/{order_id}" in done.stdout
    assert "shadow" in done.stdout
    assert "4 request(s) from 1 file(s) (1 skipped)" in done.stdout
    assert (
        f"{log}: skipped 1 line(s) that are not nginx/Apache combined or common access log records (first at line 5)"
        in done.stderr
    )


def test_fail_on_exits_1_when_a_finding_reaches_it(apiward: Cli, log: Path, spec: Path) -> None:
    """A medium shadow finding fails --fail-on medium and passes --fail-on high."""
    assert (
        apiward("inventory", str(log), "--spec", str(spec), "--fail-on", "medium").returncode == 1
    )
    assert apiward("inventory", str(log), "--spec", str(spec), "--fail-on", "high").returncode == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.log", "missing.log: cannot read it"),
        (lambda d: _write(d / "x.txt", "hello\n"), "x.txt:1: not a known traffic format"),
    ],
    ids=["missing-file", "unknown-format"],
)
def test_bad_input_is_one_line_and_exit_2(
    apiward: Cli, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    """An unreadable or unknown file ends in one error line naming it, exit code 2."""
    done = apiward("inventory", str(make(tmp_path)))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_unwritable_skeleton_path_is_exit_2(apiward: Cli, log: Path, tmp_path: Path) -> None:
    """--openapi-out into a folder that does not exist is a clear error."""
    done = apiward("inventory", str(log), "--openapi-out", str(tmp_path / "no" / "such.json"))
    assert done.returncode == 2
    assert "such.json: --openapi-out: its folder does not exist" in done.stderr


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_shared_report_outputs_carry_the_findings(
    apiward: Cli, log: Path, spec: Path, tmp_path: Path
) -> None:
    """--json and --sarif write the shared reports, with the inventory's figures as stats."""
    report, sarif = tmp_path / "report.json", tmp_path / "report.sarif"
    done = apiward(
        "inventory", str(log), "--spec", str(spec), "--json", str(report), "--sarif", str(sarif)
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(report.read_text())
    assert document["tool"]["verb"] == "inventory"
    assert [(f["check"], f["operation"]) for f in document["findings"]] == [
        ("inventory.shadow", "GET /debug/vars")
    ]
    assert document["stats"]["shadow"] == 1
    assert json.loads(sarif.read_text())["runs"][0]["results"][0]["ruleId"] == "inventory.shadow"


def _har(tmp_path: Path, calls: list[tuple[str, int]]) -> Path:
    """A browser's HAR of GETs to ``path`` at second ``s`` past 06:00 (its own clock, 400 ms on)."""
    entries = [
        {
            "startedDateTime": f"2026-11-29T06:00:{s:02d}.400Z",
            "request": {"method": "GET", "url": f"http://127.0.0.1:8000{path}", "headers": []},
            "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json"}},
        }
        for path, s in calls
    ]
    return _write(
        tmp_path / "browser.har", json.dumps({"log": {"version": "1.2", "entries": entries}})
    )


def test_a_request_in_both_a_har_and_the_access_log_is_counted_once(
    apiward: Cli, log: Path, spec: Path, tmp_path: Path
) -> None:
    """The browser's HAR and the server's log of the same hour: calls are not doubled, and a
    call only one of them holds still counts."""
    har = _har(tmp_path, [(f"/orders/{i}", i) for i in range(3)] + [("/orders/7", 30)])
    report = tmp_path / "report.json"
    done = apiward("inventory", str(log), str(har), "--spec", str(spec), "--json", str(report))
    assert done.returncode == 0, done.stderr
    assert "5 request(s) from 2 file(s) (1 skipped; 3 seen in two files, counted once)" in (
        done.stdout
    )
    stats = json.loads(report.read_text())["stats"]
    assert (stats["requests"], stats["seen_in_two_files"]) == (5, 3)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("openapi.json", json.dumps(CONTRACT) + "\n", "openapi.json:1: not a known traffic format"),
        ("empty.har", '{"log": {"version": "1.2"}}', "empty.har (at /log): a HAR file needs"),
    ],
    ids=["contract-given-as-traffic", "har-without-entries"],
)
def test_json_that_is_not_traffic_is_one_line(
    apiward: Cli, tmp_path: Path, name: str, text: str, message: str
) -> None:
    """A JSON file that is not traffic (a contract, a HAR with no entries) is one line, exit 2."""
    done = apiward("inventory", str(_write(tmp_path / name, text)))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.strip()] == [
        line for line in done.stderr.splitlines() if message in line
    ]


def test_html_report_shows_the_endpoint_and_sensitive_data_tables(
    apiward: Cli, log: Path, tmp_path: Path
) -> None:
    """`--report` carries the endpoints seen and the sensitive fields, not only the findings."""
    contract = json.loads(json.dumps(CONTRACT))
    schema = {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}}
    get = contract["paths"]["/orders/{order_id}"]["get"]
    get["responses"]["200"]["content"] = {"application/json": {"schema": schema}}
    spec = tmp_path / "contract.json"
    spec.write_text(json.dumps(contract))
    html = tmp_path / "inventory.html"
    done = apiward("inventory", str(log), "--spec", str(spec), "--report", str(html))
    assert done.returncode == 0, done.stderr
    page = html.read_text()
    assert "<h2>Endpoints (2)</h2>" in page
    assert "<td>/orders/{order_id}</td>" in page
    assert "<h2>Sensitive data (1)</h2>" in page
    assert "<td>email</td>" in page
