"""A device registered into another user's fleet through an ``owner_id`` the body may carry.

An IoT fleet written the Tornado way (in Starlette): Tornado's HTML error pages, an OAuth2
password grant at ``POST /oauth/token`` (form-encoded), devices addressed by serial. ``POST
/api/v2/devices`` takes ``serial``, ``name`` and ``model``; its answer (``allOf`` a device
and its key) shows ``owner_id``. The flawed build honours an ``owner_id`` in the body, which
the contract does not declare: alice registers a device in bob's fleet. The Tornado trial's
scans skipped the creation as "no privilege field it could carry: none optional, none in
what it makes", as an owner's id is an identifier, not a privilege. Now the owner field,
holding the caller's own ``id``, is moved to another identity's, and only the flawed build
is reported; both are left with their seeded devices alone.
"""

from __future__ import annotations

import copy
import secrets
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

USERS = {1: ("alice", "alice-Pass-2024"), 2: ("bob", "bob-Pass-2024")}
DEVICES = {
    "SN-00A1B2": {"name": "Boiler sensor", "model": "TH-200", "owner_id": 1},
    "SN-00B0B1": {"name": "Garage door", "model": "GD-9", "owner_id": 2},
}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: user\n    login:\n      operation: POST /oauth/token\n"
    f"      form: {{grant_type: password, username: {name}, password: {password}}}\n"
    "      token: access_token\n"
    for name, password in USERS.values()
)
JSON = "application/json"


def _contract() -> dict[str, Any]:
    device = {
        "type": "object",
        "properties": {
            "serial": {"type": "string", "example": "SN-00A1B2"},
            "name": {"type": "string"},
            "model": {"type": "string", "example": "TH-200"},
            "owner_id": {"type": "integer"},
        },
    }
    create = {
        "type": "object",
        "required": ["serial", "name"],
        "properties": {k: device["properties"][k] for k in ("serial", "name", "model")},
    }
    keyed = {"allOf": [{"$ref": "#/components/schemas/Device"},
                       {"type": "object", "properties": {"device_key": {"type": "string"}}}]}  # fmt: skip
    serial = {"name": "serial", "in": "path", "required": True, "schema": {"type": "string"}}
    token = {
        "type": "object",
        "required": ["grant_type", "username", "password"],
        "properties": {
            "grant_type": {"type": "string", "enum": ["password"]},
            "username": {"type": "string"},
            "password": {"type": "string", "format": "password"},
        },
    }

    def answer(status: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {status: {"description": "ok", "content": {JSON: {"schema": schema}}}}

    ref = {"$ref": "#/components/schemas/Device"}
    me = {"type": "object", "properties": {"id": {"type": "integer"}, "username": {"type": "string"}}}  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "fleet", "version": "2.0"},
        "components": {
            "schemas": {"Device": device},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/oauth/token": {
                "post": {
                    "security": [],
                    "requestBody": {
                        "content": {"application/x-www-form-urlencoded": {"schema": token}}
                    },
                    "responses": answer(
                        "200",
                        {"type": "object", "properties": {"access_token": {"type": "string"}}},
                    ),
                }
            },
            "/api/v2/me": {"get": {"responses": answer("200", me)}},
            "/api/v2/devices": {
                "get": {
                    "summary": "List my devices",
                    "responses": answer(
                        "200",
                        {
                            "type": "object",
                            "properties": {"devices": {"type": "array", "items": ref}},
                        },
                    ),
                },
                "post": {
                    "summary": "Register a device",
                    "description": "Registers a new device in the caller's fleet.",
                    "requestBody": {"required": True, "content": {JSON: {"schema": create}}},
                    "responses": answer("201", keyed),
                },
            },
            "/api/v2/devices/{serial}": {
                "get": {"parameters": [serial], "responses": answer("200", ref)},
                "delete": {"parameters": [serial], "responses": {"204": {"description": "gone"}}},
            },
        },
    }


def _page(status: int, reason: str) -> HTMLResponse:
    text = f"<html><title>{status}: {reason}</title><body>{status}: {reason}</body></html>"
    return HTMLResponse(text, status_code=status)


class Fleet:
    """Users' devices; ``flawed`` takes a device's owner from the body."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.devices = copy.deepcopy(DEVICES)
        self.tokens: dict[str, int] = {}
        self.moved: list[str] = []

    def app(self) -> Starlette:
        """The fleet as an ASGI app."""

        def caller(request: Request) -> int | None:
            return self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

        def shown(serial: str) -> dict[str, Any]:
            return {"serial": serial, **self.devices[serial]}

        async def spec(request: Request) -> Response:
            return JSONResponse(_contract())

        async def token(request: Request) -> Response:
            form = await request.form()
            for uid, (name, password) in USERS.items():
                if form.get("username") == name and form.get("password") == password:
                    issued = secrets.token_hex(12)
                    self.tokens[issued] = uid
                    return JSONResponse({"access_token": issued, "token_type": "bearer"})
            return JSONResponse({"error": "invalid_grant"}, status_code=400)

        async def me(request: Request) -> Response:
            uid = caller(request)
            if uid is None:
                return _page(401, "Unauthorized")
            return JSONResponse({"id": uid, "username": USERS[uid][0]})

        async def devices(request: Request) -> Response:
            uid = caller(request)
            if uid is None:
                return _page(401, "Unauthorized")
            if request.method == "GET":
                mine = [shown(s) for s, d in self.devices.items() if d["owner_id"] == uid]
                return JSONResponse({"devices": mine})
            try:
                body = await request.json()
            except ValueError:
                return _page(400, "Bad Request")
            if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("serial", "name")):  # fmt: skip
                return _page(400, "Bad Request")
            if body["serial"] in self.devices:
                return _page(409, "Conflict")
            owner = uid
            if self.flawed and isinstance(body.get("owner_id"), int) and body["owner_id"] in USERS:
                owner = body["owner_id"]
                if owner != uid:
                    self.moved.append(body["serial"])
            self.devices[body["serial"]] = {
                "name": body["name"], "model": str(body.get("model", "")), "owner_id": owner,
            }  # fmt: skip
            return JSONResponse({**shown(body["serial"]), "device_key": secrets.token_hex(8)}, status_code=201)  # fmt: skip

        async def device(request: Request) -> Response:
            uid, serial = caller(request), request.path_params["serial"]
            if uid is None:
                return _page(401, "Unauthorized")
            if serial not in self.devices or self.devices[serial]["owner_id"] != uid:
                return _page(404, "Not Found")
            if request.method == "DELETE":
                del self.devices[serial]
                return Response(status_code=204)
            return JSONResponse(shown(serial))

        return Starlette(
            routes=[
                Route("/openapi.json", spec),
                Route("/oauth/token", token, methods=["POST"]),
                Route("/api/v2/me", me),
                Route("/api/v2/devices", devices, methods=["GET", "POST"]),
                Route("/api/v2/devices/{serial}", device, methods=["GET", "DELETE"]),
            ]
        )


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_device_registered_in_another_fleet_is_reported(flawed: bool, tmp_path: Path) -> None:
    """The flawed build's owner_id is a mass-assignment finding; the fixed one has none."""
    fleet = Fleet(flawed=flawed)
    with serving(fleet.app()) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "mass_assignment"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    found = [f for f in report["findings"] if f["operation"] == "POST /api/v2/devices"]
    if flawed:
        assert found, report["skipped"]
        assert "owner_id" in found[0]["title"] + found[0]["detail"], found[0]
        assert fleet.moved
    else:
        assert found == [], found
    assert fleet.devices == DEVICES, fleet.devices
