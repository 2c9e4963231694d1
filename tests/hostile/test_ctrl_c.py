"""Ctrl-C ends a verb within a second, and a scan still writes the reports it was asked for.

The real CLI runs as a process against a server on 127.0.0.1 and gets a real SIGINT.
How long it takes to end is bounded generously (it proves "it ends", not a speed); the
in-process tests of ``cli.interrupt`` show why it ends even when the loop is busy.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from servers import HostileServer

from apiward.cli import interrupt

ROOT = Path(__file__).resolve().parents[2]


def _start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "apiward", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT / "src")},
    )


@pytest.mark.timeout(90)
def test_ctrl_c_on_a_scan_stuck_on_a_trickling_server_writes_every_report(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    """SIGINT while an answer trickles in: exit 130, JSON and SARIF written, marked partial."""
    server = HostileServer("trickle")
    report, sarif = tmp_path / "scan.json", tmp_path / "scan.sarif"
    process = _start(
        "scan", "--spec", str(inputs["spec.yaml"]), "--target", server.url, "--timeout", "600",
        "--json", str(report), "--sarif", str(sarif), cwd=tmp_path,
    )  # fmt: skip
    try:
        assert server.wait_for_request(), "the scan never reached the server"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        server.close()
    assert process.returncode == 130, stderr
    assert "interrupted: the report is partial" in stderr
    assert "Traceback" not in stderr
    assert json.loads(report.read_text())["complete"] is False
    assert json.loads(sarif.read_text())["runs"]
    assert not list(tmp_path.glob(".*.tmp")), "a half-written report was left behind"


@pytest.mark.timeout(90)
def test_ctrl_c_on_the_gateway_with_a_file_audit_log(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    """SIGINT stops `apiward guard`: exit 130, no traceback, and its audit log verifies."""
    log = tmp_path / "audit.jsonl"
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"contract: {inputs['spec.yaml']}\naudit:\n  sink: {log}\n")
    port = _free_port()
    process = _start(
        "guard", "--policy", str(policy), "--upstream", "http://127.0.0.1:9",
        "--listen", f"127.0.0.1:{port}", cwd=tmp_path,
    )  # fmt: skip
    try:
        assert _listening(port), "the gateway never listened"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Error" not in stderr
    verified = _start("guard", "verify-log", str(log), cwd=tmp_path)
    out, err = verified.communicate(timeout=60)
    assert verified.returncode == 0, out + err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int, wait: float = 30) -> bool:
    end = time.monotonic() + wait
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


@pytest.mark.timeout(30)
def test_a_busy_loop_is_interrupted_after_the_grace() -> None:
    """Code that never awaits cannot see the cancellation: the timer interrupts it instead."""

    async def busy() -> str:
        os.kill(os.getpid(), signal.SIGINT)
        end = time.monotonic() + 20
        while time.monotonic() < end:
            pass
        return "never interrupted"

    with pytest.raises(KeyboardInterrupt):
        interrupt.run(busy())
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.timeout(30)
def test_a_waiting_coroutine_is_cancelled_and_cleans_up() -> None:
    """Ctrl-C while awaiting cancels the coroutine: its ``finally`` runs, then KeyboardInterrupt."""
    cleaned = threading.Event()

    async def waiting() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        try:
            await asyncio.sleep(20)
        finally:
            cleaned.set()

    with pytest.raises(KeyboardInterrupt):
        interrupt.run(waiting())
    assert cleaned.is_set()
