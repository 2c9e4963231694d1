"""`apiward demo`: the bank on 127.0.0.1, from the real CLI."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from apiward.demo import load_ground_truth
from apiward.guard.auditverify import verify_log

Run = Callable[..., subprocess.CompletedProcess[str]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_help_lists_its_options(apiward: Run) -> None:
    """`apiward demo serve --help` shows --fixed and --port."""
    result = apiward("demo", "serve", "--help")
    assert result.returncode == 0
    assert "--fixed" in result.stdout
    assert "--port" in result.stdout


def test_serve_answers_on_loopback_and_warns() -> None:
    """`apiward demo serve --port N` serves the contract on 127.0.0.1 and prints a warning."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "apiward", "demo", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/openapi.json")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the demo bank did not start"
                time.sleep(0.1)
        assert response.json()["info"]["title"] == "apiward bank"
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/openapi.json" in stdout
    assert "vulnerable on purpose" in stdout


def test_guarded_serve_keeps_stdout_for_audit_events(tmp_path: Path) -> None:
    """--guarded: the banner (with the database's path) on stderr, a verifiable log on stdout."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "apiward", "demo", "serve", "--guarded", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v2/exchange-rates/USD")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the guarded bank did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/api/v2/debug/config").status_code == 404
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=10)
    database = next(line for line in stderr.splitlines() if line.startswith("database: "))
    assert f"APIWARD_BANK_DB={database.split()[1]}" in database
    assert database.split()[1].endswith("bank.sqlite3")
    log = tmp_path / "audit.jsonl"
    log.write_text(stdout)
    verdict = verify_log(log)
    assert verdict.intact, verdict.why
    assert verdict.events >= 2


@pytest.mark.parametrize(
    "how", [[], ["--fixed"], ["--guarded"]], ids=["vulnerable", "fixed", "guarded"]
)
def test_busy_port_is_one_line_and_exit_2_without_a_banner(apiward: Run, how: list[str]) -> None:
    """A port already in use ends in one error line and exit code 2: no banner, no traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = apiward("demo", "serve", *how, "--port", str(busy.getsockname()[1]))
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "cannot listen on 127.0.0.1" in line


@pytest.mark.slow
def test_run_scans_both_banks_and_writes_the_report(apiward: Run, tmp_path: Path) -> None:
    """`apiward demo run` scans the vulnerable bank, writes its HTML report, scans the fixed twin and compares."""
    report = tmp_path / "demo-report.html"
    store = tmp_path / "store.db"
    result = apiward("demo", "run", "--report", str(report), "--store", str(store), timeout=300)
    assert result.returncode == 0, result.stderr
    flaws = load_ground_truth()
    assert f"apiward bank: {len(flaws)} planted vulnerabilities (API1 " in result.stdout
    assert "Scanning the vulnerable bank" in result.stdout
    assert "Scanning the fixed twin" in result.stdout
    assert f" of {len(flaws)} planted vulnerabilities" in result.stdout
    # Every finding the fixes removed is accounted for: fixed, or not tested by the twin.
    gone = re.search(
        r"(\d+) findings disappear with the fixes: (\d+) fixed, (\d+) not tested", result.stdout
    )
    assert gone is not None, result.stdout
    assert int(gone[1]) == int(gone[2]) + int(gone[3])
    assert "<html" in report.read_text()
    # Both scans are runs of one API in the store: the fixed twin fixes what it fixes.
    assert "recorded as run 1 of API demo-bank" in result.stdout
    second = re.search(r"recorded as run 2 of API demo-bank .*\((.*)\)", result.stdout)
    assert second is not None, result.stdout
    assert f"{gone[2]} fixed" in second[1]
    assert f"{gone[3]} not tested" in second[1]
    assert re.search(rf" diff 1 2 --store {re.escape(str(store))}", result.stdout)
    assert "retest FINGERPRINT --api demo-bank" in result.stdout
    assert "server create-user NAME --role admin" in result.stdout
    # It ends by saying how to open the dashboard on those runs, and as whom.
    # `apiward` when it is on PATH, else the one that ran (here `python -m apiward`).
    ran = re.escape(f"{sys.executable} -m apiward")
    opens = rf"Dashboard on these runs: (apiward|{ran}) server --store {re.escape(str(store))}\n"
    assert re.search(opens, result.stdout), result.stdout[-400:]
    assert re.search(r"sign in as demo with the password \S+ ", result.stdout)
