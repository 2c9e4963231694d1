"""A sign-up's answer envelope is no body field: ``data.user.role`` is sent as ``role``.

An Express/Mongoose-style sign-up (in Starlette): ``POST /api/auth/register`` answers
``{"success": true, "data": {"token": …, "user": {…, "role": "user"}}}`` and, like a schema
with ``strict: false``, keeps whatever else its body carries; ``GET /api/users/{username}``
shows the stored document whole. The Express trial's probe sent ``{"data": {"user": {"role":
"admin"}}}``, which the API kept as junk and showed back, and the scan called it a
privilege gained (high), with a false damage row. The field is sent as the body would carry
it, ``role``: the flawed build, which takes ``role`` from the body, is reported; the
careful one, whatever junk it keeps, is not.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

JSON = "application/json"
SEED = {
    "alice": {"email": "alice@fleet.test", "password": "alice-pw-1", "role": "user"},
    "bob": {"email": "bob@fleet.test", "password": "bob-pw-22", "role": "user"},
}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: user\n    login:\n      operation: POST /api/auth/login\n"
    f"      json: {{email: {u['email']}, password: {u['password']}}}\n      token: data.token\n"
    for name, u in SEED.items()
)


def _contract() -> dict[str, Any]:
    user = {
        "type": "object",
        "properties": {
            "username": {"type": "string"},
            "email": {"type": "string"},
            "role": {"type": "string", "enum": ["user", "admin"]},
        },
    }
    session = {
        "type": "object",
        "properties": {
            "success": {"type": "boolean"},
            "data": {
                "type": "object",
                "properties": {"token": {"type": "string"}, "user": user},
            },
        },
    }
    register = {
        "type": "object",
        "required": ["username", "email", "password"],
        "properties": {
            "username": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string", "minLength": 8},
        },
    }
    login = {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    }
    name = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}
    one = {"type": "object", "properties": {"success": {"type": "boolean"}, "data": user}}

    def answer(status: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {status: {"description": "OK", "content": {JSON: {"schema": schema}}}}

    public: list[dict[str, Any]] = []
    return {
        "openapi": "3.0.0",
        "info": {"title": "FleetGo", "version": "1.0.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/auth/register": {
                "post": {
                    "summary": "Create an account",
                    "security": public,
                    "requestBody": {"content": {JSON: {"schema": register}}},
                    "responses": answer("201", session),
                }
            },
            "/api/auth/login": {
                "post": {
                    "security": public,
                    "requestBody": {"content": {JSON: {"schema": login}}},
                    "responses": answer("200", session),
                }
            },
            "/api/auth/me": {"get": {"responses": answer("200", one)}},
            "/api/users/{username}": {
                "get": {"parameters": [name], "responses": answer("200", one)},
                "delete": {
                    "summary": "Delete one's own account",
                    "parameters": [name],
                    "responses": {"204": {"description": "deleted"}},
                },
            },
        },
    }


class Accounts:
    """Users kept as loose documents; ``flawed`` takes ``role`` from the sign-up body."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.users: dict[str, dict[str, Any]] = {k: dict(v) for k, v in SEED.items()}
        self.tokens: dict[str, str] = {}

    def app(self) -> Starlette:
        """The accounts as an ASGI app."""

        def shown(name: str) -> dict[str, Any]:
            return {"username": name, **{k: v for k, v in self.users[name].items() if k != "password"}}  # fmt: skip

        def who(request: Request) -> str | None:
            return self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))  # fmt: skip

        def session(name: str, status: int = 200) -> Response:
            issued = secrets.token_urlsafe(16)
            self.tokens[issued] = name
            body = {"success": True, "data": {"token": issued, "user": shown(name)}}
            return JSONResponse(body, status_code=status)

        def fail(status: int, message: str) -> Response:
            return JSONResponse({"success": False, "message": message}, status_code=status)

        async def body(request: Request) -> dict[str, Any]:
            try:
                given = await request.json()
            except ValueError:
                return {}
            return given if isinstance(given, dict) else {}

        async def spec(request: Request) -> Response:
            return JSONResponse(_contract())

        async def register(request: Request) -> Response:
            given = await body(request)
            name, mail, password = (given.get(k) for k in ("username", "email", "password"))
            if not all(isinstance(v, str) and v for v in (name, mail, password)):
                return fail(400, "username, email and password are required")
            assert isinstance(name, str)
            if name in self.users or any(u["email"] == mail for u in self.users.values()):
                return fail(400, "Duplicate field value entered")
            kept = {
                k: v for k, v in given.items() if k not in {"username", "role"}
            }  # strict: false
            role = given.get("role") if self.flawed and given.get("role") in {"user", "admin"} else "user"  # fmt: skip
            self.users[name] = {**kept, "role": role}
            return session(name, 201)

        async def login(request: Request) -> Response:
            given = await body(request)
            for name, user in self.users.items():
                if (user["email"], user["password"]) == (given.get("email"), given.get("password")):  # fmt: skip
                    return session(name)
            return fail(401, "Invalid credentials")

        async def me(request: Request) -> Response:
            name = who(request)
            if name is None or name not in self.users:
                return fail(401, "Not authorized")
            return JSONResponse({"success": True, "data": shown(name)})

        async def user(request: Request) -> Response:
            name, target = who(request), request.path_params["username"]
            if name is None or name not in self.users:
                return fail(401, "Not authorized")
            if target not in self.users:
                return fail(404, "User not found")
            if request.method == "DELETE":
                if target != name:
                    return fail(403, "You can only delete your own account")
                del self.users[target]
                return Response(status_code=204)
            return JSONResponse({"success": True, "data": shown(target)})

        return Starlette(
            routes=[
                Route("/openapi.json", spec),
                Route("/api/auth/register", register, methods=["POST"]),
                Route("/api/auth/login", login, methods=["POST"]),
                Route("/api/auth/me", me),
                Route("/api/users/{username}", user, methods=["GET", "DELETE"]),
            ]
        )


@pytest.mark.parametrize("flawed", [True, False], ids=["takes-role", "keeps-junk-only"])
def test_a_sign_up_is_probed_with_role_not_its_answers_envelope(
    flawed: bool, tmp_path: Path
) -> None:
    """Only ``role`` itself is a finding, and only where the API takes it."""
    accounts = Accounts(flawed=flawed)
    with serving(accounts.app()) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "mass_assignment"
        )
    assert result.returncode in {0, 1, 3}, result.stdout[-3000:]
    keys = {f["title"] for f in report["findings"] if f["check"] == "mass_assignment"}
    assert not any("data.user" in k for k in keys), keys
    junk = [u for u in accounts.users.values() if isinstance(u.get("data"), dict)]
    assert junk == [], junk
    if flawed:
        assert any("role" in k for k in keys), (keys, report["skipped"])
    else:
        assert keys == set(), keys
