"""A tenant a sign-up makes that nothing deletes is listed left, not passed over.

The PHP trial's "Sign up a new school" makes a school and its first administrator; the
contract deletes neither. The accounts were listed left, the seven schools beside them not
at all: ``beside`` looked only for what the contract can delete, and read "My enrollments"
(the first read named like the caller's own) instead of ``GET /api/me``, which names the
school. Now ``GET /me`` goes first, and a school it names is listed *left*.
"""

import itertools
import re
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
  - name: tina
    role: teacher
    login:
      operation: POST /api/login
      json: {email: tina@springfield.edu, password: tina-pass-1}
      token: data.api_key
      header: X-API-Key
      prefix: ""
"""
OK = {"200": {"description": "OK"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "school", "version": "1"},
    "security": [{"key": []}],
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header",
                                               "name": "X-API-Key"}}},
    "paths": {
        "/api/login": {"post": {
            "summary": "Log in with e-mail and password", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["email", "password"],
                "properties": {"email": {"type": "string", "format": "email"},
                               "password": {"type": "string"}}}}}},
            "responses": OK}},
        "/api/signup": {"post": {
            "summary": "Sign up a new school", "security": [],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["school_name", "name", "email", "password"],
                "properties": {"school_name": {"type": "string"}, "name": {"type": "string"},
                               "email": {"type": "string", "format": "email"},
                               "password": {"type": "string", "minLength": 8}}}}}},
            "responses": {"201": {"description": "School and its first administrator"}}}},
        "/api/enrollments.php": {"get": {"summary": "My enrollments", "responses": OK}},
        "/api/me": {"get": {"summary": "My account", "responses": OK}},
        "/api/schools/{slug}": {"get": {
            "summary": "Public school page",
            "parameters": [{"name": "slug", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": OK}},
    },
}  # fmt: skip


class Schools:
    """Schools by slug, users by e-mail, API keys, and the app."""

    def __init__(self) -> None:
        self.schools = {"springfield": {"slug": "springfield", "name": "Springfield High"}}
        self.users: dict[str, dict[str, Any]] = {
            "tina@springfield.edu": {"password": "tina-pass-1", "school": "springfield"}
        }
        self.keys: dict[str, str] = {}
        self.ids = itertools.count(2)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/api/login", self.login, methods=["POST"]),
                Route("/api/signup", self.signup, methods=["POST"]),
                Route("/api/enrollments.php", self.enrollments),
                Route("/api/me", self.me),
                Route("/api/schools/{slug}", self.school),
            ]
        )

    def _key(self, mail: str) -> str:
        key = secrets.token_hex(20)
        self.keys[key] = mail
        return key

    async def login(self, request: Request) -> Response:
        body = await request.json()
        user = self.users.get(str(body.get("email"))) if isinstance(body, dict) else None
        if user is None or user["password"] != body.get("password"):
            return JSONResponse({"status": "error", "error": "Wrong password"})
        return JSONResponse({"status": "ok", "data": {"api_key": self._key(body["email"])}})

    async def signup(self, request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) and body[k] for k in ("school_name", "email", "password")
        ):
            return JSONResponse({"status": "error", "error": "missing fields"}, 422)
        if body["email"] in self.users:
            return JSONResponse({"status": "error", "error": "e-mail taken"}, 409)
        slug = re.sub(r"[^a-z0-9]+", "-", body["school_name"].lower()).strip("-") or "school"
        while slug in self.schools:
            slug = f"{slug}-{next(self.ids)}"
        self.schools[slug] = {"slug": slug, "name": body["school_name"]}
        self.users[body["email"]] = {"password": body["password"], "school": slug}
        self.schools[slug]["admin"] = body["email"]
        return JSONResponse({"status": "ok", "data": {"school": self.schools[slug]}}, 201)

    def _caller(self, request: Request) -> str | None:
        return self.keys.get(request.headers.get("x-api-key", ""))

    async def enrollments(self, request: Request) -> Response:
        if self._caller(request) is None:
            return JSONResponse({"status": "error", "error": "Missing API key"}, 401)
        return JSONResponse({"status": "ok", "data": []})

    async def me(self, request: Request) -> Response:
        mail = self._caller(request)
        if mail is None:
            return JSONResponse({"status": "error", "error": "Missing API key"}, 401)
        school = self.users[mail]["school"]
        return JSONResponse({"status": "ok", "data": {"email": mail, "school": school}})

    async def school(self, request: Request) -> Response:
        found = self.schools.get(request.path_params["slug"])
        if found is None:
            return Response("<h1>404 Not Found</h1>", 404, media_type="text/html")
        return JSONResponse({"status": "ok", "data": found})


def test_the_schools_the_sign_ups_made_are_listed_left(tmp_path: Path) -> None:
    """Every school the scan's sign-ups made is in a row of what a sign-up made, left."""
    schools = Schools()
    with serving(schools.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    # Made by accounts under names of the scan's own: it logs in as each and reads its school.
    made = [s for s in schools.schools.values() if s.get("admin", "").startswith("apiward")]
    assert made, "the scan signed up no school"
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "object a sign-up made"]
    assert [(r["object"], r["state"]) for r in rows] == [
        (f"{len(made)} made by POST /api/signup", "left")
    ], rows
