"""excessive_data: a sign-up answering the new account's own token hands nobody another's.

A bike-share service in Starlette: ``POST /riders`` signs a rider up (public) and answers
``{"rider": {...}, "token": ...}``, the new rider's own token, to whoever sent its
password; the scan sends it with alice's bearer token too, yet the token is the new
rider's, not someone else's handed to alice. The flawed twin's sign-up also welcomes the
rider with a buddy, carol, and hands over carol's whole record, token included: a
credential of an existing other user, which stays critical.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from typing import Any

from ownership_support import scan_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.exposure import ExcessiveData
from apiward.scan.identities import Login

RIDER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "handle": {"type": "string"},
        "email": {"type": "string"},
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _contract() -> dict[str, Any]:
    credentials = {
        "type": "object",
        "required": ["handle", "password"],
        "properties": {"handle": {"type": "string"}, "password": {"type": "string"}},
    }
    email = {"email": {"type": "string", "format": "email"}}
    sign_up = {**credentials, "properties": {**credentials["properties"], **email}}
    welcome = {"type": "object", "properties": {"rider": RIDER, "token": {"type": "string"}}}
    handle = [{"name": "handle", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "bike share", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/riders": {
                "post": {
                    "security": [],
                    "requestBody": {"required": True, **_json(sign_up)},
                    "responses": {"201": {"description": "welcome", **_json(welcome)}},
                }
            },
            "/sessions": {
                "post": {
                    "security": [],
                    "requestBody": {"required": True, **_json(credentials)},
                    "responses": {
                        "200": {
                            "description": "a token",
                            **_json({"type": "object", "properties": {"token": {}}}),
                        }
                    },
                }
            },
            "/riders/me": {"get": {"responses": {"200": {"description": "you", **_json(RIDER)}}}},
            "/riders/{handle}": {
                "delete": {
                    "summary": "Close a rider's account (the rider itself)",
                    "parameters": handle,
                    "responses": {"204": {"description": "closed"}},
                }
            },
        },
    }


class BikeShare:
    """The riders; ``buddies``: the sign-up hands over carol's record, token and all."""

    def __init__(self, *, buddies: bool) -> None:
        self.buddies = buddies
        self.riders: dict[str, dict[str, Any]] = {}
        self.passwords: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.serial = itertools.count(1)
        for handle in ("alice", "bob", "carol"):
            self._add(handle, f"{handle}@bikes.test", f"{handle}-rides-42")

    def _add(self, handle: str, email: str, password: str) -> str:
        self.riders[handle] = {"id": next(self.serial), "handle": handle, "email": email}
        self.passwords[handle] = password
        return self._issue(handle)

    def _issue(self, handle: str) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = handle
        return token

    def _caller(self, request: Request) -> str | None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        handle = self.tokens.get(given)
        return handle if handle in self.riders else None

    async def sign_up(self, request: Request) -> Response:
        body = await request.json()
        handle = str(body.get("handle", ""))
        if not handle or handle in self.riders:
            return JSONResponse({"detail": "handle taken"}, status_code=409)
        token = self._add(handle, str(body.get("email")), str(body.get("password")))
        answer = {"rider": self.riders[handle], "token": token}
        if self.buddies:
            buddy = next(t for t, h in self.tokens.items() if h == "carol")
            answer["buddy"] = {**self.riders["carol"], "token": buddy}
        return JSONResponse(answer, status_code=201)

    async def session(self, request: Request) -> Response:
        body = await request.json()
        handle = str(body.get("handle"))
        if self.passwords.get(handle) != body.get("password"):
            return JSONResponse({"detail": "wrong handle or password"}, status_code=401)
        return JSONResponse({"token": self._issue(handle)})

    async def me(self, request: Request) -> Response:
        handle = self._caller(request)
        if handle is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return JSONResponse(self.riders[handle])

    async def close(self, request: Request) -> Response:
        handle = request.path_params["handle"]
        if self._caller(request) != handle:
            return JSONResponse({"detail": "not yours"}, status_code=403)
        del self.riders[handle]
        return Response(status_code=204)

    def app(self) -> Starlette:
        """The service as an ASGI app."""

        async def contract(_: Request) -> Response:
            return JSONResponse(_contract())

        return Starlette(
            routes=[
                Route("/openapi.json", contract),
                Route("/riders", self.sign_up, methods=["POST"]),
                Route("/sessions", self.session, methods=["POST"]),
                Route("/riders/me", self.me),
                Route("/riders/{handle}", self.close, methods=["DELETE"]),
            ]
        )


def _riders() -> tuple[Identity, ...]:
    def login(handle: str) -> Login:
        body = {"handle": handle, "password": f"{handle}-rides-42"}
        return Login(method="POST", path="/sessions", body=body, token="token")

    return tuple(Identity(name=h, role="rider", login=login(h)) for h in ("alice", "bob"))


def _handed(serve: Callable[..., Any], *, buddies: bool) -> dict[str, Severity]:
    server = serve(BikeShare(buddies=buddies).app())
    results = scan_app(server.url, ExcessiveData(), _riders())
    assert results.errors == []
    assert ("excessive_data", "POST /riders") in results.ran
    return {
        f.title: f.severity
        for f in results.findings
        if f.operation == "POST /riders" and "credential" in f.title
    }


def test_a_sign_up_answering_its_own_token_hands_out_nothing(serve: Callable[..., Any]) -> None:
    """The token authenticates as the rider the sign-up named beside its password: by design."""
    assert _handed(serve, buddies=False) == {}


def test_a_sign_up_handing_over_an_existing_riders_token_stays_critical(
    serve: Callable[..., Any],
) -> None:
    """Carol's token authenticates as carol, whom the sign-up did not name: critical."""
    found = _handed(serve, buddies=True)
    assert found == {
        "POST /riders hands alice another user's credential in buddy.token": (Severity.CRITICAL)
    }
