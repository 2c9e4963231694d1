"""The store through the real CLI: scans recorded, --fail-on-new in CI, triage, diff, retest."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from orders_app import IDENTITIES, KEYS, orders_app

from apiward.store.tables import SCHEMA

Cli = Callable[..., subprocess.CompletedProcess[str]]
Serve = Callable[[Any], Any]


@pytest.fixture
def identities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The orders API's identities file; the keys themselves are in the environment."""
    monkeypatch.setenv("ORDERS_ALICE_KEY", KEYS["alice"])
    monkeypatch.setenv("ORDERS_BOB_KEY", KEYS["bob"])
    path = tmp_path / "identities.yaml"
    path.write_text(IDENTITIES)
    return path


def _scan(apiward: Cli, serve: Serve, store: str, ids: Path, *, vulnerable: bool) -> Any:
    server = serve(orders_app(owner_only=not vulnerable))
    return apiward(
        "scan", "--spec", f"{server.url}/openapi.json", "--allow-private",
        "--target", server.url, "--identities", str(ids), "--no-signup", "--checks", "bola",
        "--store", store, "--api", "orders", "--fail-on-new", "high",
    )  # fmt: skip


def _fingerprint(listing: str) -> str:
    found = re.search(r"\b[0-9a-f]{16}\b", listing)
    assert found is not None, listing
    return found.group()


def _bola_state(apiward: Cli, store: str) -> str:
    listed = apiward("findings", "list", "--all", "--api", "orders", "--store", store)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "bola" in line)
    return row.split("\t")[2]


def test_ci_fails_on_new_findings_only(
    apiward: Cli, serve: Serve, store_url: str, identities: Path
) -> None:
    """New BOLA: exit 1; same again: 0; fixed release: fixed; back: regressed and exit 1."""
    first = _scan(apiward, serve, store_url, identities, vulnerable=True)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "recorded as run 1 of API orders" in first.stdout
    assert "--fail-on-new high: 1 new finding(s)" in first.stdout
    assert _bola_state(apiward, store_url) == "new"
    again = _scan(apiward, serve, store_url, identities, vulnerable=True)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _bola_state(apiward, store_url) == "open"
    fixed = _scan(apiward, serve, store_url, identities, vulnerable=False)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _bola_state(apiward, store_url) == "fixed"
    back = _scan(apiward, serve, store_url, identities, vulnerable=True)
    assert back.returncode == 1
    assert _bola_state(apiward, store_url) == "regressed"
    diff = apiward("diff", "3", "4", "--store", store_url)
    assert diff.returncode == 0, diff.stderr
    assert re.search(
        r"appeared in run 4: 1\n  \+ \w+ high bola GET /orders/\{order_id\}", diff.stdout
    )


def test_a_false_positive_stops_failing_ci(
    apiward: Cli, serve: Serve, tmp_path: Path, identities: Path
) -> None:
    """Triaged as a false positive, the finding leaves the list and no longer fails the gate."""
    store = str(tmp_path / "store.db")
    assert _scan(apiward, serve, store, identities, vulnerable=True).returncode == 1
    assert _scan(apiward, serve, store, identities, vulnerable=False).returncode == 0
    fingerprint = _fingerprint(apiward("findings", "list", "--all", "--store", store).stdout)
    triage = apiward(
        "findings", "triage", fingerprint, "--as", "false-positive",
        "--reason", "orders are shared by design", "--by", "maria", "--store", store,
    )  # fmt: skip
    assert triage.returncode == 0, triage.stderr
    assert "false-positive" in triage.stdout
    assert _scan(apiward, serve, store, identities, vulnerable=True).returncode == 0
    assert "0 finding(s)" in apiward("findings", "list", "--store", store).stderr
    shown = apiward("findings", "show", fingerprint, "--store", store)
    assert "triage: false-positive by maria" in shown.stdout
    assert "orders are shared by design" in shown.stdout


def test_the_store_keeps_references_not_keys(
    apiward: Cli, serve: Serve, tmp_path: Path, identities: Path
) -> None:
    """The API keys behind ${VARS} reach neither the store's file nor `findings show`."""
    store = tmp_path / "store.db"
    _scan(apiward, serve, str(store), identities, vulnerable=True)
    shown = apiward("api", "show", "orders", "--store", str(store))
    assert f"identities: {identities}" in shown.stdout
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
    assert KEYS["alice"].encode() not in stored
    assert KEYS["bob"].encode() not in stored
    assert b"bob reads alice" in stored


