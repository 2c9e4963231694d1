"""JWT bearer tokens through the guard, keys from a real JWKS/OIDC server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from authn_support import (
    API,
    AUDIENCE,
    EC1,
    HS_SECRET,
    ISSUER,
    RSA1,
    RSA2,
    IdP,
    b64,
    claims,
    client,
    forge,
    jwt_scheme,
    policy,
    token,
    whoami,
)

from apiward.guard import Guard
from serving import serving

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def idp() -> Iterator[IdP]:
    """The test IdP on a real uvicorn server."""
    provider = IdP()
    with serving(provider.app()) as url:
        provider.url = url
        yield provider


def guard_for(tmp: Path, idp: IdP, **jwt: Any) -> Guard:
    """whoami behind a guard whose bearer scheme uses the IdP's JWKS."""
    section = {"schemes": {"bearer": jwt_scheme(jwks_url=f"{idp.url}/jwks", **jwt)}}
    return Guard(whoami, policy=policy(tmp, section, idp.url), api=API)


def _bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


@pytest.mark.parametrize("key", [RSA1, EC1], ids=["RS256", "ES256"])
async def test_valid_token_is_accepted(tmp_path: Path, idp: IdP, key: Any) -> None:
    """A well-formed token from the issuer sets principal, roles (dotted path) and scopes."""
    async with client(guard_for(tmp_path, idp)) as http:
        answer = await http.get("/me", headers=_bearer(token(key)))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "principal": "alice",
        "roles": ["teller"],
        "scopes": ["read", "write"],
        "claims": {"sub": "alice"},
    }


def _rsa_public_pem() -> bytes:
    return RSA1.as_bytes(private=False)


HOSTILE: dict[str, Any] = {
    "alg-none": lambda: forge({"alg": "none", "kid": "rsa-1"}, claims()),
    "alg-none-capitalised": lambda: forge({"alg": "None", "kid": "rsa-1"}, claims()),
    "alg-outside-allow-list": lambda: forge(
        {"alg": "HS512", "kid": "rsa-1"}, claims(), secret=b"x"
    ),
    "hs256-with-rsa-public-key": lambda: forge(
        {"alg": "HS256", "kid": "rsa-1"}, claims(), secret=_rsa_public_pem()
    ),
    "rs256-claimed-for-ec-key": lambda: forge({"alg": "RS256", "kid": "ec-1"}, claims(), RSA1),
    "jku-header": lambda: token(header={"jku": "http://127.0.0.1:1/jwks"}),
    "x5u-header": lambda: token(header={"x5u": "http://127.0.0.1:1/cert"}),
    "embedded-jwk": lambda: token(header={"jwk": RSA2.as_dict(private=False)}),
    "x5c-header": lambda: token(header={"x5c": ["MIIB"]}),
    "unknown-crit": lambda: token(header={"crit": ["exp2"], "exp2": 1}),
    "kid-path-traversal": lambda: token(header={"kid": "../../../../dev/null"}),
    "kid-too-long": lambda: token(header={"kid": "k" * 300}),
    "kid-not-a-string": lambda: token(header={"kid": {"$ne": 1}}),
    "oversized-token": lambda: token(padding="x" * 9000),
    "expired": lambda: token(exp=1_000_000_000),
    "not-yet-valid": lambda: token(nbf=4_000_000_000),
    "no-exp": lambda: token(exp=None),
    "wrong-audience": lambda: token(aud="api://other"),
    "issuer-prefix": lambda: token(iss=ISSUER + ".evil"),
    "issuer-substring": lambda: token(iss=ISSUER[:-1]),
    "signed-by-unknown-key": lambda: token(key=RSA2, header={"kid": "rsa-1"}),
    "tampered-claims": lambda: _tamper(token()),
    "jwe-five-parts": lambda: "a.b.c.d.e",
    "garbage": lambda: "not-a-token",
}


def _tamper(value: str) -> str:
    header, _, signature = value.split(".")
    return f"{header}.{b64(json.dumps(claims(sub='admin')).encode())}.{signature}"


@pytest.mark.parametrize("name", list(HOSTILE), ids=list(HOSTILE))
async def test_hostile_token_is_refused(tmp_path: Path, idp: IdP, name: str) -> None:
    """Every hostile token (alg none, key confusion, kid, jku/jwk, crit, size, typ) gets one 401."""
    async with client(guard_for(tmp_path, idp)) as http:
        answer = await http.get("/me", headers=_bearer(HOSTILE[name]()))
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("authn.invalid-credentials")
    assert answer.json()["detail"] == "the credentials are not valid"
    assert answer.headers["www-authenticate"] == 'Bearer realm="api", error="invalid_token"'


async def test_typ_at_jwt_required_when_asked(tmp_path: Path, idp: IdP) -> None:
    """With ``typ: at+jwt``, an ID token (typ JWT) is not an access token (#7)."""
    async with client(guard_for(tmp_path, idp, typ="at+jwt")) as http:
        good = await http.get("/me", headers=_bearer(token()))
        id_token = await http.get("/me", headers=_bearer(token(header={"typ": "JWT"})))
    assert (good.status_code, id_token.status_code) == (200, 401)


