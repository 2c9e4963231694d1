"""`findings list` as people read it (a terminal of 80 columns) and as scripts read it (a pipe)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from reports import finding, scan
from tests.conftest import ROOT

from apiward.core.findings import Severity
from apiward.store import open_store, record_run

Cli = Callable[..., subprocess.CompletedProcess[str]]
LONG = "any origin may read the answers with the caller's credentials (cookies sent)"


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with three findings of one API, one with a long title."""
    path = str(tmp_path / "store.db")
    engine = open_store(path)
    found = (
        finding(),
        finding("cors", "GET /orders", severity=Severity.MEDIUM, key="origin", title=LONG),
        finding("sqli", "GET /orders/{order_id}/lines", key="q", title="SQL error on a quote"),
    )
    record_run(engine, scan(*found), api="orders-service-production")
    engine.dispose()
    return path


def _on_a_terminal(*args: str, columns: int) -> str:
    """What the real CLI prints on a terminal ``columns`` wide (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-m", "apiward", *args],
        stdout=follower, stderr=subprocess.PIPE, cwd=ROOT, env=env, timeout=60, check=False,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert done.returncode == 0, done.stderr
    return re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode()).replace("\r", "")


def test_piped_it_prints_one_tab_separated_line_per_finding(apiward: Cli, store: str) -> None:
    """Piped: fingerprint, api, state, severity, check, where, title, triage; nothing else."""
    listed = apiward("findings", "list", "--store", store)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert len(rows) == 3
    assert all(len(row) == 8 for row in rows)
    assert all(re.fullmatch(r"[0-9a-f]{16}", row[0]) for row in rows)
    assert {row[4] for row in rows} == {"bola", "cors", "sqli"}
    assert LONG in {row[6] for row in rows}
    assert "3 finding(s)" in listed.stderr


def test_at_80_columns_a_fingerprint_is_never_broken(store: str) -> None:
    """On a terminal 80 wide, every fingerprint stands whole on a line, ready to copy."""
    shown = _on_a_terminal("findings", "list", "--store", store, columns=80)
    assert len(re.findall(r"(?<![0-9a-f])[0-9a-f]{16}(?![0-9a-f])", shown)) == 3, shown
    assert "3 finding(s) of API orders-service-production" in shown
    assert max(len(line.rstrip()) for line in shown.splitlines()) <= 80
