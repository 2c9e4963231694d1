"""``apiward guard``: the gateway as a real process, verify-log, and what SIGKILL loses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "guard"))

from guard_app import echo_app

from apiward.core.events import AuditEvent

CONTRACT = Path(__file__).parent.parent / "guard" / "contract.yaml"
CONCURRENCY = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _policy(tmp_path: Path) -> Path:
    path = tmp_path / "apiward.yaml"
    path.write_text(
        f"contract: {CONTRACT}\naudit:\n  sink: audit.jsonl\nratelimit:\n  limits: ['100000/second']\n"
    )
    return path


@pytest.fixture
def gateway(
    tmp_path: Path, serve: Callable[[Any], Any]
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``apiward guard`` in front of the echo app, as a real process."""
    upstream = serve(echo_app)
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "apiward",
            "guard",
            "--policy",
            str(_policy(tmp_path)),
            "--upstream",
            upstream.url,
            "--listen",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/items/1", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield process, url
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)
    process.stderr.close()  # type: ignore[union-attr]


def test_gateway_process_guards_and_logs(
    gateway: tuple[subprocess.Popen[bytes], str], tmp_path: Path, apiward: Callable[..., Any]
) -> None:
    """The gateway forwards legitimate requests, refuses unknown routes, and a clean stop loses
    no event and seals the log: one seal, which verify-log counts as "1 checkpoint"."""
    process, url = gateway
    ok = httpx.get(url + "/items/7")
    unknown = httpx.get(url + "/admin")
    assert (ok.status_code, unknown.status_code) == (200, 404)
    assert "secret_cost" not in ok.json()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=10)
    events = [
        AuditEvent.from_json(line) for line in (tmp_path / "audit.jsonl").read_bytes().splitlines()
    ]
    assert sum(e.kind == "request" for e in events) >= 2  # the readiness probe may add one
    verified = apiward("guard", "verify-log", str(tmp_path / "audit.jsonl"))
    assert verified.returncode == 0, verified.stdout
    assert ", 1 checkpoint (unkeyed" in verified.stdout


