"""The demo bank behind the guard, over real uvicorn: as middleware and behind the gateway.

Every planted flaw the non-authentication layers can stop is exploited through the
guard with the demo's own exploits (tests/demo) and must fail; legitimate use works.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "demo"))

from demo_exploits import EXPLOITS
from demo_target import Canary, Target

from apiward.demo import create_app, load_ground_truth
from apiward.guard import AuditPolicy, Guard, Policy
from apiward.guard.auditverify import verify_log
from apiward.guard.policy import from_mapping
from apiward.guard.serve import gateway_app
from serving import serving

POLICY = Path(__file__).parent / "bank_policy.yaml"
STOPPED = [
    "mass-assignment-register-role",
    "mass-assignment-profile-limit",
    "excessive-data-password-hash",
    "excessive-data-card-number",
    "excessive-data-account-notes",
    "transfers-page-size-unbounded",
    "lookup-batch-unbounded",
    "ssrf-avatar-url",
    "ssrf-webhook-test",
    "ssrf-statement-import",
    "avatar-third-party-content-trusted",
    "stack-trace-in-errors",
    "cors-reflects-any-origin",
    "debug-config-exposed",
    "zombie-v1-account",
    "zombie-v1-user",
    "shadow-internal-user-export",
    "token-in-query-string",
    "referral-bonus-unlimited",
    "login-no-brute-force-protection",  # last: it spends the login budget
]


def _policy(tmp: Path) -> Policy:
    import yaml

    raw = yaml.safe_load(POLICY.read_text())
    raw["audit"]["sink"] = str(tmp / "audit.jsonl")
    raw.pop("contract")
    return from_mapping(raw)


@pytest.fixture(scope="module", params=["middleware", "gateway"])
def bank(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Target, Path]]:
    """The vulnerable bank behind the guard, as middleware or behind the gateway."""
    tmp = tmp_path_factory.mktemp(request.param)
    app = create_app(data_dir=tmp)
    contract = tmp / "bank-openapi.json"
    contract.write_text(json.dumps(app.openapi()))
    with ExitStack() as stack:
        canary = stack.enter_context(Canary().running())
        policy = _policy(tmp)
        if request.param == "middleware":
            url = stack.enter_context(serving(Guard(app, policy=policy, api=str(contract))))
        else:
            upstream = stack.enter_context(serving(app))
            url = stack.enter_context(
                serving(gateway_app(policy, upstream=upstream, spec=str(contract)))
            )  # type: ignore[arg-type]
        client = stack.enter_context(httpx.Client(base_url=url, timeout=30))
        yield (
            Target(url=url, fixed=False, bank=app.state.bank, canary=canary, client=client),
            tmp / "audit.jsonl",
        )


def test_legitimate_use_still_works(bank: tuple[Target, Path]) -> None:
    """Log in, read profile, accounts and a page of transfers, register, read a rate."""
    t, _ = bank
    me = t.get("/api/v2/me", "alice")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert "password_hash" not in me.json()
    assert t.get("/api/v2/accounts", "alice").status_code == 200
    assert len(t.get("/api/v2/transfers?limit=10", "alice").json()) <= 10
    assert t.client.get("/api/v2/exchange-rates/USD").json()["currency"] == "USD"
    body = {"username": "newcomer", "password": "a-long-password", "email": "new@bank.example"}
    assert t.client.post("/api/v2/auth/register", json=body).status_code == 201
    assert t.get("/api/v2/me", "alice").headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("flaw_id", STOPPED)
def test_planted_flaw_is_stopped(bank: tuple[Target, Path], flaw_id: str) -> None:
    """The demo's own exploit for this flaw does not get through the guard."""
    t, _ = bank
    if flaw_id == "mass-assignment-register-role":
        # Its exploit cannot continue once the sign-up is refused; check that refusal itself.
        body = {
            "username": "mallory-x",
            "password": "mallory-password-1",
            "email": "m@evil.example",
        }
        refused = t.client.post("/api/v2/auth/register", json={**body, "role": "admin"})
        assert (refused.status_code, refused.json()["field"]) == (422, "body/role")
        return
    outcome = EXPLOITS[flaw_id](t)
    assert not outcome.worked, f"{flaw_id} got through the guard: {outcome.evidence}"


def test_security_headers_are_added(bank: tuple[Target, Path]) -> None:
    """missing-security-headers: nosniff and no-store are added (HSTS only over HTTPS, RFC 6797 §7.2)."""
    t, _ = bank
    headers = t.get("/api/v2/me", "alice").headers
    assert (headers["x-content-type-options"], headers["cache-control"]) == ("nosniff", "no-store")
    assert "strict-transport-security" not in headers


def test_the_audit_log_of_the_run_is_intact(bank: tuple[Target, Path]) -> None:
    """Everything above left an intact hash chain with refusals in it."""
    _, log = bank
    verdict = verify_log(log)
    assert verdict.intact
    assert b'"outcome":"refused"' in log.read_bytes()


def test_ground_truth_ids_are_real() -> None:
    """STOPPED names only flaws the demo really plants."""
    assert set(STOPPED) <= {flaw.id for flaw in load_ground_truth()}


def test_unused_policy_keys_load() -> None:
    """The README's bank policy file loads as shipped (contract resolved next to it)."""
    policy = Policy.load(POLICY)
    assert policy.contract == str(POLICY.parent / "bank-openapi.json")
    assert isinstance(policy.audit, AuditPolicy)
