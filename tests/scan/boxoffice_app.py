"""A box-office API of two tenants, written the Starlette way with NestJS-style answers.

Two organisations (UUIDs), each with one owner: nora runs North Hall, sam runs South
Stage. Errors are Nest's defaults (``{"statusCode": 403, "message": "Forbidden resource",
"error": "Forbidden"}``), creations answer 201. Everything a tenant has sits under its
organisation (``/v1/orgs/{orgId}/venues/{venueId}``, ``/v1/orgs/{orgId}/events/{eventId}``),
and a guard lets a caller through only to its own organisation. The public catalogue
(``GET /v1/shows``) names both organisations' ids, North's first; the membership reads
(``GET /v1/orgs``, ``GET /v1/users/me``) answer a little later, as a database lookup does.
An event is created at the top (``POST /v1/events``) with its ``orgId`` and a unique
``slug`` in the body, shown to anyone by its slug (``GET /v1/events/{slug}``), and read and
deleted by its id under its organisation only: the contract has no ``DELETE
/v1/events/{slug}``.

``Boxoffice(flawed=True)``, the usual real-world mistakes behind a correct guard:

* a venue update and a venue delete load the venue by ``venueId`` alone, so a member
  of South changes or deletes North's venue under South's own path;
* an event is created in whatever organisation the body names.

``flawed=False`` is the fixed twin: the venue is looked up in the path's organisation,
and an event only in the caller's own.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

NORTH = "a0a0a0a0-0000-4000-8000-00000000000a"
SOUTH = "b0b0b0b0-0000-4000-8000-00000000000b"
TOKENS = {"Bearer bx-nora": "nora", "Bearer bx-sam": "sam"}
USERS = {
    "nora": {"id": "f0000000-0000-4000-8000-000000000001", "email": "nora@north.test",
             "role": "owner", "orgId": NORTH},
    "sam": {"id": "f0000000-0000-4000-8000-000000000002", "email": "sam@south.test",
            "role": "owner", "orgId": SOUTH},
}  # fmt: skip
IDENTITIES = """\
identities:
  - {name: nora, role: owner, headers: {Authorization: Bearer bx-nora}}
  - {name: sam, role: owner, headers: {Authorization: Bearer bx-sam}}