def test_sigkill_loses_at_most_the_requests_in_flight(
    gateway: tuple[subprocess.Popen[bytes], str], tmp_path: Path, apiward: Callable[..., Any]
) -> None:
    """Every request a client got an answer for is in the log after SIGKILL, and the chain verifies."""
    process, url = gateway
    answered: list[str] = []
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(base_url=url, timeout=5) as http:
            while not stop.is_set():
                try:
                    r = http.get("/items/7")
                except httpx.TransportError:
                    return
                answered.append(r.headers.get("content-digest", ""))

    threads = [threading.Thread(target=load) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    while len(answered) < 300:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    log = tmp_path / "audit.jsonl"
    logged = sum(
        1
        for line in log.read_bytes().splitlines()
        if b'"kind":"request"' in line and b'"route":"/items/{item_id}"' in line
    )
    assert len(answered) <= logged <= len(answered) + CONCURRENCY
    verified = apiward("guard", "verify-log", str(log))
    assert verified.returncode == 3, verified.stdout  # intact, but a killed guard cannot seal
    assert "intact so far" in verified.stdout
    assert "not sealed" in verified.stdout


def test_a_failed_start_writes_no_audit_line(tmp_path: Path, apiward: Callable[..., Any]) -> None:
    """A port in use: one line, exit 2, and the audit log untouched (no seal of a run never run)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = apiward(
            "guard",
            "--policy",
            str(_policy(tmp_path)),
            "--upstream",
            f"http://127.0.0.1:{_free_port()}",
            "--listen",
            f"127.0.0.1:{port}",
        )
    assert result.returncode == 2
    assert "cannot listen on 127.0.0.1" in result.stderr
    log = tmp_path / "audit.jsonl"
    assert not log.exists() or log.read_bytes() == b""


def test_an_upstream_nobody_answers_is_named_at_start(tmp_path: Path) -> None:
    """The gateway starts (the API may come later), and says which upstream is silent."""
    silent = f"http://127.0.0.1:{_free_port()}"
    command = [sys.executable, "-m", "apiward", "guard", "--policy", str(_policy(tmp_path))]
    process = subprocess.Popen(
        [*command, "--upstream", silent, "--listen", f"127.0.0.1:{_free_port()}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stderr.readline() for _ in range(2)]  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()  # type: ignore[union-attr]
    warning = next((line for line in lines if line.startswith("warning:")), "")
    assert f"the upstream {silent} does not answer (connection refused)" in warning
    assert "502 gateway.upstream-unavailable" in warning


def test_verify_log_reports_the_first_broken_line(
    tmp_path: Path, apiward: Callable[..., Any]
) -> None:
    """An edited event: exit 1 with the line number and why."""
    prev = "0" * 64
    lines = []
    for index in range(3):
        event = AuditEvent(
            ts="2026-11-29T00:00:00Z",
            kind="request",
            request_id=str(index),
            method="GET",
            path="/x",
            client="127.0.0.1",
            outcome="allowed",
        ).chained(prev)
        prev = event.hash
        lines.append(event.to_json())
    log = tmp_path / "audit.jsonl"
    log.write_bytes(b"\n".join([lines[0], lines[1].replace(b'"/x"', b'"/y"'), lines[2]]) + b"\n")
    result = apiward("guard", "verify-log", str(log))
    assert result.returncode == 1
    assert f"{log}:2: edited: its content does not match its hash" in result.stdout


def test_verify_log_with_the_key_names_a_recomputed_chain(
    tmp_path: Path, apiward: Callable[..., Any]
) -> None:
    """--key: a log whose hashes were rebuilt without the key is a recomputed chain; exit 1."""
    key = tmp_path / "audit.key"
    key.write_text("0123456789abcdef0123456789abcdef\n")
    prev, lines = "0" * 64, []
    for index, keyed in enumerate((True, False)):
        event = AuditEvent(
            ts="2026-11-29T00:00:00Z",
            kind="request",
            request_id=str(index),
            method="GET",
            path="/x",
            client="127.0.0.1",
            outcome="allowed",
        ).chained(prev, b"0123456789abcdef0123456789abcdef" if keyed else None)
        prev = event.hash
        lines.append(event.to_json())
    log = tmp_path / "audit.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    result = apiward("guard", "verify-log", str(log), "--key", str(key))
    assert result.returncode == 1
    assert f"{log}:2: recomputed chain: its hash is a plain SHA-256" in result.stdout
    log.write_bytes(lines[0] + b"\n")
    result = apiward("guard", "verify-log", str(log), "--key", str(key))
    assert result.returncode == 3
    assert "keyed" in result.stdout


def test_verify_log_tells_wrong_input_from_tampering(
    tmp_path: Path, apiward: Callable[..., Any]
) -> None:
    """Not a log: exit 2 naming line 1; an unset --key-env: its name; a wrong key: a hint."""
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\nmilk\n")
    result = apiward("guard", "verify-log", str(notes))
    assert result.returncode == 2
    assert f"{notes}:1" in result.stderr
    assert "not a log the guard wrote" in result.stderr
    assert "Traceback" not in result.stderr
    unset = apiward("guard", "verify-log", str(notes), "--key-env", "APIWARD_NO_SUCH_KEY")
    assert unset.returncode == 2
    assert "APIWARD_NO_SUCH_KEY is not set" in unset.stderr
    key, other = tmp_path / "audit.key", tmp_path / "other.key"
    key.write_text("0123456789abcdef0123456789abcdef\n")
    other.write_text("fedcba9876543210fedcba9876543210\n")
    event = AuditEvent(
        ts="2026-11-29T00:00:00Z",
        kind="request",
        request_id="0",
        method="GET",
        path="/x",
        client="127.0.0.1",
        outcome="allowed",
    ).chained("0" * 64, key.read_bytes().strip())
    log = tmp_path / "audit.jsonl"
    log.write_bytes(event.to_json() + b"\n")
    wrong = apiward("guard", "verify-log", str(log), "--key", str(other))
    assert wrong.returncode == 1
    assert "or the key given is not this log's" in wrong.stdout


def test_bad_policy_is_one_line_and_exit_2(tmp_path: Path, apiward: Callable[..., Any]) -> None:
    """A policy with a wrong authentication key fails with its line, exit 2, no traceback."""
    policy = tmp_path / "apiward.yaml"
    policy.write_text("version: 1\nauthentication:\n  issuer: x\n")
    result = apiward(
        "guard",
        "--policy",
        str(policy),
        "--spec",
        str(CONTRACT),
        "--upstream",
        "http://127.0.0.1:1",
    )
    assert result.returncode == 2
    assert f"{policy}:3" in result.stderr
    assert "'issuer' was unexpected" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_policy_file_that_cannot_be_read_is_named_plainly(
    tmp_path: Path, apiward: Callable[..., Any]
) -> None:
    """A missing or binary policy: the file and the reason in words, not ``[Errno 2]``."""
    binary = tmp_path / "policy.yaml"
    binary.write_bytes(b"version: 1\n\xff\xfe")
    for path, reason in (
        (tmp_path / "nope.yaml", "cannot read the policy: No such file or directory"),
        (binary, "the policy is not UTF-8 text (byte 11)"),
    ):
        result = apiward("guard", "--policy", str(path), "--upstream", "http://127.0.0.1:1")
        assert result.returncode == 2
        assert result.stderr.strip() == f"error: {path}: {reason}"


def test_missing_options_exit_2(apiward: Callable[..., Any]) -> None:
    """apiward guard without --policy/--upstream says what is missing."""
    result = apiward("guard", "--listen", "127.0.0.1:9")
    assert result.returncode == 2
    assert "--policy" in result.stderr
