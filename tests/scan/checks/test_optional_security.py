"""Credentials the contract makes optional, where the API still asks for them.

BlackSheep's generated contract puts ``security: [{}, {"JWTBearer": []}]`` on every
operation but those marked ``@allow_anonymous``: credentials optional, in OpenAPI's words,
though every ``@auth()`` route answers 401 without them. Taken at its word, the scan skipped
``auth_bypass``, ``bfla`` and the JWT attacks on every operation (the BlackSheep trial's
``changeme`` secret went unseen). Now an operation whose legitimate request, stripped of
its credentials, is refused counts as secured; one that answers it stays optional.

The API is written as BlackSheep's docs show: ``JWTBearerAuthentication`` with a secret
key, ``@auth()`` on the routes that need a user, ``OpenAPIHandler`` for the contract, and
one legacy export that only looks for an ``Authorization`` header.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from blacksheep import Application, FromJSON, Request, json
from blacksheep.server.authentication.jwt import JWTBearerAuthentication
from blacksheep.server.authorization import allow_anonymous, auth
from blacksheep.server.openapi.v3 import OpenAPIHandler
from essentials.secrets import Secret
from openapidocs.v3 import Info
from pydantic import BaseModel
from tests.conftest import scan_with_identities

from serving import serving

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the flaw

SECRET = "changeme"
AUDIENCE, ISSUER = "sitters-api", "sitters"

IDENTITIES = """\
identities:
  - name: alice
    login:
      operation: POST /auth/login
      json: {email: alice@sitters.example, password: alice-pass-2024}
      token: access_token
  - name: bob
    login:
      operation: POST /auth/login
      json: {email: bob@sitters.example, password: bob-pass-2024}
      token: access_token
"""


class Login(BaseModel):
    email: str
    password: str


class Token(BaseModel):
    access_token: str
    token_type: str = "Bearer"


def sitters() -> Application:
    """A pet-sitting API: bookings are their owner's; the sitters' list is for anyone."""
    users = {
        "alice@sitters.example": {"id": 1, "name": "Alice", "password": "alice-pass-2024"},
        "bob@sitters.example": {"id": 2, "name": "Bob", "password": "bob-pass-2024"},
    }
    bookings = [
        {"id": 11, "owner_id": 1, "pet": "Rex", "notes": "Keys under the mat"},
        {"id": 12, "owner_id": 2, "pet": "Tom", "notes": "Feeds at 7"},
    ]
    app = Application()
    app.use_authentication().add(
        JWTBearerAuthentication(
            valid_audiences=[AUDIENCE],
            valid_issuers=[ISSUER],
            secret_key=Secret.from_plain_text(SECRET),
            scheme="Bearer",
        )
    )
    app.use_authorization()
    OpenAPIHandler(info=Info(title="Sitters", version="1.0")).bind_app(app)
    get, post = app.router.get, app.router.post

    @allow_anonymous()
    @post("/auth/login")
    async def login(data: FromJSON[Login]) -> Any:
        user = users.get(data.value.email)
        if user is None or user["password"] != data.value.password:
            return json({"error": "invalid credentials"}, status=401)
        claims = {"sub": str(user["id"]), "aud": AUDIENCE, "iss": ISSUER}
        token = jwt.encode({**claims, "exp": int(time.time()) + 3600}, SECRET, "HS256")
        return json(Token(access_token=token).model_dump())

    @get("/sitters")
    async def list_sitters() -> Any:
        """Anyone may browse the sitters; a signed-in owner sees the same list."""
        return json([{"id": 5, "name": "Sam", "rate": 20}, {"id": 6, "name": "Kim", "rate": 25}])

    @auth()
    @get("/me")
    async def me(request: Request) -> Any:
        user_id = int(request.user.claims["sub"])
        found = next(u for u in users.values() if u["id"] == user_id)
        return json({"id": found["id"], "name": found["name"]})

    @auth()
    @get("/bookings")
    async def my_bookings(request: Request) -> Any:
        user_id = int(request.user.claims["sub"])
        return json([b for b in bookings if b["owner_id"] == user_id])

    @get("/exports/bookings")
    async def export_bookings(request: Request) -> Any:
        """Every booking, for the back office's spreadsheet."""
        if not request.get_first_header(b"Authorization"):  # the flaw: any header will do
            return json({"error": "unauthorized"}, status=401)
        return json(bookings)

    return app


def _scan(tmp_path: Path) -> dict[str, Any]:
    with serving(sitters()) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "auth_bypass,jwt"
        )
    assert done.returncode != 2, done.stdout + done.stderr
    return report


def test_the_generated_contract_makes_every_credential_optional() -> None:
    """The premise: BlackSheep's contract says anonymous callers are welcome everywhere."""
    with serving(sitters()) as url:
        contract = httpx.get(f"{url}/openapi.json").json()
    operation = contract["paths"]["/bookings"]["get"]
    assert {} in operation.get("security", contract.get("security", []))


def test_secured_in_fact_is_attacked_and_optional_in_fact_is_not(tmp_path: Path) -> None:
    """The weak JWT secret and the export any header opens are found; the sitters' list,
    which answers anyone as the contract says, is skipped with the answer it gave."""
    report = _scan(tmp_path)
    found = {(f["check"], f["operation"]) for f in report["findings"]}
    assert ("auth_bypass", "GET /exports/bookings") in found, report["skipped"]
    weak = [f for f in report["findings"] if f["check"] == "jwt" and "secret" in f["title"]]
    assert weak, [f["title"] for f in report["findings"]]
    assert ("auth_bypass", "GET /sitters") not in found
    optional = [
        s
        for s in report["skipped"]
        if s["check"] == "auth_bypass" and s["operation"] == "GET /sitters"
    ]
    assert optional
    assert "credentials optional" in optional[0]["detail"], optional
