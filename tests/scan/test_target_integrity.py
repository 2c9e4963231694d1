"""A scan leaves the target as it found it: restored, cleaned up, every user still logs in.

A full scan through the real CLI of a small Flask API others rely on (``integrity_app``),
then invariants on the app's own state; and the demo bank scanned twice in a row.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from integrity_app import SEED, Board, running

from apiward.demo import IDENTITIES, load_ground_truth, missed
from apiward.demo import running as running_demo
from apiward.scan import ScanConfig, load_identities, scan
from apiward.scan.checks import builtin_checks
from apiward.spec import load

BOARD_IDENTITIES = """\
identities:
  - name: alice
    role: member
    login:
      operation: POST /login
      json: {email: alice@team.test, password: alice-pw-1}
      token: token
  - name: bob
    role: member
    login:
      operation: POST /login
      json: {email: bob@team.test, password: bob-pw-2}
      token: token
"""


def _scan(board: Board, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    identities = tmp_path / "identities.yaml"
    identities.write_text(BOARD_IDENTITIES)
    out = tmp_path / "out.json"
    with running(board) as url:
        command = ["scan", "--spec", f"{url}/openapi.json", "--target", url, "--allow-private"]
        command += ["--identities", str(identities), "--json", str(out), *extra]
        done = subprocess.run(  # the real CLI, as a user runs it
            [sys.executable, "-m", "apiward", *command],
            capture_output=True,
            text=True,
            timeout=280,
            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
            check=False,
        )
    assert out.exists(), done.stderr[-2000:]
    (tmp_path / "stdout.txt").write_text(done.stdout)
    return done.returncode, json.loads(out.read_text())


def _logs_in(board: Board, email: str, password: str) -> int:
    client = board.app.test_client()
    return client.post("/login", json={"email": email, "password": password}).status_code


@pytest.fixture(scope="module")
def default_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Board, int, dict[str, Any]]:
    board = Board()
    code, report = _scan(board, tmp_path_factory.mktemp("default"))
    return board, code, report


def test_every_seeded_user_still_logs_in(default_scan: tuple[Board, int, dict[str, Any]]) -> None:
    """After a default scan every seeded user logs in (no role the app does not know is left)."""
    board, _, _ = default_scan
    statuses = {
        u["email"]: _logs_in(board, u["email"], u["password"]) for u in SEED["users"].values()
    }
    assert statuses == {u["email"]: 200 for u in SEED["users"].values()}


def test_seeded_objects_keep_their_values(default_scan: tuple[Board, int, dict[str, Any]]) -> None:
    """Users, profiles and posts read exactly as seeded; nothing seeded is deleted."""
    board, _, _ = default_scan
    assert board.violations() == []


def test_the_scan_changed_something_it_had_to_put_back(
    default_scan: tuple[Board, int, dict[str, Any]],
) -> None:
    """The restore phase wrote back what the probes changed (so the oracle above can fail)."""
    _, _, report = default_scan
    restored = [r for r in report["tables"]["target_state"] if r["state"] == "restored"]
    assert {r["object"] for r in restored} >= {"/profiles/alice", "/profiles/bob"}, restored


def test_junk_the_api_lets_the_scan_delete_is_gone(
    default_scan: tuple[Board, int, dict[str, Any]],
) -> None:
    """Posts the identities made are deleted; what the API lets nobody delete is listed as left."""
    board, _, report = default_scan
    junk = board.junk_posts()
    assert [p for p in junk if p.get("author") is not None] == []
    rows = report["tables"]["target_state"]
    assert any(r["state"] == "deleted" and "/board/posts" in r["object"] for r in rows), rows
    if junk:
        left = [r for r in rows if r["state"] == "left" and "/board/posts" in r["object"]]
        assert left, rows


def test_accounts_signed_up_are_listed(default_scan: tuple[Board, int, dict[str, Any]]) -> None:
    """Every account the scan signed up is in the target state (the API cannot delete them)."""
    board, _, report = default_scan
    listed = [
        r["object"] for r in report["tables"]["target_state"] if r["what"] == "account signed up"
    ]  # an e-mail, and for a user the scan made its identity: "… (identity apiward-made-1)"
    assert all(any(o.split(" ")[0] == e for o in listed) for e in board.signed_up()), listed


def test_posts_left_behind_are_no_damage_but_not_as_found(
    default_scan: tuple[Board, int, dict[str, Any]],
) -> None:
    """Exit code 3 means damage; posts nothing can delete are not, yet the note never says
    "left as found" while they stay."""
    _, code, report = default_scan
    assert code in {0, 1}
    note = next(n for n in report["notes"] if n.startswith("target state:"))
    assert note.startswith("target state: not as found: what the scan made"), note


def test_no_destructive_call_is_ever_sent(default_scan: tuple[Board, int, dict[str, Any]]) -> None:
    """No reset-like operation and no DELETE of a seeded object is even tried."""
    board, _, _ = default_scan
    assert (board.resets, board.seeded_delete_calls) == (0, 0)


def test_a_safe_scan_changes_nothing_it_did_not_create(tmp_path: Path) -> None:
    """Under --safe, nothing of another user is ever written and every seeded value holds."""
    board = Board()
    code, _ = _scan(board, tmp_path, "--safe")
    assert code in {0, 1}
    assert board.carol_written == []
    assert board.violations() == []


def test_a_change_the_scan_could_not_undo_exits_3(tmp_path: Path) -> None:
    """--aggressive sends a write nothing reads back; the report lists it and the scan exits 3."""
    board = Board()
    html = tmp_path / "report.html"
    code, report = _scan(
        board, tmp_path, "--aggressive", "--checks", "auth_bypass", "--report", str(html)
    )
    rows = report["tables"]["target_state"]
    assert code == 3
    assert {"object": "/me/notifications", "state": "not restored"}.items() <= next(
        r for r in rows if r["object"] == "/me/notifications"
    ).items()
    assert any(n.startswith("target state: DAMAGED") for n in report["notes"])
    printed = (tmp_path / "stdout.txt").read_text()
    assert "target state: what the scan changed" in printed
    assert "/me/notifications" in printed
    assert "Target state" in html.read_text()


def _demo_logins(url: str) -> dict[str, int]:
    """Each demo identity's login status, sent as its identities file says."""
    answers = {}
    for identity in load_identities(str(IDENTITIES)):
        login = identity.login
        if login is None:
            continue
        body = {"data" if login.form else "json": dict(login.body)}
        answers[identity.name] = httpx.request(login.method, url + login.path, **body).status_code
    return answers


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_the_demo_bank_scanned_twice_gives_the_same_findings_and_logins() -> None:
    """Two scans in a row of one demo bank find the same, as severe; every identity logs in.

    "The same" leaves out checks whose findings touch an object the first scan reports as
    left (created where the contract has no DELETE, such as a first avatar): that object
    now exists, so what those checks see differs, and the target state says why.
    """
    found, flaws, left = [], [], set()
    with running_demo(fixed=False) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        for _ in range(2):
            config = ScanConfig(target=url, identities=load_identities(str(IDENTITIES)))
            results = asyncio.run(scan(api, config, builtin_checks()))
            assert _demo_logins(url) == {"alice": 200, "bob": 200, "sam": 200, "admin": 200}
            assert not results.damaged, [c for c in results.target_state if c.damage]
            left |= {c.object for c in results.target_state if c.state.value == "left"}
            found.append({(f.check, f.operation, f.key, f.severity) for f in results.findings})
            flaws.append({f.id for f in load_ground_truth() if not missed(results.findings, [f])})
    assert flaws[0] == flaws[1]
    touched = {p[0] for p in found[0] | found[1] if p[1].split(" ")[-1] in left}
    first, second = ({p for p in run if p[0] not in touched} for run in found)
    assert first == second, (first - second, second - first)
