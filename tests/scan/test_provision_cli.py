"""Identities the scan makes itself, through the real CLI against a Flask API with a sign-up."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from notes_app import ALICE_PASSWORD, notes_app

from serving import serving

Cli = Callable[..., subprocess.CompletedProcess[str]]

ALICE = f"""identities:
  - name: alice
    role: member
    login:
      operation: POST /login
      json: {{username: alice, password: "{ALICE_PASSWORD}"}}
      token: token
"""


def _scan(
    apiward: Cli,
    tmp_path: Path,
    *,
    owner_only: bool,
    identities: str | None,
    extra: tuple[str, ...] = (),
) -> tuple[dict[str, Any], dict[str, str]]:
    app, users = notes_app(owner_only=owner_only)
    args: list[str] = []
    if identities is not None:
        path = tmp_path / "identities.yaml"
        path.write_text(identities)
        args = ["--identities", str(path)]
    out = tmp_path / "scan.json"
    with serving(app, wsgi=True) as url:
        result = apiward(
            "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
            "--checks", "bola", "--json", str(out), *args, *extra,
        )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(out.read_text()), users


def _made(users: dict[str, str]) -> list[str]:
    return [name for name in users if name != "alice"]


def _bolas(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == "bola"]


def test_one_identity_and_a_sign_up_make_two_users_and_find_the_bola(
    apiward: Cli, tmp_path: Path
) -> None:
    """With one identity, the scan signs up two users of its own and BOLA runs and fires."""
    report, users = _scan(apiward, tmp_path, owner_only=False, identities=ALICE)
    assert len(_made(users)) == 2, users
    assert _bolas(report), report["findings"]
    (note,) = [n for n in report["notes"] if "signed up" in n]
    assert "POST /register" in note
    assert "apiward-made-1" in note
    assert "apiward-made-2" in note
    assert "'member'" in note, "a user who signs up looks like alice, so shares her role"


def test_the_made_accounts_are_in_the_target_state_and_their_passwords_are_not(
    apiward: Cli, tmp_path: Path
) -> None:
    """Each account made is a 'signed up' row of the target state; no password reaches the report."""
    report, users = _scan(apiward, tmp_path, owner_only=False, identities=ALICE)
    text = json.dumps(report)
    state = report["tables"]["target_state"]
    accounts = {c["object"] for c in state if c["what"] == "account signed up"}
    assert accounts == {
        f"{name} (identity apiward-made-{n})" for n, name in enumerate(_made(users), start=1)
    }, state
    for name in _made(users):
        assert users[name] not in text, "a made user's password is a secret"


def test_the_secure_twin_has_no_bola(apiward: Cli, tmp_path: Path) -> None:
    """Notes readable by their owner only: the made users run BOLA and find nothing."""
    report, users = _scan(apiward, tmp_path, owner_only=True, identities=ALICE)
    assert len(_made(users)) == 2
    assert not _bolas(report), report["findings"]
    assert ("bola", "GET /notes/{note_id}") not in {
        (s["check"], s["operation"]) for s in report["skipped"]
    }, "BOLA tested the note reads: it was not skipped for want of peers"


def test_no_signup_makes_none(apiward: Cli, tmp_path: Path) -> None:
    """--no-signup: no account is registered, and BOLA has no peers to run with."""
    report, users = _scan(
        apiward, tmp_path, owner_only=False, identities=ALICE, extra=("--no-signup",)
    )
    assert _made(users) == []
    assert not _bolas(report)
    assert not [n for n in report["notes"] if "signed up" in n]


def test_without_an_identities_file_the_scan_makes_its_own_from_the_contract(
    apiward: Cli, tmp_path: Path
) -> None:
    """No --identities: sign-up and login are found in the contract; made users find the BOLA."""
    report, users = _scan(apiward, tmp_path, owner_only=False, identities=None)
    assert len(_made(users)) == 2
    assert _bolas(report), report["findings"]
    (note,) = [n for n in report["notes"] if "signed up" in n]
    assert "'scan-made'" in note
    assert not [n for n in report["notes"] if "no identities file" in n]
