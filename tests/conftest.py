"""Fixtures shared by every test: real servers on 127.0.0.1 and the real CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default store (and any data-dir file) goes to a temporary folder, not the user's."""
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data-home"))
    yield
    if before is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = before


SHARED = Path(os.environ.get("APIWARD_SHARED", ROOT.parent / "shared"))


class RunningServer:
    """A real uvicorn server on 127.0.0.1 with an ephemeral port, run in a thread."""

    def __init__(self, app: Any) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="auto")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._sock = sock

    def start(self) -> RunningServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], RunningServer]]:
    """Start ASGI apps on real uvicorn servers; all are stopped when the test ends."""
    started: list[RunningServer] = []

    def start(app: Any) -> RunningServer:
        server = RunningServer(app).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def run_apiward(
    *args: str, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``apiward`` CLI in a subprocess and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "apiward", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        check=False,
    )


@pytest.fixture
def apiward() -> Callable[..., subprocess.CompletedProcess[str]]:
    """The real CLI, as a function of its arguments."""
    return run_apiward


SCAN_TESTS = ROOT / "tests" / "scan"


# First: pytest-xdist reads the groups in a hook of its own that is not marked trylast.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for ``pytest -n --dist loadgroup``: a file's tests share one worker.

    Module fixtures (a served bank, a scan) are then made once, and tests that read what an
    earlier test of their file left (an audit log) see it. Every test reading the session's
    two demo-bank scans joins one group, so each scan runs once in the whole run.
    """
    for item in items:
        uses_bank_scans = {"vulnerable", "fixed"} & set(getattr(item, "fixturenames", ()))
        if uses_bank_scans and SCAN_TESTS in item.path.parents:
            group = "demo-bank-scans"
        else:
            group = str(item.path.relative_to(ROOT))
        item.add_marker(pytest.mark.xdist_group(group))
