"""Fixtures shared by every test: real servers on 127.0.0.1 and the real CLI."""

from __future__ import annotations

import inspect
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
BANK_SCANS = SCAN_TESTS / "conftest.py"


def _uses_bank_scans(item: pytest.Item) -> bool:
    """Whether ``item`` reads a session-wide demo-bank scan of tests/scan/conftest.py.

    A module fixture of the same name (a scan with a few checks) does not count: only the
    fixture the test really gets, so such a module keeps a group, and a worker, of its own.
    """
    info = getattr(item, "_fixtureinfo", None)  # pytest's resolved fixtures (no public API)
    if info is None:
        return False
    return any(
        defs[-1].scope == "session" and Path(inspect.getfile(defs[-1].func)) == BANK_SCANS
        for defs in info.name2fixturedefs.values()
    )


# First: pytest-xdist reads the groups in a hook of its own that is not marked trylast.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for ``pytest -n --dist loadgroup``: a file's tests share one worker.

    Module fixtures (a served bank, a scan) are then made once, and tests that read what an
    earlier test of their file left (an audit log) see it. Every test reading the session's
    demo-bank scans joins one group, so each scan runs once in the whole run.
    """
    for item in items:
        group = str(item.path.relative_to(ROOT))
        if _uses_bank_scans(item):
            group = "demo-bank-scans"
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Refuse to run ungrouped: xdist would silently spread a group over every worker.

    xdist names a test's group in its node id (``...::test@group``); when that is lost
    (pytest 9.2, pytest-xdist#1386) every module fixture and bank scan runs once per worker.
    """
    if node.config.getoption("dist", "no") != "loadgroup":
        return
    if ungrouped := [nodeid for nodeid in ids if "@" not in nodeid]:
        pytest.exit(
            f"--dist loadgroup does not group here ({ungrouped[0]} has no @group): "
            "this pytest and pytest-xdist do not work together, see pyproject.toml",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
