"""A creation refused as a duplicate is made again with fresh values, then deleted.

A course catalogue written the Express/Mongoose way (in Starlette): ``POST /api/courses``
takes a ``code`` whose contract example (``CS101``) is a seeded course's, and the API keeps
codes unique, answering Mongoose's ``400 {"success": false, "message": "Duplicate field
value entered"}``. In the Express trial the same refusal (a seeded vehicle's plate) kept
the admin from ever making an object of its own, and three flaws went untested. The scan
makes its courses with codes of its own, tests them, and deletes them: the catalogue is
left as seeded.
"""

from __future__ import annotations

import copy
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

USERS = {"ada": ("ada@uni.test", "ada-Admin-9"), "ben": ("ben@uni.test", "ben-Teach-7")}
COURSES = {
    "65c0a1b2c3d4e5f6a7b8c901": {"code": "CS101", "title": "Programming", "owner": "ada"},
    "65c0a1b2c3d4e5f6a7b8c902": {"code": "MA201", "title": "Linear algebra", "owner": "ben"},
}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: teacher\n    login:\n      operation: POST /api/auth/login\n"
    f"      json: {{email: {mail}, password: {password}}}\n      token: data.token\n"
    for name, (mail, password) in USERS.items()
)
JSON = "application/json"


def _contract() -> dict[str, Any]:
    course = {
        "type": "object",
        "properties": {
            "_id": {"type": "string"},
            "code": {"type": "string", "example": "CS101"},
            "title": {"type": "string", "example": "Programming"},
        },
    }
    new = {
        "type": "object",
        "required": ["code", "title"],
        "properties": {
            "code": course["properties"]["code"],
            "title": course["properties"]["title"],
        },
    }
    login = {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    }
    _id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

    def answer(status: str, data: dict[str, Any]) -> dict[str, Any]:
        envelope = {"type": "object", "properties": {"success": {"type": "boolean"}, "data": data}}
        return {status: {"description": "OK", "content": {JSON: {"schema": envelope}}}}

    token = {"type": "object", "properties": {"token": {"type": "string"}}}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Courses", "version": "1.0.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": {"content": {JSON: {"schema": login}}},
                    "responses": answer("200", token),
                }
            },
            "/api/courses": {
                "get": {
                    "summary": "My courses",
                    "responses": answer("200", {"type": "array", "items": course}),
                },
                "post": {
                    "summary": "Create a course",
                    "requestBody": {"content": {JSON: {"schema": new}}},
                    "responses": answer("201", course),
                },
            },
            "/api/courses/{id}": {
                "get": {"parameters": [_id], "responses": answer("200", course)},
                "put": {
                    "parameters": [_id],
                    "requestBody": {"content": {JSON: {"schema": new}}},
                    "responses": answer("200", course),
                },
                "delete": {"parameters": [_id], "responses": {"204": {"description": "deleted"}}},
            },
        },
    }


class Catalogue:
    """Courses with unique codes, each its teacher's own."""

    def __init__(self) -> None:
        self.courses = copy.deepcopy(COURSES)
        self.made = 0
        self.serial = itertools.count(0xD00)

    def app(self) -> Starlette:
        """The catalogue as an ASGI app."""
        tokens: dict[str, str] = {}

        def who(request: Request) -> str | None:
            return tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

        def fail(status: int, message: str) -> Response:
            return JSONResponse({"success": False, "message": message}, status_code=status)

        def shown(key: str) -> dict[str, Any]:
            c = self.courses[key]
            return {"_id": key, "code": c["code"], "title": c["title"]}

        async def body(request: Request) -> dict[str, Any]:
            try:
                given = await request.json()
            except ValueError:
                return {}
            return given if isinstance(given, dict) else {}

        def valid(given: dict[str, Any], key: str | None) -> Response | None:
            if not all(isinstance(given.get(k), str) and given[k] for k in ("code", "title")):
                return fail(400, "code and title are required")
            if any(c["code"] == given["code"] for k, c in self.courses.items() if k != key):
                return fail(400, "Duplicate field value entered")
            return None

        async def spec(request: Request) -> Response:
            return JSONResponse(_contract())

        async def login(request: Request) -> Response:
            given = await body(request)
            for name, (mail, password) in USERS.items():
                if (given.get("email"), given.get("password")) == (mail, password):
                    issued = secrets.token_urlsafe(12)
                    tokens[issued] = name
                    return JSONResponse({"success": True, "data": {"token": issued}})
            return fail(401, "Invalid credentials")

        async def courses(request: Request) -> Response:
            user = who(request)
            if user is None:
                return fail(401, "Not authorized")
            if request.method == "GET":
                mine = [shown(k) for k, c in self.courses.items() if c["owner"] == user]
                return JSONResponse({"success": True, "data": mine})
            given = await body(request)
            refused = valid(given, None)
            if refused is not None:
                return refused
            key = f"65c0a1b2c3d4e5f6a7b8{next(self.serial):04x}"
            self.courses[key] = {"code": given["code"], "title": given["title"], "owner": user}
            self.made += 1
            return JSONResponse({"success": True, "data": shown(key)}, status_code=201)

        async def course(request: Request) -> Response:
            user, key = who(request), request.path_params["id"]
            if user is None:
                return fail(401, "Not authorized")
            if key not in self.courses or self.courses[key]["owner"] != user:
                return fail(404, "Course not found")
            if request.method == "DELETE":
                del self.courses[key]
                return Response(status_code=204)
            if request.method == "PUT":
                given = await body(request)
                refused = valid(given, key)
                if refused is not None:
                    return refused
                self.courses[key].update(code=given["code"], title=given["title"])
            return JSONResponse({"success": True, "data": shown(key)})

        return Starlette(
            routes=[
                Route("/openapi.json", spec),
                Route("/api/auth/login", login, methods=["POST"]),
                Route("/api/courses", courses, methods=["GET", "POST"]),
                Route("/api/courses/{id}", course, methods=["GET", "PUT", "DELETE"]),
            ]
        )


def test_courses_refused_as_duplicates_are_made_with_codes_of_the_scans_own(
    tmp_path: Path,
) -> None:
    """The scan's courses get codes of its own, are tested, and are gone afterwards."""
    catalogue = Catalogue()
    with serving(catalogue.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert catalogue.made > 0, [s for s in report["skipped"] if s["check"] == "bola"]
    assert catalogue.courses == COURSES, catalogue.courses
    ran = {r["operation"] for r in report["ran"] if r["check"] == "bola"}
    assert "PUT /api/courses/{id}" in ran, report["skipped"]
