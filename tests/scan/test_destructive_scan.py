"""A full scan never wipes what it did not create: destructive operations by meaning, whatever the method."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_apiward
from wipe_app import IDENTITIES, SEED, State, running


def _scan(tmp_path: Path, *extra: str) -> tuple[State, dict[str, object], str]:
    state = State()
    identities, out = tmp_path / "identities.yaml", tmp_path / "out.json"
    identities.write_text(IDENTITIES)
    with running(state) as url:
        done = run_apiward(
            "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
            "--identities", str(identities), "--json", str(out), *extra, timeout=600,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return state, json.loads(out.read_text()), done.stdout


def test_a_full_scan_never_sends_a_wiping_get_nor_deletes_seeded_users(tmp_path: Path) -> None:
    """GET /createdb and GET /api/v1/reset get no request; no seeded user is deleted."""
    state, _, _ = _scan(tmp_path)
    assert state.hits["GET /users"] > 0, "the scan did not exercise the API"
    assert state.hits["GET /createdb"] == 0
    assert state.hits["GET /api/v1/reset"] == 0
    assert not set(state.deleted) & set(SEED)
    assert all(state.users.get(k) == v for k, v in SEED.items())


def test_under_safe_no_check_sends_a_destructive_operation(tmp_path: Path) -> None:
    """With --safe, no wiping GET and no POST .../delete; DELETEs only undo the scan's creations."""
    state, _, _ = _scan(tmp_path, "--safe")
    assert state.hits["GET /users"] > 0, "the scan did not exercise the API"
    for key in ("GET /createdb", "GET /api/v1/reset", "POST /users/<int:user_id>/delete"):
        assert state.hits[key] == 0, key
    assert state.hits["DELETE /users/<int:user_id>"] == len(state.deleted)
    assert set(state.deleted) <= set(state.created)
    assert all(state.users.get(k) == v for k, v in SEED.items())


def test_the_report_says_what_was_treated_as_destructive_and_why(tmp_path: Path) -> None:
    """The scope table names each destructive operation with its reason; skips use the new reason."""
    _, report, stdout = _scan(tmp_path, "--checks", "bola,rate_limit")
    rows = {row["operation"]: row for row in report["tables"]["scope"]}  # type: ignore[index]
    assert rows["GET /createdb"]["treatment"] == "destructive"
    assert "create + db" in rows["GET /createdb"]["why"]
    assert "reset" in rows["GET /api/v1/reset"]["why"]
    assert "DELETE /users/{user_id}" in rows
    assert "POST /users/{user_id}/delete" in rows
    assert "GET /users" not in rows
    reasons = {(s["check"], s["operation"]): s["reason"] for s in report["skipped"]}  # type: ignore[attr-defined]
    # A DELETE bola sends on users the scan made (one made for the attack); a POST named
    # like a deletion it does not: its control names a made-up id, not the scan's.
    assert ("bola", "DELETE /users/{user_id}") not in reasons
    assert reasons[("bola", "POST /users/{user_id}/delete")].startswith("destructive operation")
    assert "GET /createdb" in stdout
