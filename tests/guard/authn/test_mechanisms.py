"""API keys, RFC 7662 introspection, RFC 9421 signed requests and TOTP step-up."""

from __future__ import annotations

import datetime
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    MappingKeyResolver,
    algorithms,
)

sys.path.insert(0, str(Path(__file__).parent))

from authn_support import (
    API,
    API_KEY,
    AUDIENCE,
    ISSUER,
    SIGNING_SECRET,
    IdP,
    client,
    policy,
    token,
    whoami,
)

from apiward.guard import Guard
from serving import serving

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def idp() -> Iterator[IdP]:
    """The test IdP (JWKS and introspection) on a real uvicorn server."""
    provider = IdP()
    with serving(provider.app()) as url:
        provider.url = url
        yield provider


def guard(tmp: Path, idp: IdP, **section: Any) -> Guard:
    """whoami behind a guard binding every scheme of the test contract."""
    return Guard(whoami, policy=policy(tmp, section, idp.url), api=API)


@pytest.mark.parametrize(
    ("request_args", "status"),
    [
        ({"headers": {"x-api-key": API_KEY}}, 200),
        ({"params": {"api_key": API_KEY}}, 200),
        ({"headers": {"x-api-key": API_KEY[:-1] + "x"}}, 401),
        ({"headers": {"x-api-key": "short"}}, 401),
        ({}, 401),
    ],
    ids=["header", "query-scheme", "wrong-key", "too-short", "none"],
)
async def test_api_key_by_hash(
    tmp_path: Path, idp: IdP, request_args: dict[str, Any], status: int
) -> None:
    """A key is accepted only when its SHA-256 is in the policy; roles and scopes come along."""
    async with client(guard(tmp_path, idp)) as http:
        answer = await http.get("/keyed", **request_args)
    assert answer.status_code == status
    if status == 200:
        assert answer.json() == {
            "principal": "ci-bot",
            "roles": ["robot"],
            "scopes": ["read"],
            "claims": {"key_name": "ci-bot"},
        }


async def test_the_refusal_reason_reaches_the_audit_event_only(tmp_path: Path, idp: IdP) -> None:
    """401 says only 'not valid'; the audit decision says why, and never the key."""
    wrong = API_KEY[:-1] + "x"
    async with client(guard(tmp_path, idp)) as http:
        answer = await http.get("/keyed", headers={"x-api-key": wrong})
        missing = await http.get("/keyed")
    assert "unknown" not in answer.text
    log = (tmp_path / "audit.jsonl").read_text()
    decisions = [e for e in map(json.loads, log.splitlines()) if e["kind"] == "decision"]
    assert [d["extra"].get("authentication") for d in decisions] == [
        "apikey: unknown API key",
        "no credentials",
    ]
    assert missing.status_code == 401
    assert wrong not in log


async def test_alternatives_take_whichever_credential_came(tmp_path: Path, idp: IdP) -> None:
    """security: [{bearer}, {apikey}] accepts either; both at once is not a problem."""
    async with client(guard(tmp_path, idp)) as http:
        by_key = await http.get("/either", headers={"x-api-key": API_KEY})
        by_token = await http.get("/either", headers={"authorization": f"Bearer {token()}"})
    assert (by_key.json()["principal"], by_token.json()["principal"]) == ("ci-bot", "alice")


async def test_introspection_active_inactive_and_cached(tmp_path: Path, idp: IdP) -> None:
    """Active opaque tokens pass (once asked, then cached); inactive or foreign ones are refused."""
    now = int(time.time())
    good = {
        "active": True,
        "sub": "carol",
        "scope": "read",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": now + 60,
    }
    idp.active = {
        "opaque-good-token": good,
        "opaque-foreign-aud": {**good, "aud": "api://other"},
        "opaque-expired-tok": {**good, "exp": now - 5},
    }
    async with client(guard(tmp_path, idp)) as http:
        before = idp.introspections
        first = await http.get("/opaque", headers={"authorization": "Bearer opaque-good-token"})
        again = await http.get("/opaque", headers={"authorization": "Bearer opaque-good-token"})
        asked = idp.introspections - before
        refused = [
            (await http.get("/opaque", headers={"authorization": f"Bearer {t}"})).status_code
            for t in ("opaque-unknown-tok", "opaque-foreign-aud", "opaque-expired-tok")
        ]
    assert (first.status_code, again.status_code, asked) == (200, 200, 1)
    assert first.json()["principal"] == "carol"
    assert first.json()["scopes"] == ["read"]
    assert refused == [401, 401, 401]


async def test_introspection_endpoint_down_fails_closed(tmp_path: Path, idp: IdP) -> None:
    """An unreachable introspection endpoint gives 503, never a pass."""
    section = policy(tmp_path, {}, "http://127.0.0.1:9")
    async with client(Guard(whoami, policy=section, api=API)) as http:
        answer = await http.get("/opaque", headers={"authorization": "Bearer opaque-good-token"})
    assert answer.status_code == 503


def _signed(
    body: bytes = b'{"amount": 5}',
    *,
    path: str = "/signed",
    nonce: str | None = "nonce-0123456789",
    created: datetime.datetime | None = None,
    covered: tuple[str, ...] = ("@method", "@target-uri", "content-digest"),
    secret: str = SIGNING_SECRET,
) -> httpx.Request:
    request = httpx.Request(
        "POST", f"http://api.test{path}", content=body, headers={"content-type": "application/json"}
    )
    request.headers["content-digest"] = ContentDigest.create(body)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.HMAC_SHA256,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={"partner-1": secret.encode()}
        ),
    )
    signer.sign(
        request,
        key_id="partner-1",
        covered_component_ids=covered,
        nonce=nonce,
        created=created,
        use_existing_digest=True,
    )
    return request