"""
VENUES = "/v1/orgs/{orgId}/venues/{venueId}"
EVENTS = "/v1/events"
_SLOW = 0.2
"""Seconds a membership read takes: the catalogue, cached, has answered by then."""

_UUID = {"type": "string", "format": "uuid"}
_VENUE_IN = {
    "type": "object",
    "required": ["name", "capacity"],
    "properties": {"name": {"type": "string"}, "capacity": {"type": "integer", "minimum": 1}},
}
_VENUE_PATCH = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "capacity": {"type": "integer", "minimum": 1}},
}
_EVENT_IN = {
    "type": "object",
    "required": ["orgId", "title", "slug"],
    "properties": {
        "orgId": {**_UUID, "description": "Organisation that runs the event"},
        "title": {"type": "string"},
        "slug": {"type": "string", "description": "Unique, for the event's public page"},
    },
}


def _param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_OK = {"200": {"description": "OK"}}
_MADE = {"201": {"description": "Created"}}
SPEC: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "Boxoffice", "version": "1.0"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/v1/shows": {"get": {"summary": "Public catalogue", "security": [], "responses": _OK}},
        "/v1/users/me": {"get": {"summary": "Current user", "responses": _OK}},
        "/v1/orgs": {"get": {"summary": "Organisations I belong to", "responses": _OK}},
        "/v1/orgs/{orgId}/venues": {
            "parameters": [_param("orgId")],
            "get": {"summary": "List the organisation's venues", "responses": _OK},
            "post": {"summary": "Add a venue", "requestBody": _json(_VENUE_IN), "responses": _MADE},
        },
        VENUES: {
            "parameters": [_param("orgId"), _param("venueId")],
            "get": {"summary": "Get a venue", "responses": _OK},
            "patch": {
                "summary": "Update a venue",
                "requestBody": _json(_VENUE_PATCH),
                "responses": _OK,
            },
            "delete": {"summary": "Delete a venue", "responses": _OK},
        },
        EVENTS: {
            "post": {
                "summary": "Create an event for an organisation",
                "requestBody": _json(_EVENT_IN),
                "responses": _MADE,
            }
        },
        "/v1/events/{slug}": {
            "parameters": [_param("slug")],
            "get": {"summary": "Event page", "security": [], "responses": _OK},
        },
        "/v1/orgs/{orgId}/events": {
            "parameters": [_param("orgId")],
            "get": {"summary": "The organisation's events", "responses": _OK},
        },
        "/v1/orgs/{orgId}/events/{eventId}": {
            "parameters": [_param("orgId"), _param("eventId")],
            "get": {"summary": "Get an event", "responses": _OK},
            "delete": {"summary": "Delete an event", "responses": _OK},
        },
    },
}


def _error(status: int, message: str, error: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message, "error": error}, status)


_FORBIDDEN = (403, "Forbidden resource", "Forbidden")
_UNAUTHORIZED = (401, "Unauthorized", "Unauthorized")


class Boxoffice:
    """Venues and events of two organisations; ``log`` holds every request as
    ``(user, method, path, status)``."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.venues: dict[str, dict[str, Any]] = {
            "c0000000-0000-4000-8000-0000000000a1": {"orgId": NORTH, "name": "North Hall",
                                                     "capacity": 800},
            "c0000000-0000-4000-8000-0000000000b1": {"orgId": SOUTH, "name": "South Stage",
                                                     "capacity": 300},
        }  # fmt: skip
        self.events: dict[str, dict[str, Any]] = {
            "e0000000-0000-4000-8000-0000000000a1": {"orgId": NORTH, "title": "Spring Gala",
                                                     "slug": "spring-gala"},
            "e0000000-0000-4000-8000-0000000000b1": {"orgId": SOUTH, "title": "Jazz Night",
                                                     "slug": "jazz-night"},
        }  # fmt: skip
        self.seeded = copy.deepcopy((self.venues, self.events))
        self.log: list[tuple[str, str, str, int]] = []
        self.app = Starlette(
            routes=[
                Route("/openapi.json", self.contract),
                Route("/v1/shows", self.shows),
                Route("/v1/users/me", self.me),
                Route("/v1/orgs", self.orgs),
                Route("/v1/orgs/{org}/venues", self.venue_list, methods=["GET", "POST"]),
                Route(
                    "/v1/orgs/{org}/venues/{key}", self.venue, methods=["GET", "PATCH", "DELETE"]
                ),
                Route("/v1/events", self.create_event, methods=["POST"]),
                Route("/v1/events/{slug}", self.event_page),
                Route("/v1/orgs/{org}/events", self.event_list),
                Route("/v1/orgs/{org}/events/{key}", self.event, methods=["GET", "DELETE"]),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    async def contract(self, request: Request) -> Response:
        return JSONResponse(SPEC)

    async def shows(self, request: Request) -> Response:
        rows = [{"id": k, **e} for k, e in sorted(self.events.items()) if e["orgId"] == NORTH]
        rows += [{"id": k, **e} for k, e in sorted(self.events.items()) if e["orgId"] != NORTH]
        return JSONResponse({"data": rows, "meta": {"total": len(rows)}})

    async def me(self, request: Request) -> Response:
        who = self._who(request)
        if who is None:
            return _error(*_UNAUTHORIZED)
        await asyncio.sleep(_SLOW)
        return JSONResponse(USERS[who])

    async def orgs(self, request: Request) -> Response:
        who = self._who(request)
        if who is None:
            return _error(*_UNAUTHORIZED)
        await asyncio.sleep(_SLOW)
        org = USERS[who]["orgId"]
        name = "North Hall Ltd" if org == NORTH else "South Stage Ltd"
        return JSONResponse({"data": [{"id": org, "name": name}], "meta": {"total": 1}})

    async def venue_list(self, request: Request) -> Response:
        org = request.path_params["org"]
        refused = self._guard(request, org)
        if refused is not None:
            return self._logged(request, refused)
        if request.method == "GET":
            rows = [{"id": k, **v} for k, v in self.venues.items() if v["orgId"] == org]
            return self._logged(request, JSONResponse({"data": rows}))
        body = await request.json()
        if not isinstance(body.get("name"), str) or not isinstance(body.get("capacity"), int):
            return self._logged(
                request, _error(400, "name and capacity are required", "Bad Request")
            )
        key = str(uuid.uuid4())
        self.venues[key] = {"orgId": org, "name": body["name"], "capacity": body["capacity"]}
        return self._logged(request, JSONResponse({"id": key, **self.venues[key]}, 201))

    async def venue(self, request: Request) -> Response:
        org, key = request.path_params["org"], request.path_params["key"]
        refused = self._guard(request, org)
        if refused is not None:
            return self._logged(request, refused)
        found = self.venues.get(key)
        loose = self.flawed and request.method != "GET"  # the write takes the id alone
        if found is None or not (loose or found["orgId"] == org):
            return self._logged(request, _error(404, "Venue not found", "Not Found"))
        if request.method == "DELETE":
            del self.venues[key]
            return self._logged(request, JSONResponse({"deleted": True, "id": key}))
        if request.method == "PATCH":
            body = await request.json()
            found.update({k: v for k, v in body.items() if k in ("name", "capacity")})
        return self._logged(request, JSONResponse({"id": key, **found}))

    async def create_event(self, request: Request) -> Response:
        who = self._who(request)
        if who is None:
            return _error(*_UNAUTHORIZED)
        body = await request.json()
        org, title, slug = body.get("orgId"), body.get("title"), body.get("slug")
        if org not in (NORTH, SOUTH) or not isinstance(title, str) or not isinstance(slug, str):
            message = "orgId, title and slug are required"
            return self._logged(request, _error(400, message, "Bad Request"))
        if not self.flawed and org != USERS[who]["orgId"]:
            return self._logged(request, _error(*_FORBIDDEN))
        if any(e["slug"] == slug for e in self.events.values()):
            return self._logged(request, _error(409, "Slug already taken", "Conflict"))
        key = str(uuid.uuid4())
        self.events[key] = {"orgId": org, "title": title, "slug": slug}
        return self._logged(request, JSONResponse({"id": key, **self.events[key]}, 201))

    async def event_page(self, request: Request) -> Response:
        slug = request.path_params["slug"]
        found = next(({"id": k, **e} for k, e in self.events.items() if e["slug"] == slug), None)
        return JSONResponse(found) if found else _error(404, "Event not found", "Not Found")

    async def event_list(self, request: Request) -> Response:
        org = request.path_params["org"]
        refused = self._guard(request, org)
        if refused is not None:
            return refused
        rows = [{"id": k, **e} for k, e in self.events.items() if e["orgId"] == org]
        return JSONResponse({"data": rows})

    async def event(self, request: Request) -> Response:
        org, key = request.path_params["org"], request.path_params["key"]
        refused = self._guard(request, org)
        if refused is not None:
            return self._logged(request, refused)
        found = self.events.get(key)
        if found is None or found["orgId"] != org:
            return self._logged(request, _error(404, "Event not found", "Not Found"))
        if request.method == "DELETE":
            del self.events[key]
            return self._logged(request, JSONResponse({"deleted": True, "id": key}))
        return self._logged(request, JSONResponse({"id": key, **found}))

    def _who(self, request: Request) -> str | None:
        return TOKENS.get(request.headers.get("authorization", ""))

    def _guard(self, request: Request, org: str) -> Response | None:
        """Nest's guard: signed in, and a member of the path's organisation."""
        who = self._who(request)
        if who is None:
            return _error(*_UNAUTHORIZED)
        return None if USERS[who]["orgId"] == org else _error(*_FORBIDDEN)

    def _logged(self, request: Request, response: Response) -> Response:
        who = self._who(request) or ""
        self.log.append((who, request.method, request.url.path, response.status_code))
        return response
