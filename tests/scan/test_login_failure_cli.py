"""A failed login through the real CLI: that identity is reported, the rest of the scan runs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sessions_support import SessionsApi

Cli = Callable[..., subprocess.CompletedProcess[str]]

ALICE = """
  - name: alice
    role: user
    login:
      operation: POST /login
      json: {username: alice, password: alice-pw-1234}
"""
BOB = """
  - name: bob
    role: user
    login:
      operation: GET /q-login
      query: {user: bob, pass: bob-pw-5678}
      token: data.token
"""
MALLORY = """
  - name: mallory
    role: user
    login:
      operation: POST /login
      json: {username: alice, password: mallory-guess-1}
"""


def _scan(apiward: Cli, url: str, tmp_path: Path, identities: str) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "identities.yaml"
    path.write_text("identities:" + identities)
    out = tmp_path / "scan.json"
    result = apiward(
        "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
        "--identities", str(path), "--checks", "bola,auth_bypass",
        "--json", str(out), "--fail-on", "high",
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(out.read_text())


def test_a_failed_login_is_reported_and_the_scan_goes_on(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """mallory's refused login is a note and a skip; alice and bob still find the BOLA."""
    url = serve(SessionsApi().app()).url
    code, report = _scan(apiward, url, tmp_path, ALICE + BOB + MALLORY)
    assert code == 1, "the BOLA alice and bob find fails the build, not the login"
    assert report["complete"] is True
    (note,) = [n for n in report["notes"] if "mallory" in n]
    assert "could not log in" in note
    assert "wrong credentials" in note
    assert "mallory-guess-1" not in json.dumps(report)
    assert {"check": "login", "operation": None} in [
        {"check": s["check"], "operation": s["operation"]} for s in report["skipped"]
    ]
    assert {f["check"] for f in report["findings"]} == {"bola"}, (
        "no auth_bypass: the probe without credentials carried no session cookie"
    )


def test_when_every_login_fails_the_scan_runs_anonymously(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """No identity logs in: the report says so, and the anonymous scan still completes."""
    url = serve(SessionsApi().app()).url
    code, report = _scan(apiward, url, tmp_path, MALLORY)
    assert code == 0
    assert report["complete"] is True
    assert any("every identity failed to log in" in n for n in report["notes"])
    assert report["findings"] == []
