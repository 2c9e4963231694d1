"""Helpers for the authentication tests: keys, token forging, a test IdP and a whoami app."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc.jwk import ECKey, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.guard import AuditPolicy, Guard, Policy
from apiward.guard.authn.apikey import digest
from apiward.guard.policy import RateLimitPolicy, ResponsePolicy, ValidatePolicy
from apiward.spec import load

HERE = Path(__file__).parent
API = load(HERE / "contract.yaml")
ISSUER = "https://idp.test"
AUDIENCE = "api://test"
RSA1 = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "alg": "RS256"})
RSA2 = RSAKey.generate_key(2048, parameters={"kid": "rsa-2", "alg": "RS256"})
EC1 = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
HS_SECRET = "a-shared-hmac-secret-of-enough-length-0123456789"


def b64(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(
    header: dict[str, Any], claims: dict[str, Any], key: Any = None, secret: bytes = b""
) -> str:
    """A compact JWS signed by hand, so hostile headers reach the guard untouched."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    data = signing_input.encode()
    alg = header.get("alg")
    if str(alg).lower() == "none":
        return signing_input + "."
    if str(alg).startswith("HS"):
        return f"{signing_input}.{b64(hmac.new(secret, data, hashlib.sha256).digest())}"
    if isinstance(key, ECKey):
        r, s = decode_dss_signature(key.private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    signature = key.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def claims(**extra: Any) -> dict[str, Any]:
    """Valid access-token claims for alice, overridable."""
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "iat": now,
        "exp": now + 600,
        "scope": "read write",
        "realm_access": {"roles": ["teller"]},
    }
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def token(key: Any = RSA1, header: dict[str, Any] | None = None, **extra: Any) -> str:
    """A valid RS256 (or ES256 for an EC key) token, with header/claim overrides."""
    alg = "ES256" if isinstance(key, ECKey) else "RS256"
    return forge(
        {"alg": alg, "typ": "at+jwt", "kid": key.kid, **(header or {})}, claims(**extra), key
    )


class IdP:
    """A test identity provider: discovery, a JWKS that can rotate, RFC 7662 introspection."""

    def __init__(self) -> None:
        self.keys: list[Any] = [RSA1, EC1]
        self.jwks_hits = 0
        self.introspections = 0
        self.active: dict[str, dict[str, Any]] = {}
        self.url = ""

    def app(self) -> Starlette:
        """The IdP as an ASGI app."""

        async def discovery(_: Request) -> Response:
            return JSONResponse({"issuer": ISSUER, "jwks_uri": f"{self.url}/jwks"})

        async def jwks(_: Request) -> Response:
            self.jwks_hits += 1
            return JSONResponse({"keys": [k.as_dict(private=False) for k in self.keys]})

        async def introspect(request: Request) -> Response:
            self.introspections += 1
            expected = "Basic " + base64.b64encode(b"guard:guard-secret").decode()
            if request.headers.get("authorization") != expected:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            form = await request.form()
            return JSONResponse(self.active.get(str(form.get("token")), {"active": False}))

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/jwks", jwks),
                Route("/introspect", introspect, methods=["POST"]),
            ]
        )


async def whoami(scope: Any, receive: Any, send: Any) -> None:
    """Answers with what the guard established about the caller."""
    if scope["type"] != "http":
        return
    ctx = scope.get("apiward")
    body = json.dumps(
        {
            "principal": ctx.principal,
            "roles": sorted(ctx.roles),
            "scopes": sorted(ctx.scopes),
            "claims": {k: v for k, v in ctx.claims.items() if k in ("sub", "key_name", "keyid")},
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


API_KEY = "aw_" + "k" * 40
SIGNING_SECRET = "s" * 48
os.environ.setdefault("AUTHN_TEST_SIGNING", SIGNING_SECRET)
os.environ.setdefault("AUTHN_TEST_CLIENT_ID", "guard")
os.environ.setdefault("AUTHN_TEST_CLIENT_SECRET", "guard-secret")


def every_scheme(idp_url: str) -> dict[str, Any]:
    """A binding for every scheme of the test contract (the guard insists on all)."""
    keys = [{"name": "ci-bot", "sha256": digest(API_KEY), "roles": ["robot"], "scopes": ["read"]}]
    return {
        "bearer": jwt_scheme(jwks_url=f"{idp_url}/jwks"),
        "oidc": jwt_scheme(jwks_url=f"{idp_url}/jwks"),
        "opaque": {
            "introspection": {
                "endpoint": f"{idp_url}/introspect",
                "client_id_env": "AUTHN_TEST_CLIENT_ID",
                "client_secret_env": "AUTHN_TEST_CLIENT_SECRET",
                "issuer": ISSUER,
                "audiences": [AUDIENCE],
                "allow_private": True,
            }
        },
        "apikey": {"api_keys": keys},
        "querykey": {"api_keys": keys},
        "signed": {
            "signatures": {
                "keys": {"partner-1": {"secret_env": "AUTHN_TEST_SIGNING", "principal": "partner"}}
            }
        },
    }


def policy(
    tmp: Path, authentication: dict[str, Any], idp_url: str = "http://127.0.0.1:9"
) -> Policy:
    """A policy with only authentication (plus transport) doing anything.

    Schemes the section does not bind are bound by :func:`every_scheme`.
    """
    from apiward.guard.authn.config import authn_policy

    section = dict(authentication)
    section["schemes"] = {**every_scheme(idp_url), **section.get("schemes", {})}
    return Policy(
        authentication=authn_policy(section),
        ratelimit=RateLimitPolicy(enabled=False),
        validate=ValidatePolicy(enabled=False),
        response=ResponsePolicy(enabled=False),
        audit=AuditPolicy(sink=str(tmp / "audit.jsonl")),
    )


def jwt_scheme(**overrides: Any) -> dict[str, Any]:
    """A ``jwt`` mechanism entry against the test IdP."""
    return {
        "jwt": {
            "issuer": ISSUER,
            "audiences": [AUDIENCE],
            "algorithms": ["RS256", "ES256"],
            "allow_private": True,
            "roles_claim": "realm_access.roles",
            "scopes_claim": "scope",
            **overrides,
        }
    }


@asynccontextmanager
async def client(guard: Guard) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client through ``guard`` (the IdP itself is a real server)."""
    transport = httpx.ASGITransport(app=guard, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield http
    await guard.aclose()
