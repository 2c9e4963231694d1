"""A sign-up that makes its own tenant: the tenant goes with the account, by whoever may.

The Litestar trial's ``POST /auth/signup`` is "Sign up a company": it makes a company
(its slug from ``company_name``, ``-2``, ``-3``… when taken) and its first recruiter.
Only the platform admin lists companies and deletes one (``GET /admin/companies``,
``DELETE /admin/companies/{slug}``), and the recruiter's own ``GET /me`` names its
company by slug. The scan deleted its accounts; 46 companies stayed, and the report did
not say so. A recruiting API of that shape, written with Starlette: after the scan only
the seeded company is left, and the report lists the others as made beside the accounts.
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
  - {name: root, role: admin, headers: {Authorization: Bearer adm-root-1}}
  - name: rita
    role: recruiter
    login: {operation: POST /auth/login, json: {username: rita, password: rita-pw-11}, token: token}
  - name: rob
    role: recruiter
    login: {operation: POST /auth/login, json: {username: rob, password: rob-pw-22}, token: token}
"""
CHECKS = "bola,bfla,mass_assignment,excessive_data,business_flows,login"
"""Not the injection checks: a probe's sign-up named ``x' OR 1=1--`` is never claimed (it
could land on someone else), so neither is the company it made, which stays, listed."""
TEXT = {"type": "string"}
_SLUG = [{"name": "slug", "in": "path", "required": True, "schema": TEXT}]


def _op(summary: str, body: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "OK"}}, **extra}
    if body is not None:
        schema = {"type": "object", "required": list(body), "properties": body}
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return op


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Hiring", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/auth/signup": {
            "post": _op(
                "Sign up a company",
                {"company_name": TEXT, "username": TEXT, "email": TEXT, "password": TEXT},
                security=[],
                description="Create a company on the trial plan and its first recruiter.",
            )
        },
        "/auth/login": {"post": _op("Log in", {"username": TEXT, "password": TEXT}, security=[])},
        "/me": {"get": _op("My account")},
        "/companies/{slug}": {
            "get": _op("Public profile of a company", parameters=_SLUG, security=[])
        },
        "/admin/companies": {"get": _op("Every company. Admin only.")},
        "/admin/companies/{slug}": {
            "delete": _op("Delete a company and its accounts. Admin only.", parameters=_SLUG)
        },
        "/admin/users/{username}": {
            "delete": _op(
                "Delete an account. Admin only.",
                parameters=[{"name": "username", "in": "path", "required": True, "schema": TEXT}],
            )
        },
    },
}


class Hiring:
    """Companies by slug, users by name (with their company), and the Starlette app."""

    def __init__(self) -> None:
        self.companies = {"acme": {"slug": "acme", "name": "Acme"}}
        self.users = {
            "rita": {"password": "rita-pw-11", "company": "acme"},
            "rob": {"password": "rob-pw-22", "company": "acme"},
        }
        self.tokens = {"adm-root-1": "root"}
        self.ids = itertools.count(2)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/auth/signup", self.signup, methods=["POST"]),
                Route("/auth/login", self.login, methods=["POST"]),
                Route("/me", self.me),
                Route("/companies/{slug}", self.company),
                Route("/admin/companies", self.every),
                Route("/admin/companies/{slug}", self.drop, methods=["DELETE"]),
                Route("/admin/users/{username}", self.drop_user, methods=["DELETE"]),
            ]
        )

    def _caller(self, request: Request) -> str | None:
        return self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    async def signup(self, request: Request) -> Response:
        body = await self._body(request)
        name, user = str(body.get("company_name", "")), str(body.get("username", ""))
        if not name or not user or user in self.users or not body.get("password"):
            return JSONResponse({"detail": "invalid sign-up"}, 400)
        base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "company"
        slug = base
        while slug in self.companies:
            slug = f"{base}-{next(self.ids)}"
        self.companies[slug] = {"slug": slug, "name": name}
        self.users[user] = {"password": str(body["password"]), "company": slug}
        return JSONResponse({"username": user, "company": slug}, 201)

    async def login(self, request: Request) -> Response:
        body = await self._body(request)
        user = self.users.get(str(body.get("username")))
        if user is None or user["password"] != body.get("password"):
            return JSONResponse({"detail": "Invalid credentials"}, 401)
        token = secrets.token_hex(8)
        self.tokens[token] = str(body["username"])
        return JSONResponse({"token": token})

    async def me(self, request: Request) -> Response:
        who = self._caller(request)
        if who is None or who not in self.users:
            return JSONResponse({"detail": "Unauthorized"}, 401)
        return JSONResponse({"username": who, "company": self.users[who]["company"]})

    async def company(self, request: Request) -> Response:
        found = self.companies.get(request.path_params["slug"])
        return JSONResponse(found) if found else JSONResponse({"detail": "Not found"}, 404)

    async def every(self, request: Request) -> Response:
        if self._caller(request) != "root":
            return JSONResponse({"detail": "Admin only."}, 403)
        return JSONResponse(list(self.companies.values()))

    async def drop(self, request: Request) -> Response:
        if self._caller(request) != "root":
            return JSONResponse({"detail": "Admin only."}, 403)
        slug = request.path_params["slug"]
        if slug not in self.companies:
            return JSONResponse({"detail": "Not found"}, 404)
        del self.companies[slug]
        for name in [n for n, u in self.users.items() if u["company"] == slug]:
            del self.users[name]
        return Response(status_code=204)

    async def drop_user(self, request: Request) -> Response:
        if self._caller(request) != "root":
            return JSONResponse({"detail": "Admin only."}, 403)
        if self.users.pop(request.path_params["username"], None) is None:
            return JSONResponse({"detail": "Not found"}, 404)
        return Response(status_code=204)


def test_the_companies_sign_ups_made_go_with_their_accounts(tmp_path: Path) -> None:
    """Only acme is left; the report lists the made companies as deleted beside accounts."""
    hiring = Hiring()
    with serving(hiring.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", CHECKS)
    assert done.returncode in {0, 1}, done.stderr
    assert list(hiring.companies) == ["acme"]
    assert set(hiring.users) == {"rita", "rob"}
    rows = [r for r in report["tables"]["target_state"] if "/admin/companies" in r["object"]]
    assert rows, report["tables"]["target_state"]
    assert all(r["state"] == "deleted" for r in rows), rows
