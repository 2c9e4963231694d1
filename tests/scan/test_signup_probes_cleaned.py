"""Sign-ups made by probes are the scan's to delete when the answer gives their names back.

A Starlette accounts service: ``POST /v1/accounts`` signs up a handle and an e-mail and
answers 200 with ``{"account": {...}}`` — the record it stored, names included, whatever
they are (it validates nothing). An injection probe in the handle, or an e-mail without
an ``@``, still makes an account; the scan's other names (``apiward…``) and the answer's
echo of every name show it is the scan's, so it is deleted by the id the answer gave.

The service also has the flaw that makes the rule necessary: a handle holding a quote
goes into a string-built lookup that finds the *first* account, alice's, and answers
with her record instead of making one. Her names are not the probe's: she is never the
scan's, and never deleted.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

ACCOUNT = {
    "type": "object",
    "properties": {
        "account_id": {"type": "integer"},
        "handle": {"type": "string"},
        "email": {"type": "string", "format": "email"},
    },
}
SIGN_UP = {
    "type": "object",
    "required": ["handle", "email", "password"],
    "properties": {
        "handle": {"type": "string", "maxLength": 80},
        "email": {"type": "string", "format": "email", "maxLength": 80},
        "password": {"type": "string", "format": "password", "maxLength": 64},
    },
}
LOGIN = {
    "type": "object",
    "required": ["handle", "password"],
    "properties": {"handle": {"type": "string"}, "password": {"type": "string"}},
}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ITEM = [{"name": "account_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "accounts", "version": "1"},
    "security": [{"token": []}],
    "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/v1/accounts": {
            "post": {
                "security": [],
                "requestBody": _json(SIGN_UP),
                "responses": _ok({"type": "object", "properties": {"account": ACCOUNT}}),
            }
        },
        "/v1/session": {
            "post": {
                "security": [],
                "requestBody": _json(LOGIN),
                "responses": _ok({"type": "object", "properties": {"token": {"type": "string"}}}),
            }
        },
        "/v1/accounts/{account_id}": {
            "parameters": ITEM,
            "get": {"responses": _ok(ACCOUNT)},
            "delete": {"summary": "Close an account (its owner or root)", "responses": _ok({})},
        },
    },
}


class Accounts:
    """The service's accounts, and who was deleted."""

    def __init__(self) -> None:
        self.accounts: dict[int, dict[str, Any]] = {
            1: {"account_id": 1, "handle": "alice", "email": "alice@example.org", "pw": "al-pw-41"},
            2: {"account_id": 2, "handle": "bob", "email": "bob@example.org", "pw": "bo-pw-42"},
            3: {"account_id": 3, "handle": "root", "email": "root@example.org", "pw": "ro-pw-43"},
        }
        self.seeded = {k: dict(v) for k, v in self.accounts.items()}
        self.serial = itertools.count(4)
        self.tokens: dict[str, int] = {}
        self.made: list[dict[str, Any]] = []
        self.deleted: list[int] = []

    def app(self) -> Starlette:
        """The service as an ASGI app."""

        async def sign_up(request: Request) -> Response:
            body = await request.json()
            if "'" in str(body.get("handle", "")):
                # The flaw: "SELECT ... WHERE handle = '" + handle + "'" finds the first row.
                return JSONResponse({"account": _shown(self.accounts[min(self.accounts)])})
            number = next(self.serial)
            account = {
                "account_id": number,
                "handle": str(body.get("handle")),
                "email": str(body.get("email")),
                "pw": str(body.get("password")),
            }
            self.accounts[number] = account
            self.made.append(dict(account))
            return JSONResponse({"account": _shown(account)})

        async def session(request: Request) -> Response:
            body = await request.json()
            for account in self.accounts.values():
                if account["handle"] == body.get("handle") and account["pw"] == body.get(
                    "password"
                ):
                    token = secrets.token_hex(8)
                    self.tokens[token] = account["account_id"]
                    return JSONResponse({"token": token})
            return PlainTextResponse("Unauthorized", status_code=401)

        async def item(request: Request) -> Response:
            caller = self.tokens.get(request.headers.get("authorization", "")[7:])
            if caller is None or caller not in self.accounts:
                return PlainTextResponse("Unauthorized", status_code=401)
            number = int(request.path_params["account_id"])
            account = self.accounts.get(number)
            if account is None:
                return PlainTextResponse("Not Found", status_code=404)
            if request.method == "GET":
                return JSONResponse(_shown(account))
            if caller != number and self.accounts[caller]["handle"] != "root":
                return PlainTextResponse("Forbidden", status_code=403)
            self.deleted.append(number)
            del self.accounts[number]
            return JSONResponse({})

        async def contract(_: Request) -> Response:
            return JSONResponse(CONTRACT)

        return Starlette(
            routes=[
                Route("/openapi.json", contract),
                Route("/v1/accounts", sign_up, methods=["POST"]),
                Route("/v1/session", session, methods=["POST"]),
                Route("/v1/accounts/{account_id:int}", item, methods=["GET", "DELETE"]),
            ]
        )


def _shown(account: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in account.items() if k != "pw"}


IDENTITIES = """\
identities:
  - name: root
    role: admin
    login: {operation: POST /v1/session, json: {handle: root, password: ro-pw-43}, token: token}
  - name: alice
    role: user
    login: {operation: POST /v1/session, json: {handle: alice, password: al-pw-41}, token: token}
  - name: bob
    role: user
    login: {operation: POST /v1/session, json: {handle: bob, password: bo-pw-42}, token: token}
"""


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Accounts, Any, Any]]:
    """One default scan of the accounts service, and what it left."""
    service = Accounts()
    folder = tmp_path_factory.mktemp("accounts")
    with serving(service.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder)
        yield service, result, report


def test_no_seeded_account_is_deleted_or_changed(scanned: tuple[Accounts, Any, Any]) -> None:
    """Alice's record answered to a probe does not make her the scan's."""
    service, result, _ = scanned
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert {k: service.accounts.get(k) for k in service.seeded} == service.seeded
    assert not set(service.deleted) & set(service.seeded)


def test_accounts_made_by_probes_are_deleted(scanned: tuple[Accounts, Any, Any]) -> None:
    """Sign-ups whose handle or e-mail was a probe's value, beside an apiward name, go too."""
    service, _, report = scanned
    probes = [a for a in service.made if not all(_scans(a[k]) for k in ("handle", "email"))]
    assert probes, "no probe signed up an account under a value the scan did not make"
    left = [a for k, a in service.accounts.items() if k not in service.seeded]
    assert left == []
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    assert len([r for r in rows if r["state"] == "deleted"]) >= len(service.made)
    # What stays listed is the sign-up answered with alice's record: nothing to delete.
    left_rows = [r for r in rows if r["state"] != "deleted"]
    assert all("not made by the scan" in r["detail"] for r in left_rows), left_rows


def _scans(value: str) -> bool:
    return value.lower().startswith("apiward")
