"""How the dashboard keeps a password: an argon2id hash with RFC 9106's low-memory costs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import run_apiward


def test_the_cli_hashes_passwords_with_argon2id_at_rfc_9106_low_memory_costs(
    tmp_path: Path,
) -> None:
    """64 MiB, three passes, four lanes: argon2-cffi's default, in the CLI's own process
    (the tests' own dashboards use the library's test profile: tests/conftest.py)."""
    store = tmp_path / "store.db"
    made = run_apiward(
        "server", "create-user", "ada", "--role", "admin", "--password-stdin",
        "--store", str(store), input="correct horse battery staple\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(store) as db:
        (kept,) = db.execute("SELECT password FROM dashboard_users WHERE name = 'ada'").fetchone()
    assert kept.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "correct horse" not in kept
