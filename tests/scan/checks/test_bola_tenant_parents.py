"""Colleagues using a unit of their organisation's property: the API's design, not a BOLA.

The Flask trial (flask-smorest, HAL answers) keys units by their number under a property,
``/properties/{property_id}/units/{unit_number}`` ("4B"), and a unit holds no ``org_id``:
its property does. Two managers of one organisation each used the unit the other had just
made, in a lease or a maintenance request, or wrote and deleted it, and the scan called each
of the four a high BOLA: the unit named no organisation, so nothing tied the two managers
to it. It is the tenant's now (low, tentative) when it names a parent of the tenant, a
property both list with their ``org_id``. A maintenance request names its reporter: a
colleague editing it is still high.

The same trial's units were deleted, and read back, by their ids (``/units/22``): each
answered 404, and the scan called them deleted while they stayed. A HAL self link gives
the path each one has: the scan deletes them there, and leaves none.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

STAFF = {
    "Token mia-1f": {"id": 1, "email": "mia@harbor.test", "role": "manager", "org_id": 1},
    "Token mo-2e": {"id": 2, "email": "mo@harbor.test", "role": "manager", "org_id": 1},
    "Token bea-3d": {"id": 3, "email": "bea@summit.test", "role": "manager", "org_id": 2},
}
IDENTITIES = """\
identities:
  - {name: mia, role: manager, headers: {Authorization: Token mia-1f}}
  - {name: mo, role: manager, headers: {Authorization: Token mo-2e}}
  - {name: bea, role: manager, headers: {Authorization: Token bea-3d}}
