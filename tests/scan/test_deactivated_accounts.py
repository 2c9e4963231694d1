"""Accounts whose DELETE only deactivates them are not made in a real tenant.

The aiohttp trial's dispatcher creates driver accounts for its carrier (``POST
/carriers/{carrier_slug}/drivers``, a password in the body), and ``DELETE
/drivers/{driver_id}`` is "Deactivate a driver (the account is kept, disabled)". The creation
was let through as a sign-up whose accounts a DELETE removes (``DELETE /admin/users/{user_id}``), so a default scan left 22
disabled accounts in the real carriers, and the report called all thirty deleted.
"""

import itertools
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
  - {name: dana, role: dispatcher, headers: {Authorization: Bearer tok-dana}}
  - {name: dave, role: dispatcher, headers: {Authorization: Bearer tok-dave}}
"""
PEOPLE = {"Bearer tok-dana": "dana", "Bearer tok-dave": "dave"}
SLUG = {"name": "carrier_slug", "in": "path", "required": True, "schema": {"type": "string"}}
DRIVER_ID = {"name": "driver_id", "in": "path", "required": True, "schema": {"type": "integer"}}
DRIVER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "full_name": {"type": "string"},
        "active": {"type": "boolean"},
    },
}
HAL = "application/hal+json"
CONTRACT = {
    "openapi": "3.1.0",
    "info": {"title": "logistics", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/carriers": {"get": {"summary": "Carriers", "responses": {"200": {"description": "OK"}}}},
        "/carriers/{carrier_slug}": {"get": {"summary": "One carrier", "parameters": [SLUG],
                                             "responses": {"200": {"description": "OK"}}}},
        "/carriers/{carrier_slug}/drivers": {
            "get": {"summary": "Drivers of a carrier", "parameters": [SLUG],
                    "responses": {"200": {"description": "A page of drivers"}}},
            "post": {"summary": "Create a driver account for the carrier", "parameters": [SLUG],
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "required": ["email", "password", "full_name"],
                         "properties": {"email": {"type": "string", "format": "email"},
                                        "password": {"type": "string"},
                                        "full_name": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "Created",
                                           "content": {HAL: {"schema": DRIVER}}}}},
        },
        "/admin/users/{user_id}": {"delete": {
            "summary": "Delete a user account (admins)",
            "parameters": [{"name": "user_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"204": {"description": "Deleted"}, "403": {"description": "No"}}}},
        "/drivers/{driver_id}": {
            "get": {"summary": "One driver", "parameters": [DRIVER_ID],
                    "responses": {"200": {"description": "OK", "content": {HAL: {"schema": DRIVER}}},
                                  "404": {"description": "Not found"}}},
            "delete": {"summary": "Deactivate a driver (the account is kept, disabled)",
                       "parameters": [DRIVER_ID],
                       "responses": {"204": {"description": "Deactivated"}}},
        },
    },
}  # fmt: skip


class Fleet:
    """Driver accounts of one carrier, and the app."""

    def __init__(self) -> None:
        self.drivers: dict[int, dict[str, Any]] = {
            1: {"id": 1, "email": "ivan@swifthaul.example", "full_name": "Ivan", "active": True}
        }
        self.ids = itertools.count(2)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/carriers", self.carriers, methods=["GET"]),
                Route("/carriers/{slug}", self.carriers, methods=["GET"]),
                Route("/carriers/{slug}/drivers", self.listing, methods=["GET", "POST"]),
                Route("/drivers/{id:int}", self.one, methods=["GET", "DELETE"]),
                Route("/admin/users/{id:int}", self.admin_only, methods=["DELETE"]),
            ]
        )

    @staticmethod
    def _problem(status: int, title: str) -> Response:
        body = {"type": "about:blank", "title": title, "status": status}
        return JSONResponse(body, status, media_type="application/problem+json")

    async def admin_only(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return self._problem(401, "Unauthorized")
        return self._problem(403, "Forbidden")

    async def carriers(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return self._problem(401, "Unauthorized")
        carrier = {"slug": "swift-haul", "name": "Swift Haul",
                   "_links": {"self": {"href": "/carriers/swift-haul"}}}  # fmt: skip
        if "slug" in request.path_params:
            if request.path_params["slug"] != "swift-haul":
                return self._problem(404, "Not Found")
            return JSONResponse(carrier, media_type=HAL)
        return JSONResponse({"_embedded": {"items": [carrier]}}, media_type=HAL)

    async def listing(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return self._problem(401, "Unauthorized")
        if request.path_params["slug"] != "swift-haul":
            return self._problem(404, "Not Found")
        if request.method == "POST":
            body = await request.json()
            if not isinstance(body, dict) or not all(body.get(k) for k in ("email", "password")):
                return self._problem(422, "Unprocessable Entity")
            key = next(self.ids)
            self.drivers[key] = {"id": key, "email": str(body["email"]),
                                 "full_name": str(body.get("full_name", "")), "active": True}  # fmt: skip
            return JSONResponse(self._hal(self.drivers[key]), 201, media_type=HAL)
        rows = [self._hal(d) for d in self.drivers.values() if d["active"]]
        page = {"_embedded": {"items": rows}, "_links": {"self": {"href": str(request.url)}}}
        return JSONResponse(page, media_type=HAL)

    @staticmethod
    def _hal(driver: dict[str, Any]) -> dict[str, Any]:
        return {**driver, "_links": {"self": {"href": f"/drivers/{driver['id']}"}}}

    async def one(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return self._problem(401, "Unauthorized")
        driver = self.drivers.get(request.path_params["id"])
        if driver is None or not driver["active"]:
            return self._problem(404, "Not Found")
        if request.method == "DELETE":
            driver["active"] = False
            return Response(status_code=204)
        return JSONResponse(self._hal(driver), media_type=HAL)


def test_no_driver_account_is_made_that_its_delete_would_only_disable(tmp_path: Path) -> None:
    """A default scan makes no driver; the skip says the contract only archives them."""
    fleet = Fleet()
    with serving(fleet.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(fleet.drivers) == [1], report["tables"]["target_state"]
    assert "only archives" in done.stdout, done.stdout
