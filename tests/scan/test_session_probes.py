"""Checks that mean 'this token alone' or 'a higher role' read the session the right way."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from apiward.core.registry import Registry
from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks._privilege import ranks
from apiward.scan.checks.jwt import JwtForgery
from apiward.scan.identities import Login
from apiward.spec import load

SECRET = secrets.token_bytes(32)
USERS = {"alice": "alice-pass-1", "root": "root-pass-1"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign(claims: dict[str, Any]) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = f"{head}.{_b64(json.dumps(claims).encode())}"
    return f"{body}.{_b64(hmac.new(SECRET, body.encode(), hashlib.sha256).digest())}"


def _verified(token: str) -> str | None:
    body, _, signature = token.rpartition(".")
    good = _b64(hmac.new(SECRET, body.encode(), hashlib.sha256).digest())
    if not body or not hmac.compare_digest(signature, good):
        return None
    claims = json.loads(base64.urlsafe_b64decode(body.split(".")[1] + "=="))
    return str(claims["sub"]) if claims["exp"] > time.time() else None


class _Credentials(BaseModel):
    username: str
    password: str


def _app() -> FastAPI:
    """A FastAPI app for browsers and API clients: a login gives a JWT *and* a session cookie."""
    app = FastAPI()
    sessions: dict[str, str] = {}

    def caller(request: Request) -> str | None:
        if (sid := request.cookies.get("session")) in sessions:
            return sessions[sid]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return _verified(token) if scheme.lower() == "bearer" else None

    @app.post("/login")
    def login(body: _Credentials, response: Response) -> dict[str, str]:
        if USERS.get(body.username) != body.password:
            raise HTTPException(401, "invalid credentials")
        sid = secrets.token_hex(16)
        sessions[sid] = body.username
        response.set_cookie("session", sid, httponly=True)
        return {
            "access_token": _sign({"sub": body.username, "exp": int(time.time()) + 3600}),
            "token_type": "bearer",
        }

    @app.get("/me", openapi_extra={"security": [{"bearer": []}]})
    def me(request: Request) -> Any:
        user = caller(request)
        if user is None:
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        return {"username": user, "plan": "gold" if user == "root" else "free"}

    original = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}
        }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _identity(name: str, role: str, rank: int | None = None) -> Identity:
    body = {"username": name, "password": USERS.get(name, "x")}
    return Identity(
        name=name, role=role, rank=rank, login=Login(method="POST", path="/login", body=body)
    )


def test_jwt_probes_carry_the_token_and_not_the_session_cookie(
    serve: Callable[[Any], Any],
) -> None:
    """With a session cookie beside the JWT, forged tokens are judged alone: no finding, no skip."""
    url = serve(_app()).url
    api = load(f"{url}/openapi.json", allow_private=True)
    identities = (_identity("alice", "user"), _identity("root", "admin"))
    config = ScanConfig(target=url, identities=identities)
    registry = Registry[AnyCheck]("check", [("jwt", JwtForgery())])
    results = asyncio.run(scan(api, config, registry))
    assert results.errors == []
    details = [s.detail for s in results.skipped if s.check == "jwt"]
    assert not [d for d in details if "without a valid token" in d], (
        "the 'no token' probe still carried the session cookie"
    )
    assert [d.split(" (")[0] for d in details] == ["expiry: no way to sign a token"], (
        "every other attack ran"
    )
    assert [f.key for f in results.findings] == []


class _Ctx:
    """What ``ranks`` reads of a Context: no secured reads, so reach ties for everyone."""

    def __init__(self, identities: tuple[Identity, ...]) -> None:
        self.identities = identities
        self.api = type("Api", (), {"operations": ()})()
        self.probes = ()


def test_bfla_ranks_by_the_given_rank_before_reach_and_role_names() -> None:
    """rank: puts 'clerk' above 'admin'; without ranks the role names decide the tie."""
    ranked = (_identity("a", "admin"), _identity("c", "clerk", rank=5), _identity("u", "user"))
    order = asyncio.run(ranks(_Ctx(ranked)))  # type: ignore[arg-type]
    assert order["c"] > order["a"] > order["u"]
    plain = (_identity("a", "admin"), _identity("c", "clerk"), _identity("u", "user"))
    order = asyncio.run(ranks(_Ctx(plain)))  # type: ignore[arg-type]
    assert order["a"] > order["c"]