def test_retest_runs_the_check_again_and_moves_the_state(
    apiward: Cli, serve: Serve, tmp_path: Path, identities: Path
) -> None:
    """`retest FINGERPRINT` scans the API's target with that check and records the outcome."""
    store = str(tmp_path / "store.db")
    server = serve(orders_app(owner_only=True))
    # The API is registered on the fixed release's address; the finding came from elsewhere.
    added = apiward(
        "api", "add", "orders", "--spec", f"{server.url}/openapi.json", "--target", server.url,
        "--identities", str(identities), "--schedule", "0 3 * * *", "--store", store,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert _scan(apiward, serve, store, identities, vulnerable=True).returncode == 1
    fingerprint = _fingerprint(apiward("findings", "list", "--store", store).stdout)
    retest = apiward("retest", fingerprint, "--store", store)
    assert retest.returncode == 0, retest.stdout + retest.stderr
    assert f"{fingerprint}: fixed (since run 2)" in retest.stdout
    listed = apiward("api", "list", "--store", store).stdout
    assert "0 3 * * *" in listed


def _dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_retest_of_a_gone_target_records_no_run(
    apiward: Cli, serve: Serve, tmp_path: Path, identities: Path
) -> None:
    """A target that no longer answers: one error line, exit 2, and no empty run recorded."""
    store = str(tmp_path / "store.db")
    spec = tmp_path / "openapi.json"
    spec.write_text(httpx.get(f"{serve(orders_app(owner_only=True)).url}/openapi.json").text)
    added = apiward(
        "api", "add", "orders", "--spec", str(spec), "--target", _dead_url(),
        "--identities", str(identities), "--store", store,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert _scan(apiward, serve, store, identities, vulnerable=True).returncode == 1
    fingerprint = _fingerprint(apiward("findings", "list", "--store", store).stdout)
    retest = apiward("retest", fingerprint, "--store", store)
    assert retest.returncode == 2, retest.stdout + retest.stderr
    assert len(retest.stderr.strip().splitlines()) == 1, retest.stderr
    assert "recorded as run" not in retest.stdout
    assert apiward("diff", "1", "2", "--store", store).returncode == 2  # run 2 was never made


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("findings", "list", "--store", "mysql://x@y/z"), "neither a file path"),
        (("findings", "triage", "abcdef12", "--as", "fixed"), "is not one of"),
        (("api", "add", "x", "--schedule", "every day"), "not a cron expression"),
        (("api", "add", "x", "--checks", "bola,telepathy"), "unknown check 'telepathy'"),
        (("api", "add", "x", "--config", "no-such.yaml"), "cannot read scan config"),
        (("diff", "1", "2"), "no run 1"),
        (("api", "show", "nope"), "no API named"),
    ],
    ids=["bad-url", "bad-decision", "bad-cron", "bad-check", "no-config", "no-such-run", "no-api"],
)
def test_bad_input_is_one_line_and_exit_2(
    apiward: Cli, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    """A mistake in a store command is one `error:` line and exit code 2, no traceback."""
    store = ("--store", str(tmp_path / "s.db")) if "--store" not in args else ()
    if store:
        apiward("store", "upgrade", *store)  # verbs that only read want an existing store
    result = apiward(*args, *store)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_store_upgrade_and_info(apiward: Cli, tmp_path: Path) -> None:
    """`store upgrade` builds or migrates the schema; `store info` names the store and counts."""
    store = str(tmp_path / "s.db")
    first = apiward("store", "upgrade", "--store", store)
    assert f"schema (empty) -> {SCHEMA}" in first.stdout
    assert f"already at schema {SCHEMA}" in apiward("store", "upgrade", "--store", store).stdout
    info = apiward("store", "info", "--store", store)
    assert "runs: 0" in info.stdout


def test_audits_record_their_runs(apiward: Cli, tmp_path: Path) -> None:
    """`audit contract --store` records the run under the API named after the contract."""
    spec = tmp_path / "openapi.json"
    spec.write_text(
        '{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/users/{id}": '
        '{"get": {"parameters": [{"name": "id", "in": "path", "required": true, '
        '"schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}}}}'
    )
    store = str(tmp_path / "s.db")
    result = apiward("audit", "contract", str(spec), "--store", store, "--api", "users")
    assert "recorded as run 1 of API users" in result.stdout, result.stdout + result.stderr
    shown = apiward("api", "show", "users", "--store", store)
    assert "audit contract" in shown.stdout


def test_an_api_keeps_its_scan_options_and_scan_api_uses_them(
    apiward: Cli, serve: Serve, identities: Path, tmp_path: Path
) -> None:
    """`api add --exclude/--checks/--config` are shown by `api show` and used by `scan --api`."""
    server = serve(orders_app(owner_only=False))
    config = tmp_path / "scan.yaml"
    config.write_text("no-signup: true\n")
    store = str(tmp_path / "s.db")
    added = apiward(
        "api", "add", "orders", "--spec", f"{server.url}/openapi.json", "--target", server.url,
        "--identities", str(identities), "--checks", "bola", "--exclude", "GET /orders/{order_id}",
        "--config", str(config), "--store", store,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    shown = apiward("api", "show", "orders", "--store", store).stdout
    assert "--checks bola" in shown
    assert "--exclude 'GET /orders/{order_id}'" in shown
    out = tmp_path / "scan.json"
    scan = apiward(
        "scan", "--api", "orders", "--allow-private", "--store", store, "--json", str(out)
    )
    assert scan.returncode == 0, scan.stdout + scan.stderr
    report = json.loads(out.read_text())
    assert report["findings"] == [], "the BOLA's operation was excluded"
    assert {c["check"] for c in report["ran"] + report["skipped"]} == {"bola"}