"""
API = "/api/v2"


def _spec() -> dict[str, Any]:
    def body(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
        schema = {"type": "object", "properties": props, "required": required}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def ok(code: str = "200") -> dict[str, Any]:
        return {code: {"description": "OK", "content": {"application/json": {"schema": {}}}}}

    def param(name: str, kind: str = "integer") -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}

    prop, unit = param("property_id"), param("unit_number", "string")
    unit_body = {"number": {"type": "string", "pattern": "^[0-9]{1,3}[A-Z]?$"}}
    unit_body["bedrooms"] = {"type": "integer", "minimum": 0, "maximum": 9}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Rentals", "version": "2"},
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            }
        },
        "security": [{"token": []}],
        "paths": {
            f"{API}/me": {"get": {"summary": "The caller", "responses": ok()}},
            f"{API}/properties": {
                "get": {"summary": "Your organisation's properties", "responses": ok()},
                "post": {
                    "summary": "Add a property",
                    "requestBody": body({"name": {"type": "string"}}, ["name"]),
                    "responses": ok("201"),
                },
            },
            f"{API}/properties/{{property_id}}": {
                "delete": {"parameters": [prop], "responses": {"204": {"description": "gone"}}}
            },
            f"{API}/properties/{{property_id}}/units": {
                "get": {"parameters": [prop], "responses": ok()},
                "post": {
                    "parameters": [prop],
                    "requestBody": body(unit_body, ["number"]),
                    "responses": ok("201"),
                },
            },
            f"{API}/properties/{{property_id}}/units/{{unit_number}}": {
                "get": {"parameters": [prop, unit], "responses": ok()},
                "patch": {
                    "parameters": [prop, unit],
                    "requestBody": body({"bedrooms": unit_body["bedrooms"]}, []),
                    "responses": ok(),
                },
                "delete": {
                    "parameters": [prop, unit],
                    "responses": {"204": {"description": "gone"}},
                },
            },
            f"{API}/leases": {
                "post": {
                    "summary": "Start a lease on a unit",
                    "requestBody": body(
                        {"unit_id": {"type": "integer"}, "rent": {"type": "number"}}, ["unit_id"]
                    ),
                    "responses": ok("201"),
                }
            },
            f"{API}/leases/{{lease_id}}": {
                "get": {"parameters": [param("lease_id")], "responses": ok()},
                "delete": {
                    "parameters": [param("lease_id")],
                    "responses": {"204": {"description": "gone"}},
                },
            },
            f"{API}/requests": {
                "get": {"summary": "Your maintenance requests", "responses": ok()},
                "post": {
                    "summary": "Report a repair",
                    "requestBody": body(
                        {"unit_id": {"type": "integer"}, "title": {"type": "string"}},
                        ["unit_id", "title"],
                    ),
                    "responses": ok("201"),
                },
            },
            f"{API}/requests/{{request_id}}": {
                "get": {"parameters": [param("request_id")], "responses": ok()},
                "patch": {
                    "summary": "Edit your maintenance request",
                    "parameters": [param("request_id")],
                    "requestBody": body({"title": {"type": "string"}}, []),
                    "responses": ok(),
                },
                "delete": {
                    "parameters": [param("request_id")],
                    "responses": {"204": {"description": "gone"}},
                },
            },
        },
    }


class Rentals:
    """The API's rows, seeded: a property of each organisation with a unit."""

    def __init__(self) -> None:
        self.ids = itertools.count(100)
        self.properties = {10: {"id": 10, "org_id": 1, "name": "Harbor Row"}}
        self.properties[20] = {"id": 20, "org_id": 2, "name": "Summit Court"}
        self.units = {
            1: {"id": 1, "property_id": 10, "number": "4B", "bedrooms": 2},
            2: {"id": 2, "property_id": 20, "number": "1A", "bedrooms": 1},
        }
        self.leases: dict[int, dict[str, Any]] = {}
        self.requests: dict[int, dict[str, Any]] = {}

    def app(self) -> Starlette:
        def me(request: Request) -> dict[str, Any] | None:
            return STAFF.get(request.headers.get("authorization", ""))

        def unit_out(unit: dict[str, Any]) -> dict[str, Any]:
            href = f"{API}/properties/{unit['property_id']}/units/{unit['number']}"
            return {**unit, "_links": {"self": {"href": href}}}

        def own_property(user: dict[str, Any], pid: int) -> dict[str, Any] | None:
            found = self.properties.get(pid)
            return found if found is not None and found["org_id"] == user["org_id"] else None

        def find_unit(user: dict[str, Any], params: Any) -> dict[str, Any] | None:
            if own_property(user, int(params["property_id"])) is None:
                return None
            return next(
                (
                    u
                    for u in self.units.values()
                    if u["property_id"] == int(params["property_id"])
                    and u["number"] == params["unit_number"]
                ),
                None,
            )

        def unit_of_org(user: dict[str, Any], unit_id: Any) -> dict[str, Any] | None:
            unit = self.units.get(unit_id) if isinstance(unit_id, int) else None
            return unit if unit and own_property(user, unit["property_id"]) else None

        def missing() -> JSONResponse:
            return JSONResponse({"code": 404, "status": "Not Found"}, 404)

        async def handle(request: Request) -> Response:
            user = me(request)
            if user is None:
                return JSONResponse({"code": 401, "status": "Unauthorized"}, 401)
            path, method = request.url.path.removeprefix(API), request.method
            params = request.path_params
            sent = await request.json() if method in {"POST", "PATCH"} else {}
            if path == "/me":
                return JSONResponse(user)
            if path == "/properties" and method == "GET":
                rows = [p for p in self.properties.values() if p["org_id"] == user["org_id"]]
                return JSONResponse({"_embedded": {"properties": rows}, "total": len(rows)})
            if path == "/properties":
                pid = next(self.ids)
                self.properties[pid] = {"id": pid, "org_id": user["org_id"], "name": sent["name"]}
                return JSONResponse(self.properties[pid], 201)
            if "unit_number" in params:
                unit = find_unit(user, params)
                if unit is None:
                    return missing()
                if method == "DELETE":
                    del self.units[unit["id"]]
                    return Response(status_code=204)
                if method == "PATCH" and isinstance(sent.get("bedrooms"), int):
                    unit["bedrooms"] = sent["bedrooms"]
                return JSONResponse(unit_out(unit))
            if path.endswith("/units"):
                prop = own_property(user, int(params["property_id"]))
                if prop is None:
                    return missing()
                if method == "GET":
                    rows = [
                        unit_out(u) for u in self.units.values() if u["property_id"] == prop["id"]
                    ]
                    return JSONResponse({"_embedded": {"units": rows}})
                if any(
                    u["property_id"] == prop["id"] and u["number"] == sent.get("number")
                    for u in self.units.values()
                ):
                    return JSONResponse({"code": 409, "status": "Conflict"}, 409)
                uid = next(self.ids)
                self.units[uid] = {
                    "id": uid,
                    "property_id": prop["id"],
                    "number": str(sent.get("number")),
                    "bedrooms": sent.get("bedrooms", 1),
                }
                return JSONResponse(unit_out(self.units[uid]), 201)
            if "property_id" in params:
                if own_property(user, int(params["property_id"])) is None:
                    return missing()
                del self.properties[int(params["property_id"])]
                return Response(status_code=204)
            if path in {"/leases", "/requests"} and method == "POST":
                if unit_of_org(user, sent.get("unit_id")) is None:
                    return JSONResponse({"code": 422, "status": "Unprocessable Entity"}, 422)
                rid = next(self.ids)
                if path == "/leases":
                    self.leases[rid] = {
                        "id": rid,
                        "unit_id": sent["unit_id"],
                        "org_id": user["org_id"],
                    }
                    return JSONResponse(self.leases[rid], 201)
                self.requests[rid] = {
                    "id": rid,
                    "unit_id": sent["unit_id"],
                    "reporter_id": user["id"],
                    "org_id": user["org_id"],
                    "title": str(sent.get("title", "")),
                }
                return JSONResponse(self.requests[rid], 201)
            if path == "/requests":
                rows = [r for r in self.requests.values() if r["reporter_id"] == user["id"]]
                return JSONResponse({"_embedded": {"requests": rows}})
            table = self.leases if "lease_id" in params else self.requests
            key = int(params.get("lease_id") or params["request_id"])
            row = table.get(key)
            # The flaw: a request is checked against the organisation, not its reporter.
            if row is None or row["org_id"] != user["org_id"]:
                return missing()
            if method == "DELETE":
                del table[key]
                return Response(status_code=204)
            if method == "PATCH" and isinstance(sent.get("title"), str):
                row["title"] = sent["title"]
            return JSONResponse(row)

        spec = _spec()
        routes = [Route("/openapi.json", lambda _: JSONResponse(spec))]
        for path, ops in spec["paths"].items():
            routes.append(Route(path, handle, methods=[m.upper() for m in ops]))
        return Starlette(routes=routes)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rentals, dict[str, Any]]:
    """The rentals API scanned once, default mode."""
    rentals = Rentals()
    with serving(rentals.app()) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path_factory.mktemp("rentals"), "--checks", "bola"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    return rentals, report