def _tamper_body(request: httpx.Request) -> httpx.Request:
    return httpx.Request("POST", request.url, content=b'{"amount": 5000}', headers=request.headers)


def _tamper_path(request: httpx.Request) -> httpx.Request:
    return httpx.Request(
        "POST",
        "http://api.test/signed?to=mallory",
        content=request.content,
        headers=request.headers,
    )


SIGNED_CASES: dict[str, tuple[Any, int]] = {
    "valid": (lambda: _signed(), 200),
    "tampered-body": (lambda: _tamper_body(_signed()), 401),
    "tampered-target": (lambda: _tamper_path(_signed()), 401),
    "no-nonce": (lambda: _signed(nonce=None), 401),
    "created-long-ago": (
        lambda: _signed(created=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)),
        401,
    ),
    "digest-not-covered": (lambda: _signed(covered=("@method", "@target-uri")), 401),
    "target-not-covered": (lambda: _signed(covered=("@method", "content-digest")), 401),
    "wrong-secret": (lambda: _signed(secret="t" * 48), 401),
}


@pytest.mark.parametrize("case", list(SIGNED_CASES), ids=list(SIGNED_CASES))
async def test_signed_request(tmp_path: Path, idp: IdP, case: str) -> None:
    """RFC 9421: a fresh signature covering method, target and digest passes; any change fails."""
    make, status = SIGNED_CASES[case]
    request = make()
    async with client(guard(tmp_path, idp)) as http:
        answer = await http.send(request)
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json()["principal"] == "partner"


async def test_signed_request_replay_is_refused(tmp_path: Path, idp: IdP) -> None:
    """The same signed request sent twice: the nonce was used, the second is refused (#25)."""
    request = _signed(nonce=f"replay-{time.time_ns()}")
    async with client(guard(tmp_path, idp)) as http:
        first = await http.send(request)
        second = await http.send(_signed_copy(request))
    assert (first.status_code, second.status_code) == (200, 401)


def _signed_copy(request: httpx.Request) -> httpx.Request:
    return httpx.Request("POST", request.url, content=request.content, headers=request.headers)


async def test_replay_refused_across_guards_with_redis(tmp_path: Path, idp: IdP) -> None:
    """With nonce_storage in Redis, two guard instances share the nonce cache (SET NX EX)."""
    signed = {
        "signatures": {
            "keys": {"partner-1": {"secret_env": "AUTHN_TEST_SIGNING", "principal": "partner"}},
            "nonce_storage": "redis://127.0.0.1:6379/0",
        }
    }
    request = _signed(nonce=f"redis-{time.time_ns()}")
    async with client(guard(tmp_path, idp, schemes={"signed": signed})) as one:
        first = await one.send(request)
    async with client(guard(tmp_path, idp, schemes={"signed": signed})) as two:
        second = await two.send(_signed_copy(request))
    assert (first.status_code, second.status_code) == (200, 401)


SECRET = pyotp.random_base32()


def _step_up(tmp: Path, idp: IdP, **extra: Any) -> Guard:
    secrets = tmp / "totp.yaml"
    secrets.write_text(f"alice: {SECRET}\n")
    step_up = {"operations": ["POST /transfer"], "secrets_file": str(secrets), **extra}
    return guard(tmp, idp, step_up=step_up)


def _otp(code: str | None) -> dict[str, str]:
    headers = {"authorization": f"Bearer {token()}"}
    if code is not None:
        headers["x-otp"] = code
    return headers


async def test_totp_accepted_once_then_replay_refused(tmp_path: Path, idp: IdP) -> None:
    """A current code works once; the same code again is a replay (RFC 6238 §5.2)."""
    code = pyotp.TOTP(SECRET).now()
    async with client(_step_up(tmp_path, idp)) as http:
        missing = await http.post("/transfer", headers=_otp(None))
        first = await http.post("/transfer", headers=_otp(code))
        replay = await http.post("/transfer", headers=_otp(code))
        other = await http.get("/me", headers=_otp(None))
    assert (missing.status_code, first.status_code, replay.status_code) == (401, 200, 401)
    assert other.status_code == 200  # only the sensitive operation asks
    assert 'error="insufficient_user_authentication"' in missing.headers["www-authenticate"]


async def test_totp_lockout_after_failures(tmp_path: Path, idp: IdP) -> None:
    """After max_failures wrong codes even the right code is refused, with 429 and Retry-After."""
    async with client(_step_up(tmp_path, idp, max_failures=3)) as http:
        wrong = [
            (await http.post("/transfer", headers=_otp("000000"))).status_code for _ in range(3)
        ]
        locked = await http.post("/transfer", headers=_otp(pyotp.TOTP(SECRET).now()))
    assert wrong == [401, 401, 401]
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0


async def test_sensitive_optional_operation_needs_a_principal(tmp_path: Path, idp: IdP) -> None:
    """An optional-auth operation marked sensitive is not passed anonymously."""
    secrets = tmp_path / "totp.yaml"
    secrets.write_text(f"alice: {SECRET}\n")
    step_up = {"operations": ["GET /optional"], "secrets_file": str(secrets)}
    async with client(guard(tmp_path, idp, step_up=step_up)) as http:
        anonymous = await http.get("/optional")
        with_code = await http.get("/optional", headers=_otp(pyotp.TOTP(SECRET).now()))
    assert (anonymous.status_code, with_code.status_code) == (401, 200)
