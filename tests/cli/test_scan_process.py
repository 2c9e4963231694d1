"""``apiward scan`` as a process: Ctrl-C leaves a partial report, and no progress bar off a TTY."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items:
    get:
      responses: {'200': {description: ok}}
  /items/{item_id}:
    get:
      parameters: [{name: item_id, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
"""


def _target(delay: float, arrived: threading.Event) -> Starlette:
    async def answer(request: Request) -> JSONResponse:
        arrived.set()
        await asyncio.sleep(delay)
        return JSONResponse([{"id": 1, "name": "x"}])

    return Starlette(routes=[Route("/{path:path}", answer)])


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "apiward", "scan", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def test_ctrl_c_exits_130_with_a_partial_report(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """SIGINT after the first requests: exit 130, 'interrupted' on stderr, JSON with complete false."""
    arrived = threading.Event()
    url = serve(_target(0.5, arrived)).url
    spec, out = tmp_path / "spec.yaml", tmp_path / "out.json"
    spec.write_text(SPEC)
    env = {**os.environ, "NO_COLOR": "1"}
    process = _start(["--spec", str(spec), "--target", url, "--json", str(out)], env)
    try:
        assert arrived.wait(30), "the scan never reached the target"
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    report = json.loads(out.read_text())
    assert report["complete"] is False
    assert any(s["reason"] == "scan interrupted" for s in report["skipped"])


def test_no_progress_bar_when_stderr_is_not_a_tty(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """Captured stderr has the summary line and no control characters, even with colour forced."""
    url = serve(_target(0.0, threading.Event())).url
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    # FORCE_COLOR makes rich treat the console as a terminal: only isatty() keeps the bar off.
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env |= {"FORCE_COLOR": "1", "TERM": "xterm-256color"}
    process = _start(["--spec", str(spec), "--target", url, "--checks", "trace_method"], env)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "operations exercised" in stderr
    assert not [c for c in stderr if ord(c) < 32 and c != "\n"], repr(stderr)