def _bola(report: dict[str, Any], fragment: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == "bola" and fragment in f["operation"]]


def test_colleagues_using_a_unit_of_their_property_is_low_and_tentative(
    scanned: tuple[Rentals, dict[str, Any]],
) -> None:
    """mia and mo writing or leasing each other's units: low, tentative, the property named."""
    _, report = scanned
    colleagues = _bola(report, "/units/") + _bola(report, "POST /api/v2/leases")
    assert colleagues, "the colleagues' writes were tried"
    for finding in colleagues:
        assert (finding["severity"], finding["confidence"]) == ("low", "tentative"), finding
        assert "belongs to property_id" in finding["detail"], finding["detail"]


def test_a_request_that_names_its_reporter_stays_high(
    scanned: tuple[Rentals, dict[str, Any]],
) -> None:
    """A colleague editing mia's maintenance request is the flaw: high."""
    _, report = scanned
    edits = _bola(report, "PATCH /api/v2/requests/{request_id}")
    assert [f["severity"] for f in edits] == ["high"], edits


def test_every_unit_the_scan_made_is_deleted_by_its_number(
    scanned: tuple[Rentals, dict[str, Any]],
) -> None:
    """Deleted at ``/units/{number}``, the self link's path: only the seeded units stay."""
    rentals, report = scanned
    assert sorted(rentals.units) == [1, 2]
    assert sorted(rentals.properties) == [10, 20]
    assert not rentals.leases
    assert not rentals.requests
    rows = [r for r in report["tables"]["target_state"] if "/units" in r["object"]]
    assert rows
    assert all(r["state"] == "deleted" for r in rows), rows
