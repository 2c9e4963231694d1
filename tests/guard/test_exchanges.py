"""Credential exchanges: every login-like operation found once, and rate-limited as one."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.guard import AuditPolicy, Guard, Policy, RateLimitPolicy
from apiward.guard.exchanges import credential_exchanges
from apiward.spec import Api, load

pytestmark = pytest.mark.anyio

# A bookshop's API: OAuth2 client credentials at a server-relative token URL, a session
# resource for its web shop, and a password change; none of them is called "login".
CONTRACT = """
openapi: 3.0.3
info: {title: bookshop, version: "4"}
servers: [{url: "https://shop.example/v4"}]
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://shop.example/v4/oauth2/access
          scopes: {}
  schemas:
    Secret: {type: object, properties: {current: {type: string}, pin: {type: string}}}
paths:
  /oauth2/access:
    post:
      operationId: grant
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {client_id: {type: string}, client_secret: {type: string}}}
      responses: {"200": {description: token}}
  /web/sessions:
    post:
      operationId: openWebSession
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {email: {type: string}, passphrase: {type: string, format: password}}}
      responses: {"201": {description: session}}
    get:
      operationId: listWebSessions
      responses: {"200": {description: sessions}}
  /customers/{id}/credentials:
    put:
      operationId: changeCredentials
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        content:
          application/json:
            schema: {allOf: [{$ref: "#/components/schemas/Secret"}]}
      responses: {"204": {description: changed}}
  /books:
    get:
      operationId: listBooks
      responses: {"200": {description: books}}
    post:
      operationId: addBook
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {title: {type: string}, token_price: {type: number}}}
      responses: {"201": {description: added}}
  /books/{isbn}/lookups:
    post:
      operationId: listTokensOfBook
      parameters: [{name: isbn, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: listed}}
"""


@pytest.fixture
def shop(tmp_path: Path) -> Api:
    path = tmp_path / "bookshop.yaml"
    path.write_text(CONTRACT)
    return load(path)


def test_every_kind_of_exchange_is_found(shop: Api) -> None:
    """Token URL (below the server's base path), session POST, password body; nothing else."""
    assert [op.key for op in credential_exchanges(shop)] == [
        "PUT /customers/{id}/credentials",
        "POST /oauth2/access",
        "POST /web/sessions",
    ]


def test_the_demo_banks_logins_are_all_found() -> None:
    """The bank's JSON login, its OAuth2 form login and its sign-up take a password."""
    bank = load(Path(__file__).parents[2] / "src/apiward/demo/bank-openapi.json")
    assert {op.key for op in credential_exchanges(bank)} == {
        "POST /api/v2/auth/login",
        "POST /api/v2/auth/token",
        "POST /api/v2/auth/register",
    }


async def answer(request: Request) -> JSONResponse:
    return JSONResponse({"error": "invalid_client"}, status_code=401)


async def test_one_policy_line_limits_every_exchange(shop: Api, tmp_path: Path) -> None:
    """credential_exchange applies to each exchange separately; other operations keep limits."""
    app = Starlette(
        routes=[
            Route("/oauth2/access", answer, methods=["POST"]),
            Route("/web/sessions", answer, methods=["POST"]),
            Route("/books", answer, methods=["GET"]),
        ]
    )
    policy = Policy(
        ratelimit=RateLimitPolicy(credential_exchange=("3/minute",)),
        audit=AuditPolicy(sink=str(tmp_path / "audit.jsonl")),
    )
    guard = Guard(app, policy=policy, api=shop)
    transport = httpx.ASGITransport(app=guard, client=("198.51.100.4", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as http:
        grants = [
            (await http.post("/oauth2/access", data={"client_id": "x"})).status_code
            for _ in range(4)
        ]
        sessions = [
            (await http.post("/web/sessions", json={"email": "a@b.c"})).status_code
            for _ in range(4)
        ]
        books = [(await http.get("/books")).status_code for _ in range(4)]
    await guard.aclose()
    assert grants == [401, 401, 401, 429]
    assert sessions == [401, 401, 401, 429]
    assert 429 not in books
