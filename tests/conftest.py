"""Fixtures shared by every test: real servers on 127.0.0.1 and the real CLI."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from serving import serving

ROOT = Path(__file__).resolve().parent.parent
# The code under test is this checkout's, in the tests and in every CLI they start, even
# when the venv's editable install points at another checkout (a git worktree beside it).
sys.path.insert(0, str(ROOT / "src"))
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p
)
# A scan whose target stops answering waits for it to come back (``scan.outage``, 30 s): the
# tests that stop a target on purpose do not wait that long; the outage tests set their own.
os.environ.setdefault("APIWARD_OUTAGE_WAIT", "2")


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


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """Dashboards served in the tests' own process hash passwords with argon2-cffi's test
    profile (``CHEAPEST``, as Django's docs advise a fast hasher for tests): its default
    costs 0.19 s of CPU a login, a third of test_http.py's time. The CLI's own processes
    keep the default; ``tests/server/test_users.py`` checks it."""
    from argon2 import PasswordHasher, profiles

    from apiward.server import users

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_HASHER", cheap)
        patch.setattr(users, "_DECOY", cheap.hash("not anyone's password"))
        yield


SHARED = Path(os.environ.get("APIWARD_SHARED", ROOT.parent / "shared"))


@dataclass(frozen=True, slots=True)
class Served:
    """An app being served: its base URL and port."""

    url: str

    @property
    def port(self) -> int:
        """The ephemeral port it listens on."""
        return int(self.url.rsplit(":", 1)[1])


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Serve apps as :func:`serving.serving` does (same options); all stop when the test ends."""
    with ExitStack() as started:

        def start(app: Any, **how: bool) -> Served:
            return Served(started.enter_context(serving(app, **how)))

        yield start


def run_apiward(
    *args: str, timeout: float = 120, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``apiward`` CLI in a subprocess (``input`` on its stdin) and capture what
    it prints."""
    return subprocess.run(
        [sys.executable, "-m", "apiward", *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        check=False,
    )


def scan_with_identities(
    url: str, identities: str, folder: Path, *extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``apiward scan`` of ``url`` (its contract at ``/openapi.json``) with the identities file
    text ``identities``, written to ``folder``; its JSON report (empty when it exited 2)."""
    (folder / "identities.yaml").write_text(identities)
    result = run_apiward(
        "scan",
        "--spec",
        f"{url}/openapi.json",
        "--target",
        url,
        "--identities",
        str(folder / "identities.yaml"),
        "--json",
        str(folder / "report.json"),
        *extra,
    )
    report = json.loads((folder / "report.json").read_text()) if result.returncode != 2 else {}
    return result, report


@pytest.fixture
def apiward() -> Callable[..., subprocess.CompletedProcess[str]]:
    """The real CLI, as a function of its arguments."""
    return run_apiward


SCAN_TESTS = ROOT / "tests" / "scan"
BANK_SCANS = SCAN_TESTS / "conftest.py"
BANK_SCANS_GROUP = "demo-bank-scans"


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

    Long groups (the bank scans, a test marked slow) come first: with ``make test``'s
    ``--no-loadscope-reorder`` xdist hands groups out in this order, so the last ones to
    start are short and no worker is left alone on a long one at the end.
    """
    groups: dict[str, str] = {}
    for item in items:
        group = str(item.path.relative_to(ROOT))
        if _uses_bank_scans(item):
            group = BANK_SCANS_GROUP
        groups[item.nodeid] = group
        item.add_marker(pytest.mark.xdist_group(group))
    long = {BANK_SCANS_GROUP} | {groups[i.nodeid] for i in items if i.get_closest_marker("slow")}
    items.sort(key=lambda item: groups[item.nodeid] not in long)  # stable: files keep their order


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
