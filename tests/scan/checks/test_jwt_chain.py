"""jwt, chained: a forgeable token raised to admin reaches the operations behind the role."""

import base64
import json
import time
from typing import Annotated, Any

from auth_support import scan_only, user
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from joserfc import jwt as jose
from joserfc.jwk import OctKey
from pydantic import BaseModel

from apiward.core.findings import Severity
from apiward.scan.checks.jwt import JwtForgery

KEY = OctKey.import_key("k2Jd8sLq0Zx7Vb4Nm1Pw9Rt6Yh3Gf5Ce")
USERS = {"dana": "dana-pass-1", "eli": "eli-pass-1"}


class Login(BaseModel):
    """A login body."""

    username: str
    password: str


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _decoder(*, trusts_none: bool) -> Any:
    """The dependency that reads a bearer token's claims (unsigned ones too, if it trusts them)."""

    def claims(
        credential: Annotated[HTTPAuthorizationCredentials, Depends(HTTPBearer())],
    ) -> dict[str, Any]:
        token = credential.credentials
        try:
            header = json.loads(_unb64(token.split(".")[0]))
            if trusts_none and header.get("alg") == "none":  # the classic library misuse
                return dict(json.loads(_unb64(token.split(".")[1])))
            return dict(jose.decode(token, KEY, algorithms=["HS256"]).claims)
        except Exception as error:
            raise HTTPException(401, "Could not validate credentials") from error

    return claims


def _staff_api(*, trusts_none: bool) -> FastAPI:
    """Every user is 'member'; the admin listing needs role admin from the token."""
    app = FastAPI(title="staff")
    claims = _decoder(trusts_none=trusts_none)

    @app.post("/token")
    def token(body: Login) -> dict[str, str]:
        if USERS.get(body.username) != body.password:
            raise HTTPException(401, "Incorrect username or password")
        payload = {"sub": body.username, "role": "member", "exp": int(time.time()) + 900}
        return {"access_token": jose.encode({"alg": "HS256"}, payload, KEY)}

    @app.get("/me")
    def me(who: Annotated[dict[str, Any], Depends(claims)]) -> dict[str, Any]:
        return {"username": who["sub"], "role": who["role"], "bio": f"{who['sub']} writes"}

    @app.get("/admin/users")
    def admin_users(who: Annotated[dict[str, Any], Depends(claims)]) -> list[dict[str, str]]:
        if who.get("role") != "admin":
            raise HTTPException(403, "Not enough permissions")
        return [{"username": name, "email": f"{name}@staff.test"} for name in USERS]

    return app


def _identities() -> tuple[Any, ...]:
    return tuple(user(name, pw, path="/token") for name, pw in USERS.items())


def test_alg_none_raised_to_admin_reaches_the_admin_listing(serve: Any) -> None:
    """One critical finding on GET /admin/users with the forgery and the refusal as evidence."""
    results = scan_only(serve(_staff_api(trusts_none=True)).url, [JwtForgery()], _identities())
    chains = [f for f in results.findings if f.key.startswith("chain:")]
    [chain] = chains
    assert chain.operation == "GET /admin/users"
    assert (chain.severity, chain.cwe) == (Severity.CRITICAL, "CWE-347")
    assert "role='admin'" in chain.title
    assert len(chain.evidence) == 3
    assert any(f.key == "alg-none" for f in results.findings)


def test_no_chain_when_tokens_cannot_be_forged(serve: Any) -> None:
    """With signatures verified, the admin listing stays refused: no finding at all."""
    results = scan_only(serve(_staff_api(trusts_none=False)).url, [JwtForgery()], _identities())
    assert results.findings == []
    assert results.errors == []


def _depot_api() -> FastAPI:
    """Drivers read everything they need; mechanics are refused the fuel logs; alg none trusted."""
    app = FastAPI(title="depot")
    roles = {"dana": "driver", "eli": "mechanic"}
    claims = _decoder(trusts_none=True)

    @app.post("/token")
    def token(body: Login) -> dict[str, str]:
        if USERS.get(body.username) != body.password:
            raise HTTPException(401, "Incorrect username or password")
        payload = {"sub": body.username, "role": roles[body.username]}
        return {"access_token": jose.encode({"alg": "HS256"}, payload, KEY)}

    @app.get("/me")
    def me(who: Annotated[dict[str, Any], Depends(claims)]) -> dict[str, Any]:
        return {"username": who["sub"], "role": who["role"]}

    @app.get("/fuel-logs")
    def fuel(who: Annotated[dict[str, Any], Depends(claims)]) -> list[dict[str, Any]]:
        if who.get("role") == "mechanic":
            raise HTTPException(403, "Not enough permissions")
        return [{"id": 1, "litres": 52.5, "driver": "dana"}]

    return app


def test_the_chain_is_tried_for_an_identity_the_api_refuses(serve: Any) -> None:
    """The forging identity is refused nothing; the mechanic's raised token reaches the logs."""
    identities = (
        user("dana", USERS["dana"], path="/token", role="driver"),
        user("eli", USERS["eli"], path="/token", role="mechanic"),
    )
    results = scan_only(serve(_depot_api()).url, [JwtForgery()], identities)
    [chain] = [f for f in results.findings if f.key.startswith("chain:")]
    assert chain.operation == "GET /fuel-logs"
    assert "eli is refused (403)" in chain.detail
