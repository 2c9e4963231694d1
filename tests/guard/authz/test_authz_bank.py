"""The demo bank behind the guard with authentication and authorization, over real uvicorn.

The bank's bearer tokens are verified (HS256, its own secret) by the authentication
stage; the authorization stage applies bank_authorization.yaml with hooks that look
owners and roles up in the bank's SQLite database. The demo's own exploits for its
planted BOLA and BFLA flaws must fail, as middleware and behind the gateway, while
customers, support staff and admins keep doing what they may.
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

sys.path.append(str(Path(__file__).parent))
sys.path.append(str(Path(__file__).parent.parent.parent / "demo"))

from bank_hooks import BankHooks
from demo_exploits import EXPLOITS
from demo_target import Canary, Target

from apiward.demo import create_app, load_ground_truth, serving
from apiward.demo.seed import account_ids
from apiward.demo.tokens import WEAK_SECRET
from apiward.guard import Guard
from apiward.guard.auditverify import verify_log
from apiward.guard.policy import Policy, from_mapping
from apiward.guard.serve import gateway_app

HERE = Path(__file__).parent
BANK_POLICY = HERE.parent / "bank_policy.yaml"
AUTHORIZATION = HERE / "bank_authorization.yaml"
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
STOPPED = [
    "bola-account-by-id",
    "bola-transfer-by-uuid",
    "bola-statement-by-query",
    "bola-transfer-from-foreign-account",
    "bola-card-by-name",
    "bfla-admin-list-users",
    "bfla-admin-set-role",
    "bfla-delete-promo-code",
]
ALICE, BOB = account_ids("alice")[0], account_ids("bob")[0]


def _policy(tmp: Path, hooks: BankHooks) -> Policy:
    raw = yaml.safe_load(BANK_POLICY.read_text())
    raw.pop("contract")
    raw["audit"]["sink"] = str(tmp / "audit.jsonl")
    raw["ratelimit"]["limits"] = ["1000/second"]
    raw["authentication"] = AUTHENTICATION
    raw.update(yaml.safe_load(AUTHORIZATION.read_text()))
    return from_mapping(raw, hooks=hooks.named())


@pytest.fixture(scope="module", params=["middleware", "gateway"])
def bank(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Target, Path]]:
    """The vulnerable bank behind the guard, as middleware or behind the gateway."""
    tmp = tmp_path_factory.mktemp(f"authz-{request.param}")
    app = create_app(data_dir=tmp)
    contract = tmp / "bank-openapi.json"
    contract.write_text(json.dumps(app.openapi()))
    with pytest.MonkeyPatch.context() as env, ExitStack() as stack:
        env.setenv("BANK_JWT_SECRET", WEAK_SECRET)
        policy = _policy(tmp, BankHooks(app.state.bank.db))
        if request.param == "middleware":
            guarded: Any = Guard(app, policy=policy, api=str(contract))
        else:
            upstream = stack.enter_context(serving(app))
            guarded = gateway_app(policy, upstream=upstream, spec=str(contract))
        url = stack.enter_context(serving(guarded))
        canary = stack.enter_context(Canary().running())
        client = stack.enter_context(httpx.Client(base_url=url, timeout=30))
        target = Target(url=url, fixed=False, bank=app.state.bank, canary=canary, client=client)
        yield target, tmp / "audit.jsonl"


@pytest.mark.parametrize("flaw_id", STOPPED, ids=STOPPED)
def test_planted_access_flaw_is_stopped(bank: tuple[Target, Path], flaw_id: str) -> None:
    """The demo's own exploit for this BOLA/BFLA flaw does not get through the guard."""
    t, _ = bank
    outcome = EXPLOITS[flaw_id](t)
    assert not outcome.worked, f"{flaw_id} got through the guard: {outcome.evidence}"


@pytest.mark.parametrize(
    ("who", "method", "path", "kwargs", "status"),
    [
        ("alice", "GET", f"/api/v2/accounts/{ALICE}", {}, 200),
        ("alice", "GET", "/api/v2/statements", {"params": {"account_id": ALICE}}, 200),
        ("alice", "GET", "/api/v2/cards/alice-visa", {}, 200),
        ("sam", "GET", f"/api/v2/accounts/{ALICE}", {}, 200),
        ("admin", "GET", "/api/v2/admin/users", {}, 200),
        ("alice", "GET", "/api/v2/promo-codes/SUMMER20", {}, 200),
        (
            "alice",
            "POST",
            "/api/v2/transfers",
            {"json": {"from_account_id": ALICE, "to_account_id": BOB, "amount": 1.0}},
            201,
        ),
    ],
    ids=[
        "own-account",
        "own-statement",
        "own-card",
        "support-reads",
        "admin-lists",
        "promo-get",
        "own-transfer",
    ],
)
def test_legitimate_use_still_works(
    bank: tuple[Target, Path], who: str, method: str, path: str, kwargs: Any, status: int
) -> None:
    """Customers reach their own objects, staff reach what their role allows."""
    t, _ = bank
    answer = t.send(method, path, who, **kwargs)
    assert answer.status_code == status, answer.text[:200]


def test_someone_elses_and_missing_objects_look_alike(bank: tuple[Target, Path]) -> None:
    """Bob gets the same 403 authz.owner for Alice's account and for one that does not exist."""
    t, _ = bank
    foreign = t.get(f"/api/v2/accounts/{ALICE}", "bob")
    missing = t.get("/api/v2/accounts/999999", "bob")
    assert foreign.status_code == missing.status_code == 403
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731
    assert strip(foreign) == strip(missing)
    assert foreign.json()["type"].endswith("/authz.owner")


def test_refusals_are_audited_with_stable_reasons(bank: tuple[Target, Path]) -> None:
    """authz.owner and authz.role refusals land in the intact audit chain."""
    t, log = bank
    t.get("/api/v2/cards/alice-visa", "bob")
    t.get("/api/v2/admin/users", "carol")
    events = [json.loads(line) for line in log.read_text().splitlines()]
    reasons = {e.get("reason") for e in events if e.get("kind") == "decision"}
    assert {"authz.owner", "authz.role"} <= reasons
    assert verify_log(log).intact


def test_stopped_ids_are_real() -> None:
    """STOPPED names only flaws the demo really plants."""
    assert set(STOPPED) <= {flaw.id for flaw in load_ground_truth()}
