"""The demo bank behind the Guard (middleware, real uvicorn) with authentication on.

The bank's bearer scheme is verified as HS256 with the bank's own secret, given to
the guard through an environment variable. The planted token flaws are exploited
with the demo's own exploits and must fail; alice's legitimate token still works.
``jwt-weak-secret`` is NOT stopped: a token forged with the guessable secret is a
valid token to anyone who holds that secret — the guard included.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent.parent.parent / "demo"))

from demo_exploits import EXPLOITS
from demo_target import Canary, Target

from apiward.demo import create_app
from apiward.demo.tokens import WEAK_SECRET
from apiward.guard import Guard
from apiward.guard.policy import from_mapping
from serving import serving

BANK_POLICY = Path(__file__).parent.parent / "bank_policy.yaml"
AUTHENTICATION: dict[str, Any] = {
    "schemes": {
        "HTTPBearer": {
            "jwt": {
                "secret_env": "BANK_JWT_SECRET",
                "algorithms": ["HS256"],
                "required_claims": ["exp", "sub"],
                "leeway": 0,
            }
        }
    }
}
STOPPED = ["jwt-alg-none", "jwt-expiry-not-checked", "token-in-query-string"]


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The vulnerable bank behind a guard whose policy authenticates its bearer tokens."""
    tmp = tmp_path_factory.mktemp("bank-authn")
    app = create_app(data_dir=tmp)
    contract = tmp / "bank-openapi.json"
    contract.write_text(json.dumps(app.openapi()))
    raw = yaml.safe_load(BANK_POLICY.read_text())
    raw.pop("contract")
    raw["audit"]["sink"] = str(tmp / "audit.jsonl")
    raw["authentication"] = AUTHENTICATION
    with pytest.MonkeyPatch.context() as env, ExitStack() as stack:
        env.setenv("BANK_JWT_SECRET", WEAK_SECRET)
        guard = Guard(app, policy=from_mapping(raw), api=str(contract))
        url = stack.enter_context(serving(guard))
        canary = stack.enter_context(Canary().running())
        client = stack.enter_context(httpx.Client(base_url=url, timeout=30))
        yield Target(url=url, fixed=False, bank=app.state.bank, canary=canary, client=client)


def test_alice_token_works(bank: Target) -> None:
    """A token the bank issued at login passes the guard and reaches the bank."""
    me = bank.get("/api/v2/me", "alice")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_public_operations_need_no_token(bank: Target) -> None:
    """Login and exchange rates are public in the contract and stay public."""
    assert bank.client.get("/api/v2/exchange-rates/USD").status_code == 200


@pytest.mark.parametrize("flaw_id", STOPPED, ids=STOPPED)
def test_planted_token_flaw_is_stopped(bank: Target, flaw_id: str) -> None:
    """The demo's own exploit for this flaw does not get through the guard."""
    outcome = EXPLOITS[flaw_id](bank)
    assert not outcome.worked, f"{flaw_id} got through the guard: {outcome.evidence}"


def test_alg_none_is_refused_by_authentication(bank: Target) -> None:
    """The unsigned token gets the uniform 401 invalid_token from the authentication stage."""
    forged = EXPLOITS["jwt-alg-none"](bank)
    assert "401" in forged.evidence
    assert "authn.invalid-credentials" in forged.evidence


def test_header_and_query_token_together_are_refused(bank: Target) -> None:
    """A token in the header and another in ?access_token= is ambiguous: 400 (#8)."""
    token = bank.token("alice")
    answer = bank.get("/api/v2/me", "alice", params={"access_token": token})
    assert answer.status_code == 400
    assert answer.json()["type"].endswith("authn.ambiguous-credentials")


def test_weak_secret_is_not_a_flaw_the_guard_can_fix(bank: Target) -> None:
    """jwt-weak-secret: a token forged with the guessable secret verifies (documented limit)."""
    assert EXPLOITS["jwt-weak-secret"](bank).worked
