"""A team a sign-up makes gets a name of the scan's, and is listed left when nothing deletes it.

The Express trial's ``POST /auth/register`` ("Sign up — creates a new team and its first
admin") takes ``teamName``. The scan filled it with a team name the API had shown ("Acme
Corp"), so the 21 teams its sign-ups made were named like a real one, and nothing told
them apart: the account's ``GET /users/me`` names its team in a nested object (``teamInfo:
{name, slug}``), the team is read at ``GET /team`` and nothing deletes it. The name is fresh
now (``Synthesizer._made_here``), and the team is listed *left*, as the sign-up's.
"""

import itertools
import re
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

IDENTITIES = """\
identities:
  - name: alice
    role: admin
    login:
      operation: POST /auth/login
      json: {email: alice@acme.test, password: alice-pass-1}
      token: data.accessToken
"""
OK = {"200": {"description": "OK"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "boards", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/auth/register": {"post": {
            "summary": "Sign up — creates a new team and its first admin", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["name", "email", "password", "teamName"],
                "properties": {"name": {"type": "string"},
                               "email": {"type": "string", "format": "email"},
                               "password": {"type": "string", "minLength": 8},
                               "teamName": {"type": "string"}}}}}},
            "responses": {"201": {"description": "Tokens"}}}},
        "/auth/login": {"post": {
            "summary": "Log in", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["email", "password"],
                "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": OK}},
        "/users/me": {
            "get": {"summary": "My profile", "responses": OK},
            "delete": {"summary": "Close my account", "responses": OK}},
        "/team": {"get": {"summary": "My team", "responses": OK}},
    },
}  # fmt: skip


class Boards:
    """Teams, users by e-mail, sessions, and the app."""

    def __init__(self, *, listed: bool = False) -> None:
        self.listed = listed  # ``teams: [{...}]``, as the Sinatra trial's ``organizations``
        self.teams = {"t1": {"_id": "t1", "name": "Acme Corp", "slug": "acme-corp"}}
        self.users: dict[str, dict[str, Any]] = {
            "alice@acme.test": {
                "password": "alice-pass-1",
                "team": "t1",
                "teamName": "Acme Corp",
                "active": True,
            }
        }
        self.tokens: dict[str, str] = {}
        self.ids = itertools.count(2)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/auth/register", self.register, methods=["POST"]),
                Route("/auth/login", self.login, methods=["POST"]),
                Route("/users/me", self.me, methods=["GET", "DELETE"]),
                Route("/team", self.team),
            ]
        )

    def _token(self, mail: str) -> dict[str, Any]:
        token = secrets.token_hex(16)
        self.tokens[token] = mail
        return {"success": True, "data": {"accessToken": token}}

    async def register(self, request: Request) -> Response:
        body = await request.json()
        keys = ("name", "email", "password", "teamName")
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in keys):
            return JSONResponse({"success": False, "message": "missing fields"}, 400)
        if body["email"] in self.users or len(body["password"]) < 8:
            return JSONResponse({"success": False, "message": "invalid"}, 400)
        key = f"t{next(self.ids)}"
        slug = re.sub(r"[^a-z0-9]+", "-", body["teamName"].lower()).strip("-") or "team"
        self.teams[key] = {"_id": key, "name": body["teamName"], "slug": f"{slug}-{key}"}
        self.users[body["email"]] = {"password": body["password"], "team": key,
                                     "teamName": body["teamName"], "active": True}  # fmt: skip
        return JSONResponse(self._token(body["email"]), 201)

    async def login(self, request: Request) -> Response:
        body = await request.json()
        user = self.users.get(str(body.get("email"))) if isinstance(body, dict) else None
        if user is None or not user["active"] or user["password"] != body.get("password"):
            return JSONResponse({"success": False, "message": "Invalid credentials"}, 401)
        return JSONResponse(self._token(body["email"]))

    def _caller(self, request: Request) -> str | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        mail = self.tokens.get(token)
        return mail if mail is not None and self.users[mail]["active"] else None

    async def me(self, request: Request) -> Response:
        mail = self._caller(request)
        if mail is None:
            return JSONResponse({"success": False, "message": "Not authorized"}, 401)
        user = self.users[mail]
        if request.method == "DELETE":
            user["active"] = False
            return JSONResponse({"success": True, "data": {}})
        info = self.teams[user["team"]]
        view = {"email": mail, "team": user["team"], "teamName": user["teamName"]}
        view.update({"teams": [info]} if self.listed else {"teamInfo": info})
        return JSONResponse({"success": True, "data": view})

    async def team(self, request: Request) -> Response:
        mail = self._caller(request)
        if mail is None:
            return JSONResponse({"success": False, "message": "Not authorized"}, 401)
        return JSONResponse({"success": True, "data": self.teams[self.users[mail]["team"]]})


@pytest.mark.parametrize("listed", [False, True], ids=["teamInfo", "teams-list"])
def test_the_teams_the_sign_ups_made_are_the_scans_and_listed_left(
    tmp_path: Path, listed: bool
) -> None:
    """No team named like a real one; every team of the scan's accounts listed left."""
    boards = Boards(listed=listed)
    with serving(boards.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--safe", "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    made = [t for k, t in boards.teams.items() if k != "t1"]
    assert made, "the scan signed up no team"
    assert not [t for t in made if t["name"] == "Acme Corp"], made
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "object a sign-up made"]
    assert [(r["state"], r["object"].split(" made by ")[-1]) for r in rows] == [
        ("left", "POST /auth/register")
    ], rows
