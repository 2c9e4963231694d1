"""A multi-tenant helpdesk written the Fastify way, in Starlette.

``X-API-Key`` per user; users belong to an org and are ``customer`` or ``agent``; UUIDs
everywhere, checked as Fastify's route schemas check them (``params/ticketId must match
format "uuid"``, 400); Fastify's error shape ``{"statusCode", "error", "message"}``; 201 on
create, 204 on delete. Tickets live under their org (``/orgs/{orgId}/tickets/{ticketId}``):
a customer sees its own, an agent all of its org's; only agents delete or close one.

``flawed=True`` plants the Fastify trial's F5: ``POST .../assign`` ("agents only") checks
only that the caller sees the ticket, so a customer assigns its own ticket to any agent.
:meth:`Helpdesk.changed` lists what differs from the seed.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACME, GLOBEX = "0a1c0000-4b5e-4c6d-8e9f-000000000001", "0a1c0000-4b5e-4c6d-8e9f-000000000002"
USERS: dict[str, dict[str, Any]] = {
    "ad1e0000-1111-4aaa-8bbb-000000000001": {"name": "alice", "org": ACME, "role": "customer"},
    "ad1e0000-1111-4aaa-8bbb-000000000002": {"name": "carol", "org": ACME, "role": "customer"},
    "ad1e0000-1111-4aaa-8bbb-000000000003": {"name": "dave", "org": ACME, "role": "agent"},
    "ad1e0000-1111-4aaa-8bbb-000000000004": {"name": "bob", "org": GLOBEX, "role": "customer"},
    "ad1e0000-1111-4aaa-8bbb-000000000005": {"name": "erin", "org": GLOBEX, "role": "agent"},
}
KEYS = {f"hk_{u['name']}_7f3a": uid for uid, u in USERS.items()}
TICKETS: dict[str, dict[str, Any]] = {
    "7a1e1001-0000-4c00-8a00-000000001001": {
        "org": ACME, "requester": "ad1e0000-1111-4aaa-8bbb-000000000001",
        "title": "Printer on fire", "status": "open", "assigneeId": None,
    },
    "7a1e1001-0000-4c00-8a00-000000001002": {
        "org": ACME, "requester": "ad1e0000-1111-4aaa-8bbb-000000000002",
        "title": "VPN drops", "status": "open", "assigneeId": None,
    },
    "7a1e1001-0000-4c00-8a00-000000001003": {
        "org": GLOBEX, "requester": "ad1e0000-1111-4aaa-8bbb-000000000004",
        "title": "Invoice missing", "status": "open", "assigneeId": None,
    },
}  # fmt: skip
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
JSON = "application/json"


def _ids(*names: str) -> list[dict[str, Any]]:
    uid = {"type": "string", "format": "uuid"}
    return [{"name": n, "in": "path", "required": True, "schema": uid} for n in names]


def _answer(status: str, schema: dict[str, Any], text: str = "ok") -> dict[str, Any]:
    return {status: {"description": text, "content": {JSON: {"schema": schema}}}}


def contract() -> dict[str, Any]:
    """The contract as ``@fastify/swagger`` writes it from the route schemas."""
    ticket = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "orgId": {"type": "string", "format": "uuid"},
            "requesterId": {"type": "string", "format": "uuid"},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "pending", "closed"]},
            "assigneeId": {"type": ["string", "null"], "format": "uuid"},
        },
    }
    user = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string"},
            "role": {"type": "string", "enum": ["customer", "agent"]},
            "orgId": {"type": "string", "format": "uuid"},
        },
    }
    error = {"type": "object", "properties": {"statusCode": {"type": "integer"}, "error": {"type": "string"}, "message": {"type": "string"}}}  # fmt: skip
    refused = {"403": {"description": "Forbidden", "content": {JSON: {"schema": error}}}}
    new = {"type": "object", "required": ["title"], "additionalProperties": False,
           "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200}}}  # fmt: skip
    assign = {"type": "object", "required": ["assigneeId"],
              "properties": {"assigneeId": {"type": "string", "format": "uuid"}}}  # fmt: skip
    item = "/orgs/{orgId}/tickets/{ticketId}"
    return {
        "openapi": "3.0.3",
        "info": {"title": "helpdesk", "version": "1.0.0"},
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/me": {"get": {"summary": "Current user", "responses": _answer("200", user)}},
            "/orgs/{orgId}/users": {
                "get": {
                    "summary": "List members of an org",
                    "parameters": _ids("orgId"),
                    "responses": _answer("200", {"type": "array", "items": user}),
                }
            },
            "/orgs/{orgId}/tickets": {
                "get": {
                    "summary": "List tickets (customers see their own, agents all of the org)",
                    "parameters": _ids("orgId"),
                    "responses": _answer("200", {"type": "array", "items": ticket}),
                },
                "post": {
                    "summary": "Open a ticket",
                    "parameters": _ids("orgId"),
                    "requestBody": {"required": True, "content": {JSON: {"schema": new}}},
                    "responses": _answer("201", ticket, "Created"),
                },
            },
            item: {
                "get": {
                    "summary": "Get a ticket",
                    "parameters": _ids("orgId", "ticketId"),
                    "responses": _answer("200", ticket),
                },
                "patch": {
                    "summary": "Edit a ticket",
                    "parameters": _ids("orgId", "ticketId"),
                    "requestBody": {"required": True, "content": {JSON: {"schema": new}}},
                    "responses": _answer("200", ticket),
                },
                "delete": {
                    "summary": "Delete a ticket (agents only)",
                    "parameters": _ids("orgId", "ticketId"),
                    "responses": {"204": {"description": "No Content"}, **refused},
                },
            },
            f"{item}/assign": {
                "post": {
                    "summary": "Assign a ticket to an agent (agents only)",
                    "parameters": _ids("orgId", "ticketId"),
                    "requestBody": {"required": True, "content": {JSON: {"schema": assign}}},
                    "responses": {**_answer("200", ticket), **refused},
                }
            },
        },
    }


class Helpdesk:
    """The helpdesk's state and its ASGI app."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.tickets = copy.deepcopy(TICKETS)
        self.assigned_by: list[str] = []

    def changed(self) -> list[str]:
        """Seeded tickets that differ from the seed, and tickets that were not there."""
        rows = [f"{k}: {v}" for k, v in self.tickets.items() if TICKETS.get(k) not in (None, v)]
        return rows + [f"{k} left" for k in self.tickets if k not in TICKETS]

    def app(self) -> Starlette:
        """The helpdesk as an ASGI app."""

        def fail(status: int, message: str) -> Response:
            names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
            body = {"statusCode": status, "error": names[status], "message": message}
            return JSONResponse(body, status_code=status)

        def caller(request: Request) -> str | Response:
            uid = KEYS.get(request.headers.get("x-api-key", ""))
            return uid if uid is not None else fail(401, "Missing or invalid API key")

        def params(request: Request) -> Response | None:
            for name, value in request.path_params.items():
                if not _UUID.match(str(value)):
                    return fail(400, f'params/{name} must match format "uuid"')
            return None

        def shown(key: str) -> dict[str, Any]:
            t = self.tickets[key]
            return {"id": key, "orgId": t["org"], "requesterId": t["requester"],
                    "title": t["title"], "status": t["status"], "assigneeId": t["assigneeId"]}  # fmt: skip

        def visible(uid: str, org: str, key: str) -> bool:
            t, me = self.tickets.get(key), USERS[uid]
            if t is None or t["org"] != org or me["org"] != org:
                return False
            return me["role"] == "agent" or t["requester"] == uid

        async def body(request: Request) -> Any:
            try:
                return await request.json()
            except ValueError:
                return None  # Fastify answers 400 for a body it cannot parse

        async def spec(request: Request) -> Response:
            return JSONResponse(contract())

        async def me(request: Request) -> Response:
            uid = caller(request)
            if isinstance(uid, Response):
                return uid
            u = USERS[uid]
            return JSONResponse(
                {"id": uid, "name": u["name"], "role": u["role"], "orgId": u["org"]}
            )

        async def members(request: Request) -> Response:
            uid = caller(request)
            if isinstance(uid, Response):
                return uid
            bad, org = params(request), request.path_params["orgId"]
            if bad is not None:
                return bad
            if USERS[uid]["org"] != org:
                return fail(404, "Org not found")
            rows = [{"id": k, "name": u["name"], "role": u["role"], "orgId": u["org"]}
                    for k, u in USERS.items() if u["org"] == org]  # fmt: skip
            return JSONResponse(rows)

        async def tickets(request: Request) -> Response:
            uid = caller(request)
            if isinstance(uid, Response):
                return uid
            bad, org = params(request), request.path_params["orgId"]
            if bad is not None:
                return bad
            if USERS[uid]["org"] != org:
                return fail(404, "Org not found")
            if request.method == "GET":
                return JSONResponse([shown(k) for k in self.tickets if visible(uid, org, k)])
            given = await body(request)
            title = given.get("title") if isinstance(given, dict) else None
            if not isinstance(title, str) or not 1 <= len(title) <= 200:
                return fail(400, "body must have required property 'title'")
            key = str(uuid.uuid4())
            self.tickets[key] = {"org": org, "requester": uid, "title": title,
                                 "status": "open", "assigneeId": None}  # fmt: skip
            return JSONResponse(shown(key), status_code=201)

        async def ticket(request: Request) -> Response:
            uid = caller(request)
            if isinstance(uid, Response):
                return uid
            bad = params(request)
            if bad is not None:
                return bad
            org, key = request.path_params["orgId"], request.path_params["ticketId"]
            if not visible(uid, org, key):
                return fail(404, "Ticket not found")
            if request.method == "GET":
                return JSONResponse(shown(key))
            if request.method == "PATCH":
                given = await body(request)
                title = given.get("title") if isinstance(given, dict) else None
                if not isinstance(title, str) or not 1 <= len(title) <= 200:
                    return fail(400, "body/title must NOT have fewer than 1 characters")
                self.tickets[key]["title"] = title
                return JSONResponse(shown(key))
            if USERS[uid]["role"] != "agent":
                return fail(403, "Only agents can delete tickets")
            del self.tickets[key]
            return Response(status_code=204)

        async def assign(request: Request) -> Response:
            uid = caller(request)
            if isinstance(uid, Response):
                return uid
            bad = params(request)
            if bad is not None:
                return bad
            org, key = request.path_params["orgId"], request.path_params["ticketId"]
            if not visible(uid, org, key):
                return fail(404, "Ticket not found")
            if not self.flawed and USERS[uid]["role"] != "agent":
                return fail(403, "Only agents can assign tickets")
            given = await body(request)
            agent = given.get("assigneeId") if isinstance(given, dict) else None
            chosen = USERS.get(str(agent))
            if chosen is None or chosen["role"] != "agent" or chosen["org"] != org:
                return fail(400, "assigneeId must be an agent of this org")
            self.tickets[key].update(assigneeId=agent, status="pending")
            self.assigned_by.append(USERS[uid]["name"])
            return JSONResponse(shown(key))

        return Starlette(
            routes=[
                Route("/openapi.json", spec),
                Route("/me", me),
                Route("/orgs/{orgId}/users", members),
                Route("/orgs/{orgId}/tickets", tickets, methods=["GET", "POST"]),
                Route(
                    "/orgs/{orgId}/tickets/{ticketId}", ticket, methods=["GET", "PATCH", "DELETE"]
                ),
                Route("/orgs/{orgId}/tickets/{ticketId}/assign", assign, methods=["POST"]),
            ]
        )


IDENTITIES = "identities:\n" + "".join(
    f"  - name: {u['name']}\n    role: {u['role']}\n    rank: {5 if u['role'] == 'agent' else 1}\n"
    f"    headers: {{X-API-Key: hk_{u['name']}_7f3a}}\n"
    for u in USERS.values()
)
