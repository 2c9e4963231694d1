"""``apiward scan --include/--exclude/--config`` through the real CLI: excluded operations get no request."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_apiward
from tests.scan.wipe_app import IDENTITIES, State, running


def _files(tmp_path: Path) -> Path:
    identities = tmp_path / "identities.yaml"
    identities.write_text(IDENTITIES)
    return identities


def test_excluded_operations_get_zero_requests(tmp_path: Path) -> None:
    """A full scan with --exclude sends nothing to the excluded operations and plans no check on them."""
    state, out = State(), tmp_path / "out.json"
    with running(state) as url:
        done = run_apiward(
            "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
            "--identities", str(_files(tmp_path)), "--json", str(out),
            "--exclude", "GET /users/{user_id}", "--exclude", "tag:reports,createUser", timeout=600,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert state.hits["GET /users"] > 0, "the scan did not exercise the API"
    assert state.hits["GET /users/<int:user_id>"] == 0
    assert state.hits["GET /reports/export"] == 0
    assert state.hits["POST /users"] == 0
    report = json.loads(out.read_text())
    touched = {r["operation"] for r in report["ran"]} | {s["operation"] for s in report["skipped"]}
    assert not touched & {"GET /users/{user_id}", "GET /reports/export", "POST /users"}
    excluded = {
        r["operation"]: r["why"] for r in report["tables"]["scope"] if r["treatment"] == "excluded"
    }
    assert excluded == {
        "GET /users/{user_id}": "--exclude 'GET /users/{user_id}'",
        "GET /reports/export": "--exclude 'tag:reports'",
        "POST /users": "--exclude 'createUser'",
    }


def test_a_config_file_gives_every_option_and_the_command_line_wins(tmp_path: Path) -> None:
    """--config supplies spec, target, identities, include and checks; --checks on the command line wins."""
    state, out = State(), tmp_path / "out.json"
    _files(tmp_path)
    config = tmp_path / "scan.yaml"
    with running(state) as url:
        config.write_text(
            f"spec: {url}/openapi.json\nallow-private: true\ntarget: {url}\n"
            "identities: identities.yaml\ninclude: [tag:users]\nexclude: GET /users/{user_id}\n"
            "checks: [headers]\nconcurrency: 2\nfail-on: critical\n"
        )
        done = run_apiward("scan", "--config", str(config), "--checks", "bola", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert state.hits["GET /users"] > 0, "the scan did not exercise the API"
    assert state.hits["GET /reports/export"] == 0
    assert state.hits["GET /users/<int:user_id>"] == 0
    report = json.loads(out.read_text())
    assert {r["check"] for r in report["ran"]} | {s["check"] for s in report["skipped"]} == {"bola"}


def test_a_pattern_that_matches_nothing_is_one_clear_error(tmp_path: Path) -> None:
    """A mistyped --include is exit 2 with one line naming it, before any request."""
    state = State()
    with running(state) as url:
        done = run_apiward(
            "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
            "--include", "GET /userz",
        )  # fmt: skip
    assert done.returncode == 2
    assert "'GET /userz' matches no operation" in done.stderr
    assert "Traceback" not in done.stderr
    assert sum(n for key, n in state.hits.items() if key != "GET /openapi.json") == 0


def test_an_unknown_key_in_the_config_is_file_and_line(tmp_path: Path) -> None:
    """An unknown key names the file and its line; exit 2, no traceback."""
    config = tmp_path / "scan.yaml"
    config.write_text("target: http://127.0.0.1:9\nspec: x.yaml\nexlude: [tag:admin]\n")
    done = run_apiward("scan", "--config", str(config))
    assert done.returncode == 2
    assert f"{config}:3" in done.stderr
    assert "unknown key 'exlude'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_wrong_type_in_the_config_is_file_and_line(tmp_path: Path) -> None:
    """A value of the wrong type names the key, the file and the line; exit 2."""
    config = tmp_path / "scan.yaml"
    config.write_text("target: http://127.0.0.1:9\nconcurrency: many\n")
    done = run_apiward("scan", "--config", str(config), "--spec", "x.yaml")
    assert done.returncode == 2
    assert f"{config}:2" in done.stderr
    assert "concurrency must be an integer" in done.stderr
