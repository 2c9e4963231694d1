"""bfla on an owner's own record: an owner check is not a role rule.

A trips API written the Falcon way: travellers edit their own trips, an agent (ranked
above them) reads everyone's. Nothing is a BFLA: each 403 the contract documents
guards another traveller's trip. ``PATCH /trips/{id}`` documents a bare 403 (a hint
only) and changes a trip's note; ``PUT /trips/{id}/itinerary`` documents 403 "Not your
trip" where its GET documents none, which reads like a role rule until its description
is read.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import falcon
import falcon.asgi
from ownership_support import key, scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla

KEYS = {"key-mia": "mia", "key-noah": "noah", "key-ola": "ola"}
AGENTS = {"ola"}
SEED = {
    "1": {"owner": "mia", "note": "window seat", "nights": 3, "hotel": "Seaview", "seats": 1},
    "2": {"owner": "noah", "note": "vegetarian", "nights": 5, "hotel": "Hilltop", "seats": 2},
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _json(properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    return {"content": {"application/json": {"schema": schema}}}


_TRIP = _json(
    {
        "id": {"type": "string"},
        "owner": {"type": "string"},
        "note": {"type": "string"},
        "nights": {"type": "integer"},
    }
)
_PLAN = _json({"hotel": {"type": "string"}, "seats": {"type": "integer"}})
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "trips", "version": "1"},
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    },
    "security": [{"key": []}],
    "paths": {
        "/trips": {"get": {"responses": {"200": {"description": "yours", **_TRIP}}}},
        "/trips/{id}": {
            "parameters": _ID,
            "get": {
                "responses": {
                    "200": {"description": "a trip", **_TRIP},
                    "403": {"description": "Forbidden"},
                }
            },
            "patch": {
                "requestBody": _json({"note": {"type": "string"}, "nights": {"type": "integer"}}),
                "responses": {
                    "200": {"description": "changed", **_TRIP},
                    "403": {"description": "Forbidden"},
                    "404": {"description": "no such trip"},
                },
            },
        },
        "/trips/{id}/itinerary": {
            "parameters": _ID,
            "get": {"responses": {"200": {"description": "the plan", **_PLAN}}},
            "put": {
                "requestBody": _PLAN,
                "responses": {
                    "200": {"description": "changed", **_PLAN},
                    "403": {"description": "Not your trip"},
                    "404": {"description": "no such trip"},
                },
            },
        },
    },
}


class _Trips:
    """State and responders; every trip is its owner's, and an agent's to read."""

    def __init__(self) -> None:
        self.trips = copy.deepcopy(SEED)

    def _trip(self, req: falcon.Request, trip_id: str, *, write: bool) -> dict[str, Any]:
        who = KEYS.get(req.get_header("X-API-Key") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="no key")
        trip = self.trips.get(trip_id)
        if trip is None:
            raise falcon.HTTPNotFound()
        if trip["owner"] != who and (write or who not in AGENTS):
            raise falcon.HTTPForbidden(description="not your trip")
        return trip


class _List:
    def __init__(self, trips: _Trips) -> None:
        self.trips = trips

    async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = KEYS.get(req.get_header("X-API-Key") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="no key")
        mine = [{"id": k, **t} for k, t in self.trips.trips.items() if t["owner"] == who]
        resp.media = [{k: t[k] for k in ("id", "owner", "note", "nights")} for t in mine]


class _Trip:
    def __init__(self, trips: _Trips) -> None:
        self.trips = trips

    def _out(self, trip_id: str, trip: dict[str, Any]) -> dict[str, Any]:
        return {k: trip[k] for k in ("owner", "note", "nights")} | {"id": trip_id}

    async def on_get(self, req: falcon.Request, resp: falcon.Response, trip_id: str) -> None:
        resp.media = self._out(trip_id, self.trips._trip(req, trip_id, write=False))

    async def on_patch(self, req: falcon.Request, resp: falcon.Response, trip_id: str) -> None:
        trip = self.trips._trip(req, trip_id, write=True)
        body = await req.get_media(default_when_empty={})
        for name, kind in (("note", str), ("nights", int)):
            if isinstance(body, dict) and isinstance(body.get(name), kind):
                trip[name] = body[name]
        resp.media = self._out(trip_id, trip)


class _Itinerary:
    def __init__(self, trips: _Trips) -> None:
        self.trips = trips

    async def on_get(self, req: falcon.Request, resp: falcon.Response, trip_id: str) -> None:
        trip = self.trips._trip(req, trip_id, write=False)
        resp.media = {"hotel": trip["hotel"], "seats": trip["seats"]}

    async def on_put(self, req: falcon.Request, resp: falcon.Response, trip_id: str) -> None:
        trip = self.trips._trip(req, trip_id, write=True)
        body = await req.get_media(default_when_empty={})
        for name, kind in (("hotel", str), ("seats", int)):
            if isinstance(body, dict) and isinstance(body.get(name), kind):
                trip[name] = body[name]
        resp.media = {"hotel": trip["hotel"], "seats": trip["seats"]}


class _Contract:
    async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = CONTRACT


def _app() -> falcon.asgi.App:
    trips = _Trips()
    app = falcon.asgi.App()
    app.add_route("/openapi.json", _Contract())
    app.add_route("/trips", _List(trips))
    app.add_route("/trips/{trip_id}", _Trip(trips))
    app.add_route("/trips/{trip_id}/itinerary", _Itinerary(trips))
    return app


def _people() -> tuple[Identity, ...]:
    """Two travellers and an agent ranked above them."""
    ola = key("ola", "agent")
    agent = Identity(name=ola.name, role=ola.role, headers=ola.headers, rank=10)
    return (key("mia", "traveller"), key("noah", "traveller"), agent)


def test_an_owner_editing_its_own_trip_is_no_bfla(serve: Callable[[Any], Any]) -> None:
    """Travellers changing their own trips' ordinary fields raise nothing above low."""
    server = serve(_app())
    results = scan_app(server.url, Bfla(), _people())
    assert results.errors == []
    loud = [
        (f.operation, f.severity, f.detail) for f in results.findings if f.severity > Severity.LOW
    ]
    assert loud == []


def test_a_documented_403_that_guards_owners_is_not_a_role_signal(
    serve: Callable[[Any], Any],
) -> None:
    """'Not your trip' is an owner check: the itinerary is not an operation of the agent."""
    server = serve(_app())
    results = scan_app(server.url, Bfla(), _people())
    assert [f.operation for f in results.findings if "itinerary" in (f.operation or "")] == []
