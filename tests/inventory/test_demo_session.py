"""The inventory on a real recorded session with the demo bank, through the real CLI.

One session is driven once per module (customers, staff, a v1 client and someone
trying the bank's undocumented endpoints) and written as a HAR file, an nginx
access log and a guard audit log; the contract is the bank's own /openapi.json.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from demo_session import Recorder, drive
from openapi_spec_validator import validate

from apiward.demo import running
from apiward.spec import load

Cli = Callable[..., subprocess.CompletedProcess[str]]

SHADOW = {"GET /api/v2/debug/config", "GET /api/v2/internal/users/export"}
ZOMBIE = {"GET /api/v1/accounts/{account_id}", "GET /api/v1/users/{username}"}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The recorded session's three traffic files and the bank's contract."""
    folder = tmp_path_factory.mktemp("session")
    recorder = Recorder()
    with running() as url:
        drive(url, recorder)
        (folder / "openapi.json").write_text(httpx.get(f"{url}/openapi.json").text)
    return {**recorder.write(folder), "spec": folder / "openapi.json"}


def _inventory(cli: Cli, *args: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "inventory.json"
        done = cli("inventory", *args, "--inventory-json", str(out))
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(out.read_text())
    return result


def _by_state(result: dict[str, Any], state: str) -> set[str]:
    return {
        f"{m['method']} {e['path']}"
        for e in result["endpoints"]
        for m in e["methods"]
        if m["state"] == state
    }


def _calls(result: dict[str, Any]) -> dict[str, int]:
    return {e["path"]: sum(m["calls"] for m in e["methods"]) for e in result["endpoints"]}


@pytest.mark.parametrize(
    "source", ["har", "access", "audit"], ids=["har", "access-log", "audit-log"]
)
def test_every_source_finds_the_shadow_and_zombie_endpoints(
    apiward: Cli, session: dict[str, Path], source: str
) -> None:
    """The two undocumented endpoints are shadow, the v1 ones zombie, the 404 probe unrouted."""
    result = _inventory(apiward, str(session[source]), "--spec", str(session["spec"]))
    assert result["sources"][0]["format"] == source
    assert _by_state(result, "shadow") == SHADOW
    assert _by_state(result, "zombie") == ZOMBIE
    assert _by_state(result, "unrouted") == {"GET /api/v2/backup.zip"}
    checks = {(f["check"], f["operation"]) for f in result["findings"]}
    assert {("inventory.shadow", op) for op in SHADOW} <= checks
    assert {("inventory.zombie", op) for op in ZOMBIE} <= checks


def test_ids_cluster_under_the_contract_names(apiward: Cli, session: dict[str, Path]) -> None:
    """Numeric account ids, UUID transfer ids and named card refs take the contract's templates."""
    calls = _calls(_inventory(apiward, str(session["access"]), "--spec", str(session["spec"])))
    assert calls["/api/v2/accounts/{account_id}"] == 4
    assert calls["/api/v2/transfers/{transfer_id}"] == 2
    assert calls["/api/v2/cards/{card_ref}"] == 13


def test_ids_cluster_without_a_contract(apiward: Cli, session: dict[str, Path]) -> None:
    """Without a contract the same ids are inferred: {id}, {uuid}, and {name} for the card refs."""
    calls = _calls(_inventory(apiward, str(session["access"])))
    assert calls["/api/v2/accounts/{id}"] == 4
    assert calls["/api/v2/transfers/{uuid}"] == 2
    assert calls["/api/v2/cards/{name}"] == 13
    assert "/api/v2/transfers/search" in calls


def test_har_bodies_map_the_sensitive_data(apiward: Cli, session: dict[str, Path]) -> None:
    """Card numbers (Luhn-valid ones only), emails, password hashes, tokens and keys are found."""
    result = _inventory(apiward, str(session["har"]), "--spec", str(session["spec"]))
    observed = {(s["operation"], s["field"]): s["observed"] for s in result["sensitive"]}
    # Two of the thirteen seeded cards have a valid check digit; the others are not cards.
    assert observed[("GET /api/v2/cards/{card_ref}", "$.number")] == {"card": 2}
    export = "GET /api/v2/internal/users/export"
    assert observed[(export, "$[].password_hash")]["password"] >= 13
    assert observed[(export, "$[].email")]["email"] >= 13
    assert observed[("POST /api/v2/auth/login", "$.access_token")]["jwt"] == 2
    assert observed[("GET /api/v2/debug/config", "$.webhook_signing_secret")]["api_key"] == 1
    assert observed[("GET /api/v1/users/{username}", "$.password_hash")] == {"password": 2}
    shadow = {f["operation"]: f for f in result["findings"] if f["check"] == "inventory.shadow"}
    assert shadow[export]["severity"] == "high"


def test_json_evidence_is_redacted_unless_asked(apiward: Cli, session: dict[str, Path]) -> None:
    """The debug endpoint's webhook signing key shows in evidence only with --show-secrets."""
    args = (str(session["har"]), "--spec", str(session["spec"]))
    redacted = json.dumps(_inventory(apiward, *args)["findings"])
    shown = json.dumps(_inventory(apiward, *args, "--show-secrets")["findings"])
    signing_key = re.compile(r"whsec_[0-9a-f]{32}")
    assert "webhook_signing_secret" in redacted
    assert not signing_key.search(redacted)
    assert signing_key.search(shown)


def test_openapi_skeleton_of_the_session_is_valid(
    apiward: Cli, session: dict[str, Path], tmp_path: Path
) -> None:
    """The skeleton written from the HAR passes the validator and loads with apiward.spec."""
    out = tmp_path / "discovered.yaml"
    done = apiward(
        "inventory", str(session["har"]), "--spec", str(session["spec"]), "--openapi-out", str(out)
    )
    assert done.returncode == 0, done.stderr
    document = yaml.safe_load(out.read_text())
    validate(document)
    api = load(out)
    assert api.operation("GET", "/api/v2/debug/config") is not None
    card = api.operation("GET", "/api/v2/cards/{card_ref}")
    assert card is not None
    assert "200" in card.responses
    assert "GET /api/v2/backup.zip" not in {op.key for op in api.operations}
