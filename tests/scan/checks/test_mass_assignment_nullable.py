"""mass_assignment on a sign-up whose user answers have nullable fields (OpenAPI 3.0).

The clinic API is a small Starlette app: a public ``POST /v1/register`` (``username``,
``password``), a login that answers ``{"access_token": ...}``, and ``GET /v1/profile``
answering ``{"ok": true, "data": {...}}`` where ``bio`` and ``avatar`` are
``nullable: true`` and ``tier`` (``basic`` or ``staff``) is read-only. The vulnerable
registration copies ``tier`` from the body; the secure one ignores it. A nullable field
is a list of types once the contract is loaded (``[string, "null"]``): the check must
read such a schema, not fail on it.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.scan.identities import Login
from apiward.spec import load
from serving import serving


def clinic_app(*, vulnerable: bool) -> Starlette:
    """The clinic API; ``vulnerable`` takes ``tier`` from the registration body."""
    users: dict[str, dict[str, Any]] = {
        "nora": {"username": "nora", "tier": "basic", "bio": None, "avatar": None},
        "sam": {"username": "sam", "tier": "staff", "bio": "Nurse", "avatar": None},
    }
    passwords = {"nora": "Nora-pass-1", "sam": "Sam-pass-1"}
    tokens: dict[str, str] = {}

    async def contract(request: Request) -> JSONResponse:
        return JSONResponse(_contract())

    async def register(request: Request) -> JSONResponse:
        body = await request.json()
        name, password = body.get("username"), body.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or name in users:
            return JSONResponse({"ok": False, "error": "username taken or missing"}, 400)
        tier = body.get("tier") if vulnerable and body.get("tier") in {"basic", "staff"} else None
        users[name] = {"username": name, "tier": tier or "basic", "bio": None, "avatar": None}
        passwords[name] = password
        return JSONResponse({"ok": True, "data": {"username": name}}, 201)

    async def log_in(request: Request) -> JSONResponse:
        body = await request.json()
        name = str(body.get("username", ""))
        if passwords.get(name) != body.get("password"):
            return JSONResponse({"ok": False, "error": "bad credentials"}, 401)
        token = secrets.token_urlsafe(16)
        tokens[token] = name
        return JSONResponse({"access_token": token})

    async def profile(request: Request) -> JSONResponse:
        name = tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if name is None:
            return JSONResponse({"ok": False, "error": "log in"}, 401)
        return JSONResponse({"ok": True, "data": users[name]})

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/v1/register", register, methods=["POST"]),
            Route("/v1/login", log_in, methods=["POST"]),
            Route("/v1/profile", profile),
        ]
    )


def _contract() -> dict[str, Any]:
    credentials = {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    }
    user = {
        "type": "object",
        "properties": {
            "username": {"type": "string"},
            "tier": {"type": "string", "enum": ["basic", "staff"], "readOnly": True},
            "bio": {"type": "string", "nullable": True},
            "avatar": {"type": "object", "nullable": True},
        },
    }
    envelope = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}, "data": {"$ref": "#/components/schemas/User"}},
    }
    token = {"type": "object", "properties": {"access_token": {"type": "string"}}}

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "ok", "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "clinic", "version": "1"},
        "components": {
            "schemas": {"User": user},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/register": {
                "post": {
                    "security": [],
                    "requestBody": body(credentials),
                    "responses": {"201": answer(envelope)},
                }
            },
            "/v1/login": {
                "post": {
                    "security": [],
                    "requestBody": body(credentials),
                    "responses": {"200": answer(token)},
                }
            },
            "/v1/profile": {"get": {"responses": {"200": answer(envelope)}}},
        },
    }


NORA = Identity(
    name="nora",
    role="user",
    login=Login(
        method="POST",
        path="/v1/login",
        body={"username": "nora", "password": "Nora-pass-1"},
        token="access_token",
    ),
)


def _scan(*, vulnerable: bool) -> Results:
    with serving(clinic_app(vulnerable=vulnerable)) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", [("mass_assignment", MassAssignment())])
        return asyncio.run(scan(api, ScanConfig(target=url, identities=(NORA,)), registry))


@pytest.fixture(scope="module")
def vulnerable() -> Results:
    """The vulnerable clinic scanned with mass_assignment."""
    return _scan(vulnerable=True)


def test_nullable_fields_in_a_user_answer_are_no_scan_error(vulnerable: Results) -> None:
    """A 3.0 ``nullable: true`` field (a list of types once loaded) does not crash the check."""
    assert vulnerable.errors == []


def test_a_tier_set_at_registration_is_found(vulnerable: Results) -> None:
    """tier=staff sent with the registration comes back on the new user's profile: high."""
    found = {f.key: f for f in vulnerable.findings if f.operation == "POST /v1/register"}
    assert "body:tier" in found, [f.title for f in vulnerable.findings]
    assert found["body:tier"].severity is Severity.HIGH
    assert "'staff'" in found["body:tier"].detail


def test_the_secure_registration_gives_nothing_and_no_error() -> None:
    """The registration that ignores tier: no finding of medium or above, no scan error."""
    results = _scan(vulnerable=False)
    assert results.errors == []
    loud = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    assert loud == [], [f.title for f in loud]
