"""A DELETE in a collection of people is trusted with accounts only once it removed one.

A vet clinic's API in Starlette, shaped like the Nest trial's: clients sign up at
``POST /auth/register``; ``DELETE /staff/{id}`` (admins only) removes vets and answers
404 for any other account, clients included. Read by its names alone, that DELETE is the
way accounts go, and every check's sign-up would go out on that word (the trial's scan
left 48 accounts). The scan signs one account up first and tries to delete it: refused,
it says so in its notes, withholds the checks' sign-ups (mass assignment's few probes
excepted), and reports every account it leaves as left, none as deleted.

The twin whose ``DELETE /users/{id}`` really removes accounts proves the DELETE and keeps
the checks' sign-ups, every account deleted at the end.
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: admin
    role: admin
    login: {operation: POST /auth/login, json: {email: admin@vet.test, password: admin-pw-1}, token: token}
  - name: alice
    role: client
    login: {operation: POST /auth/login, json: {email: alice@vet.test, password: alice-pw-2}, token: token}
  - name: bob
    role: client
    login: {operation: POST /auth/login, json: {email: bob@vet.test, password: bob-pw-33}, token: token}
"""
SEED = {
    1: {"id": 1, "email": "admin@vet.test", "name": "Admin", "kind": "admin"},
    2: {"id": 2, "email": "alice@vet.test", "name": "Alice", "kind": "client"},
    3: {"id": 3, "email": "bob@vet.test", "name": "Bob", "kind": "client"},
    4: {"id": 4, "email": "vega@vet.test", "name": "Dr Vega", "kind": "vet"},
}
PASSWORDS = {1: "admin-pw-1", 2: "alice-pw-2", 3: "bob-pw-33", 4: "vega-pw-44"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


USER = _object({"id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"}})
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CREDENTIALS = _object({"email": {"type": "string"}, "password": {"type": "string"}})


def contract(people: str) -> dict[str, Any]:
    """The clinic's contract; ``people`` is the collection its account DELETE is under."""
    sign_up = _object(
        {
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string", "minLength": 8},
            "name": {"type": "string", "maxLength": 80},
        },
        ["email", "password", "name"],
    )
    return {
        "openapi": "3.0.3",
        "info": {"title": "clinic", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": {"required": True, **_json(CREDENTIALS)},
                    "responses": {
                        "200": {
                            "description": "a token",
                            **_json(_object({"token": {"type": "string"}})),
                        }
                    },
                }
            },
            "/auth/register": {
                "post": {
                    "summary": "Register as a client",
                    "security": [],
                    "requestBody": {"required": True, **_json(sign_up)},
                    "responses": {"201": {"description": "registered", **_json(USER)}},
                }
            },
            "/me": {"get": {"responses": {"200": {"description": "you", **_json(USER)}}}},
            f"/{people}/{{id}}": {
                "parameters": ID,
                "delete": {
                    "summary": "Remove an account (admins only)",
                    "responses": {
                        "204": {"description": "gone"},
                        "404": {"description": "no such"},
                    },
                },
            },
        },
    }


class Clinic:
    """Accounts and tokens; ``staff_only`` makes the DELETE remove vets alone."""

    def __init__(self, *, staff_only: bool) -> None:
        self.staff_only = staff_only
        self.users = {k: dict(v) for k, v in SEED.items()}
        self.passwords = dict(PASSWORDS)
        self.tokens: dict[str, int] = {}
        self._ids = itertools.count(10)

    def left(self) -> list[int]:
        """Accounts beyond the seed."""
        return sorted(k for k in self.users if k not in SEED)

    def app(self) -> Starlette:
        """The Starlette app."""
        people = "staff" if self.staff_only else "users"

        def caller(request: Request) -> dict[str, Any] | None:
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            return self.users.get(self.tokens.get(token, 0))

        async def spec(request: Request) -> Response:
            return JSONResponse(contract(people))

        async def login(request: Request) -> Response:
            body = await _body(request)
            user = next((u for u in self.users.values() if u["email"] == body.get("email")), None)
            if user is None or self.passwords[user["id"]] != body.get("password"):
                return JSONResponse({"detail": "wrong"}, 401)
            token = secrets.token_urlsafe(12)
            self.tokens[token] = user["id"]
            return JSONResponse({"token": token})

        async def register(request: Request) -> Response:
            body = await _body(request)
            if not all(
                isinstance(body.get(k), str) and body[k] for k in ("email", "password", "name")
            ):
                return JSONResponse({"detail": "email, password and name"}, 422)
            if any(u["email"] == body["email"] for u in self.users.values()):
                return JSONResponse({"detail": "taken"}, 409)
            key = next(self._ids)
            self.users[key] = {
                "id": key,
                "email": body["email"],
                "name": body["name"],
                "kind": "client",
            }
            self.passwords[key] = body["password"]
            return JSONResponse(self.users[key], 201)

        async def me(request: Request) -> Response:
            user = caller(request)
            return JSONResponse(user) if user else JSONResponse({"detail": "log in"}, 401)

        async def remove(request: Request) -> Response:
            user = caller(request)
            if user is None:
                return JSONResponse({"detail": "log in"}, 401)
            key = int(request.path_params["id"])
            if user["kind"] != "admin":
                return JSONResponse({"detail": "admins only"}, 403)
            target = self.users.get(key)
            if target is None or key in SEED or (self.staff_only and target["kind"] != "vet"):
                return JSONResponse({"detail": "no such staff member"}, 404)
            del self.users[key]
            return Response(status_code=204)

        return Starlette(
            routes=[
                Route("/openapi.json", spec),
                Route("/auth/login", login, methods=["POST"]),
                Route("/auth/register", register, methods=["POST"]),
                Route("/me", me),
                Route(f"/{people}/{{id:int}}", remove, methods=["DELETE"]),
            ]
        )


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _scan(clinic: Clinic, folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with serving(clinic.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder)
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    return report, rows


def test_a_delete_that_spares_accounts_withholds_the_sign_ups(tmp_path: Path) -> None:
    """Refused on one account: said in the notes, the checks' sign-ups withheld, all left, none called deleted."""
    clinic = Clinic(staff_only=True)
    report, rows = _scan(clinic, tmp_path)
    assert any("DELETE /staff/{id} did not remove an account" in n for n in report["notes"]), (
        report["notes"]
    )
    assert [r for r in rows if r["state"] == "deleted"] == [], rows
    assert len(rows) == len(clinic.left()), (rows, clinic.left())
    withheld = [s for s in report["skipped"] if s["operation"] == "POST /auth/register"]
    assert any("did not remove an account" in s["detail"] for s in withheld), withheld
    # The test's account, the scan's own users (a throwaway, the login check's) and the
    # few probes that go wherever accounts stay (mass_assignment's, slow_input's one).
    assert len(clinic.left()) <= 8, clinic.left()


def test_a_delete_that_removes_accounts_is_proven_and_used(tmp_path: Path) -> None:
    """Proven on the scan's own account: the checks' sign-ups go, and every account is deleted."""
    clinic = Clinic(staff_only=False)
    report, rows = _scan(clinic, tmp_path)
    assert not any("did not remove an account" in n for n in report["notes"]), report["notes"]
    assert clinic.left() == [], rows
    assert len(rows) > 6, rows  # the injections into the sign-up's fields went out
    assert all(r["state"] == "deleted" for r in rows), rows
