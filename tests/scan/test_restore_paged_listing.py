"""A record read back from a paginated listing is looked for on every page, not only the first.

The Django Ninja trial's ``PATCH /api/admin/users/{username}`` has no ``GET`` of its own,
so the restore reads the record back from the admin's listing (``{"items": [...], "count":
N}``, twenty a page, newest first). By then the accounts the scan had made filled the first
page, the seeded users were on the second, and the report said five users untouched in the
database were "not restored: deleted by the scan" (exit 3). The restore now follows the
listing's pages (``scan.pages``) before it calls a record gone.
"""

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
  - {name: root, role: admin, headers: {Authorization: Token desk-root}}
"""
NAME = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}
PAGE = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 3}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
]
USER = {
    "type": "object",
    "properties": {
        "username": {"type": "string"},
        "full_name": {"type": "string"},
        "bio": {"type": "string"},
    },
}
JSON = {"application/json": {"schema": USER}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "deskhub admin", "version": "1"},
    "security": [{"token": []}],
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "paths": {
        "/api/admin/users": {
            "get": {"summary": "List users, newest first", "parameters": PAGE,
                    "responses": {"200": {"description": "OK", "content": {"application/json": {
                        "schema": {"type": "object", "properties": {
                            "items": {"type": "array", "items": USER},
                            "count": {"type": "integer"}}}}}}}},
        },
        "/api/auth/signup": {
            "post": {"summary": "Sign up", "security": [],
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "required": ["username", "password"],
                         "properties": {"username": {"type": "string"},
                                        "password": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "Created", "content": JSON}}},
        },
        "/api/admin/users/{username}": {
            "patch": {"summary": "Update a user", "parameters": [NAME],
                      "requestBody": {"content": JSON},
                      "responses": {"200": {"description": "OK", "content": JSON}}},
            "delete": {"summary": "Delete a user", "parameters": [NAME],
                       "responses": {"204": {"description": "Deleted"}}},
        },
    },
}  # fmt: skip
SEEDED = [
    {"username": "root", "full_name": "Desk Admin", "bio": "Runs the place."},
    {"username": "alice", "full_name": "Alice Martin", "bio": "Designer."},
    {"username": "bob", "full_name": "Bob Stone", "bio": "Writes code."},
]


class Users:
    """Users in creation order, the admin's listing and writes."""

    def __init__(self) -> None:
        self.users = [dict(u) for u in SEEDED]

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/api/admin/users", self.listing, methods=["GET"]),
                Route("/api/auth/signup", self.create, methods=["POST"]),
                Route("/api/admin/users/{name}", self.patch, methods=["PATCH"]),
                Route("/api/admin/users/{name}", self.delete, methods=["DELETE"]),
            ]
        )

    @staticmethod
    def _admin(request: Request) -> bool:
        return request.headers.get("authorization") == "Token desk-root"

    def _find(self, name: str) -> dict[str, Any] | None:
        return next((u for u in self.users if u["username"] == name), None)

    async def listing(self, request: Request) -> Response:
        if not self._admin(request):
            return JSONResponse({"detail": "Unauthorized"}, 401)
        try:
            limit = min(int(request.query_params.get("limit", 3)), 3)
            offset = int(request.query_params.get("offset", 0))
        except ValueError:
            return JSONResponse({"detail": "invalid page"}, 422)
        newest = list(reversed(self.users))
        return JSONResponse({"items": newest[offset : offset + limit], "count": len(newest)})

    async def create(self, request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("username"), str):
            return JSONResponse({"detail": "username required"}, 422)
        if self._find(body["username"]) is not None:
            return JSONResponse({"detail": "taken"}, 409)
        user = {"username": body["username"], "full_name": "", "bio": ""}
        self.users.append(user)
        return JSONResponse(user, 201)

    async def patch(self, request: Request) -> Response:
        if not self._admin(request):
            return JSONResponse({"detail": "Unauthorized"}, 401)
        user = self._find(request.path_params["name"])
        if user is None:
            return JSONResponse({"detail": "Not Found"}, 404)
        body = await request.json()
        if isinstance(body, dict):
            user.update({k: str(v) for k, v in body.items() if k in {"full_name", "bio"}})
        return JSONResponse(user)

    async def delete(self, request: Request) -> Response:
        if not self._admin(request):
            return JSONResponse({"detail": "Unauthorized"}, 401)
        user = self._find(request.path_params["name"])
        if user is None:
            return JSONResponse({"detail": "Not Found"}, 404)
        self.users.remove(user)
        return Response(status_code=204)


def test_seeded_users_pushed_off_the_first_page_are_put_back(tmp_path: Path) -> None:
    """The scan's own users fill the first page by the restore; the seeded ones are found on
    the next pages, put back, and none is called deleted."""
    users = Users()
    with serving(users.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert users.users[:3] == SEEDED
    rows = report["tables"]["target_state"]
    # Sign-ups under a probe's payload are the scan's and listed left (README, sign-ups).
    left = {r["object"] for r in rows if r["what"] == "account signed up" and r["state"] == "left"}
    assert {u["username"] for u in users.users[3:]} == left
    seeded = [r for r in rows if r["object"].rsplit("/", 1)[-1] in {"root", "alice", "bob"}]
    assert seeded, rows
    assert all(r["state"] == "restored" for r in seeded), seeded
