"""Under --safe no code nothing reads is redeemed: a use of it is gone for everybody.

The Hono trial's ``POST /coupons/redeem`` takes a ``code`` (the identities file gave
``WELCOME10``, a shared code of a few uses) and no read shows a code. A file identity's
redemption is withheld in every mode but ``--aggressive``; the scan's own user, signed up
for it, may redeem what it vets through a read. With no read to vet, a ``--safe`` scan had
still spent a use through that user. A FastAPI shop of that shape: after a ``--safe``
scan the code has every use it had.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: alice
    role: customer
    login:
      operation: POST /auth/login
      json: {email: alice@shop.test, password: alice-pass-1}
      token: accessToken
values:
  code: WELCOME10
"""


class Credentials(BaseModel):
    email: str
    password: str


class Redeem(BaseModel):
    code: str


def caller(request: Request, authorization: Annotated[str, Header()] = "") -> str:
    """The e-mail the bearer token names, or a 401."""
    who = request.app.state.shop.tokens.get(authorization.removeprefix("Bearer "))
    if who is None:
        raise HTTPException(401, "Missing or invalid access token")
    return str(who)


Caller = Annotated[str, Depends(caller)]


class Shop:
    """Users, tokens, and one shared code with its uses."""

    def __init__(self) -> None:
        self.users = {"alice@shop.test": "alice-pass-1"}
        self.tokens: dict[str, str] = {}
        self.uses = {"WELCOME10": 2}
        self.limit = 10
        self.app = FastAPI(title="Services", version="1")
        self.app.state.shop = self
        app = self.app

        @app.post("/auth/register", status_code=201, summary="Sign up")
        def register(body: Credentials) -> dict[str, Any]:
            if body.email in self.users:
                raise HTTPException(409, "Taken")
            self.users[body.email] = body.password
            return {"email": body.email}

        @app.post("/auth/login", summary="Log in")
        def login(body: Credentials) -> dict[str, Any]:
            if self.users.get(body.email) != body.password:
                raise HTTPException(401, "Invalid credentials")
            token = secrets.token_hex(12)
            self.tokens[token] = body.email
            return {"accessToken": token}

        @app.delete("/me", status_code=204, summary="Close your account")
        def close(who: Caller) -> None:
            del self.users[who]

        @app.post("/coupons/redeem", summary="Redeem a promo code (customers)")
        def redeem(body: Redeem, who: Caller) -> dict[str, Any]:
            if body.code not in self.uses:
                raise HTTPException(404, "Unknown code")
            if self.uses[body.code] >= self.limit:
                raise HTTPException(409, "Code exhausted")
            self.uses[body.code] += 1
            return {"code": body.code, "creditCents": 1000}


def test_a_safe_scan_spends_no_use_of_the_code(tmp_path: Path) -> None:
    """WELCOME10 keeps its two uses, and a skip says why the redemption was not sent."""
    shop = Shop()
    with serving(shop.app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--safe")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert shop.uses == {"WELCOME10": 2}
    skips = [s for s in report["skipped"] if s["operation"] == "POST /coupons/redeem"]
    assert any("a code nothing reads" in s["detail"] for s in skips), skips


def test_a_default_scan_lists_every_redemption_it_made(tmp_path: Path) -> None:
    """A default scan may redeem the code as its own user, and says so in the target state."""
    shop = Shop()
    with serving(shop.app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    spent = shop.uses["WELCOME10"] - 2
    rows = [
        r
        for r in report["tables"]["target_state"]
        if r["object"] == "/coupons/redeem" and "each may have taken a use" in r["detail"]
    ]
    assert spent > 0
    sent = sum(int(r["detail"].split("×")[1].split(" ")[0]) for r in rows)
    assert sent >= spent, rows
    assert {r["state"] for r in rows} == {"left"}, rows