@pytest.mark.parametrize(
    ("headers", "url"),
    [
        ([("authorization", "Bearer a"), ("authorization", "Bearer b")], "/me"),
        ([("authorization", "Bearer a")], "/me?access_token=b"),
    ],
    ids=["two-authorization-headers", "header-and-query"],
)
async def test_two_credentials_are_refused(
    tmp_path: Path, idp: IdP, headers: list[tuple[str, str]], url: str
) -> None:
    """A request with more than one credential source is refused before verification (#8)."""
    guard = guard_for(tmp_path, idp)
    async with client(guard) as http:
        answer = await http.get(url, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["type"].split("/")[-1] in {
        "authn.ambiguous-credentials",
        "transport.duplicate-header",
    }


async def test_token_in_query_alone_is_not_a_credential(tmp_path: Path, idp: IdP) -> None:
    """?access_token= is never read: the request is unauthenticated."""
    async with client(guard_for(tmp_path, idp)) as http:
        answer = await http.get(f"/me?access_token={token()}")
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("authn.missing-credentials")
    assert answer.headers["www-authenticate"] == 'Bearer realm="api"'


async def test_public_and_optional_operations(tmp_path: Path, idp: IdP) -> None:
    """Public operations pass; optional ones pass anonymously and authenticate when a token comes."""
    async with client(guard_for(tmp_path, idp)) as http:
        public = await http.get("/public")
        anonymous = await http.get("/optional")
        named = await http.get("/optional", headers=_bearer(token()))
        bad = await http.get("/optional", headers=_bearer("x.y.z"))
    assert (public.status_code, anonymous.status_code, bad.status_code) == (200, 200, 401)
    assert (anonymous.json()["principal"], named.json()["principal"]) == (None, "alice")


async def test_key_rotation_is_picked_up(tmp_path: Path, idp: IdP) -> None:
    """A token with a new kid makes the guard refetch the JWKS once, then it verifies."""
    async with client(guard_for(tmp_path, idp, jwks_refresh_interval=1)) as http:
        assert (await http.get("/me", headers=_bearer(token()))).status_code == 200
        idp.keys = [RSA1, RSA2, EC1]
        try:
            rotated = await http.get("/me", headers=_bearer(token(RSA2)))
        finally:
            idp.keys = [RSA1, EC1]
    assert rotated.status_code == 200


async def test_unknown_kid_refreshes_at_most_once_per_interval(tmp_path: Path, idp: IdP) -> None:
    """A flood of unknown kids costs one JWKS fetch per interval, not one per request (#3)."""
    async with client(guard_for(tmp_path, idp, jwks_refresh_interval=3600)) as http:
        assert (await http.get("/me", headers=_bearer(token()))).status_code == 200
        before = idp.jwks_hits
        answers = await asyncio.gather(
            *(http.get("/me", headers=_bearer(token(header={"kid": f"k{i}"}))) for i in range(20))
        )
    assert {a.status_code for a in answers} == {401}
    assert idp.jwks_hits - before <= 1


async def test_oidc_discovery(tmp_path: Path, idp: IdP) -> None:
    """Keys are found through the discovery document, whose issuer must match exactly."""
    section = {
        "schemes": {"oidc": jwt_scheme(discovery=f"{idp.url}/.well-known/openid-configuration")}
    }
    async with client(Guard(whoami, policy=policy(tmp_path, section, idp.url), api=API)) as http:
        answer = await http.get("/oidc/me", headers=_bearer(token(EC1)))
    assert answer.status_code == 200


async def test_discovery_naming_another_issuer_fails_closed(tmp_path: Path, idp: IdP) -> None:
    """A discovery document for another issuer gives no keys: 503, never a pass."""
    scheme = jwt_scheme(discovery=f"{idp.url}/.well-known/openid-configuration")
    scheme["jwt"]["issuer"] = "https://other.test"
    section = {"schemes": {"oidc": scheme}}
    async with client(Guard(whoami, policy=policy(tmp_path, section, idp.url), api=API)) as http:
        answer = await http.get("/oidc/me", headers=_bearer(token(iss="https://other.test")))
    assert answer.status_code == 503


async def test_jwks_down_fails_closed(tmp_path: Path) -> None:
    """No JWKS to be had (nothing listens there): 503 authn.unavailable, never 200."""
    provider = IdP()
    with serving(provider.app()) as url:
        provider.url = url
    guard = guard_for(tmp_path, provider)  # the server is stopped now
    async with client(guard) as http:
        answer = await http.get("/me", headers=_bearer(token()))
    assert answer.status_code == 503
    assert answer.json()["type"].endswith("authn.unavailable")


@pytest.mark.parametrize(
    ("mode", "status"), [("refuse", 503), ("use-cached", 200)], ids=["refuse", "use-cached"]
)
async def test_stale_jwks_when_the_endpoint_goes_down(
    tmp_path: Path, mode: str, status: int
) -> None:
    """After the TTL, a dead endpoint refuses (default) or keeps the last good JWKS if told to."""
    provider = IdP()
    idp_server = ExitStack()
    provider.url = idp_server.enter_context(serving(provider.app()))
    guard = guard_for(tmp_path, provider, jwks_ttl=1, jwks_unavailable=mode)
    async with client(guard) as http:
        assert (await http.get("/me", headers=_bearer(token()))).status_code == 200
        idp_server.close()
        await asyncio.sleep(1.1)
        answer = await http.get("/me", headers=_bearer(token(sub="bob")))
    assert answer.status_code == status


async def test_shared_secret_hs256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HS256 with a secret from the environment; an RS256 token is then refused."""
    monkeypatch.setenv("AUTHN_TEST_SECRET", HS_SECRET)
    scheme = jwt_scheme(secret_env="AUTHN_TEST_SECRET", algorithms=["HS256"])
    guard = Guard(whoami, policy=policy(tmp_path, {"schemes": {"bearer": scheme}}), api=API)
    good = forge({"alg": "HS256"}, claims(), secret=HS_SECRET.encode())
    async with client(guard) as http:
        ok = await http.get("/me", headers=_bearer(good))
        rs = await http.get("/me", headers=_bearer(token()))
    assert (ok.status_code, rs.status_code) == (200, 401)
    assert AUDIENCE in json.dumps(claims())
