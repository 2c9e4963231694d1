"""A coworking API written the Starlette way: organisations by ``orgSlug``, rooms by code.

acme has mara (its manager), alice and bob (members). The platform's admin, root, opens
organisations (``POST /organisations``) and manages those it opens. A manager adds rooms
(``/organisations/{orgSlug}/rooms/{room_code}``), which every member lists and books
(``POST /bookings`` naming a ``room_code``); a room's ``DELETE`` retires it (``active:
false``) and it still reads back, as the contract says. A manager issues guest passes,
answered by their ``code`` alone (no ``id``), and deletes them by it
(``/organisations/{orgSlug}/guest-passes/{pass_code}``). The organisations' listing gives
each one's ``slug``: the ``{orgSlug}`` every path takes. Errors are ``{"detail": ...}``.
"""

import itertools
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from serving import serving

PEOPLE = {
    "tok-root-50": "root",
    "tok-mara-51": "mara",
    "tok-alice-52": "alice",
    "tok-bob-53": "bob",
}
ROLES = {"root": ("admin", 3), "mara": ("manager", 2), "alice": ("member", 1), "bob": ("member", 1)}
IDENTITIES = "identities:\n" + "".join(
    f"  - {{name: {name}, role: {ROLES[name][0]}, rank: {ROLES[name][1]}, "
    f"headers: {{Authorization: Token {token}}}}}\n"
    for token, name in PEOPLE.items()
)
_SLUG = {"name": "orgSlug", "in": "path", "required": True, "schema": {"type": "string"}}
_CODE = {"name": "room_code", "in": "path", "required": True, "schema": {"type": "string"}}
_PASS = {"name": "pass_code", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _body(**properties: Any) -> dict[str, Any]:
    schema = {"type": "object", "required": list(properties), "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, *parameters: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "OK"}}}
    if parameters:
        op["parameters"] = list(parameters)
    return {**op, "requestBody": body} if body else op


TEXT = {"type": "string"}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Coworking", "version": "1"},
    "security": [{"token": []}],
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "paths": {
        "/me": {"get": _op("Who you are")},
        "/organisations": {
            "get": _op("Organisations you belong to"),
            "post": _op(
                "Open an organisation. Platform admins only.", body=_body(slug=TEXT, name=TEXT)
            ),
        },
        "/organisations/{orgSlug}": {
            "get": _op("An organisation", _SLUG),
            "delete": _op("Close an organisation. Managers only.", _SLUG),
        },
        "/organisations/{orgSlug}/rooms": {
            "get": _op("The organisation's rooms", _SLUG),
            "post": _op("Add a room. Managers only.", _SLUG, body=_body(code=TEXT, name=TEXT)),
        },
        "/organisations/{orgSlug}/rooms/{room_code}": {
            "get": _op("A room", _SLUG, _CODE),
            "delete": _op(
                "Retire a room. Managers only. Rooms are retired, not erased: a retired room "
                "still reads back with active: false.",
                _SLUG,
                _CODE,
            ),
        },
        "/organisations/{orgSlug}/guest-passes": {
            "get": _op("Guest passes issued. Managers only.", _SLUG),
            "post": _op("Issue a guest pass. Managers only.", _SLUG, body=_body(guest=TEXT)),
        },
        "/organisations/{orgSlug}/guest-passes/{pass_code}": {
            "delete": _op("Revoke a guest pass. Managers only.", _SLUG, _PASS),
        },
        "/bookings": {
            "get": _op("Your bookings"),
            "post": _op("Book a room", body=_body(room_code=TEXT, note=TEXT)),
        },
        "/bookings/{booking_id}": {
            "get": _op("One of your bookings", _ID),
            "delete": _op("Cancel one of your bookings", _ID),
        },
    },
}


class Coworking:
    """The state: ``orgs`` (slug → members by role), ``rooms``, ``passes``, ``bookings``."""

    def __init__(self) -> None:
        self.orgs: dict[str, dict[str, str]] = {
            "acme": {"mara": "manager", "alice": "member", "bob": "member"}
        }
        self.rooms: dict[str, dict[str, Any]] = {
            "R-1": {"code": "R-1", "org": "acme", "name": "Loft", "active": True}
        }
        self.passes: dict[str, dict[str, Any]] = {}
        self.bookings: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.ids = itertools.count(1)

    def seeded(self) -> tuple[Any, ...]:
        """What a scan must leave as it was (the seeded room, no pass, no booking)."""
        return ({"acme": self.orgs["acme"]}, self.passes, self.bookings)

    def app(self) -> Starlette:
        """The Starlette app over this state."""
        routes = [
            Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
            Route("/me", self._guard(self._me)),
            Route("/organisations", self._guard(self._orgs), methods=["GET", "POST"]),
            Route("/organisations/{orgSlug}", self._guard(self._org), methods=["GET", "DELETE"]),
            Route(
                "/organisations/{orgSlug}/rooms", self._guard(self._rooms), methods=["GET", "POST"]
            ),
            Route(
                "/organisations/{orgSlug}/rooms/{room_code}",
                self._guard(self._room),
                methods=["GET", "DELETE"],
            ),
            Route(
                "/organisations/{orgSlug}/guest-passes",
                self._guard(self._passes),
                methods=["GET", "POST"],
            ),
            Route(
                "/organisations/{orgSlug}/guest-passes/{pass_code}",
                self._guard(self._pass),
                methods=["DELETE"],
            ),
            Route("/bookings", self._guard(self._bookings), methods=["GET", "POST"]),
            Route(
                "/bookings/{booking_id:int}", self._guard(self._booking), methods=["GET", "DELETE"]
            ),
        ]
        return Starlette(routes=routes)

    def _guard(self, handler: Callable[[Request, str], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            self.requests.append((request.method, request.url.path))
            user = PEOPLE.get(request.headers.get("authorization", "").removeprefix("Token "))
            if user is None:
                return JSONResponse(
                    {"detail": "Authentication credentials were not provided."}, 401
                )
            try:
                body = await request.json() if request.method == "POST" else {}
            except ValueError:
                return JSONResponse({"detail": "JSON parse error"}, 400)
            request.state.body = body if isinstance(body, dict) else {}
            return await handler(request, user)

        return endpoint

    def _role(self, request: Request, user: str) -> str:
        org = self.orgs.get(request.path_params["orgSlug"], {})
        if user not in org:
            raise LookupError
        return org[user]

    async def _me(self, request: Request, user: str) -> Response:
        return JSONResponse({"username": user})

    async def _orgs(self, request: Request, user: str) -> Response:
        if request.method == "GET":
            mine = [{"slug": s, "name": s.title()} for s, m in self.orgs.items() if user in m]
            return JSONResponse(mine)
        if user != "root":
            return JSONResponse({"detail": "Platform admins only."}, 403)
        slug = str(request.state.body.get("slug", ""))
        if not slug or slug in self.orgs:
            return JSONResponse({"detail": "slug taken"}, 409)
        self.orgs[slug] = {user: "manager"}
        return JSONResponse({"slug": slug, "name": request.state.body.get("name")}, 201)

    async def _org(self, request: Request, user: str) -> Response:
        try:
            role = self._role(request, user)
        except LookupError:
            return JSONResponse({"detail": "Not found."}, 404)
        slug = request.path_params["orgSlug"]
        if request.method == "GET":
            return JSONResponse({"slug": slug, "name": slug.title()})
        if role != "manager":
            return JSONResponse({"detail": "Managers only."}, 403)
        del self.orgs[slug]
        for code in [c for c, r in self.rooms.items() if r["org"] == slug]:
            del self.rooms[code]
        return Response(status_code=204)

    async def _rooms(self, request: Request, user: str) -> Response:
        try:
            role = self._role(request, user)
        except LookupError:
            return JSONResponse({"detail": "Not found."}, 404)
        slug = request.path_params["orgSlug"]
        if request.method == "GET":
            return JSONResponse([r for r in self.rooms.values() if r["org"] == slug])
        if role != "manager":
            return JSONResponse({"detail": "Managers only."}, 403)
        code = f"R-{next(self.ids)}{secrets.token_hex(2)}"
        self.rooms[code] = {"code": code, "org": slug, "name": str(request.state.body.get("name"))}
        self.rooms[code]["active"] = True
        return JSONResponse(self.rooms[code], 201)

    async def _room(self, request: Request, user: str) -> Response:
        try:
            role = self._role(request, user)
        except LookupError:
            return JSONResponse({"detail": "Not found."}, 404)
        room = self.rooms.get(request.path_params["room_code"])
        if room is None or room["org"] != request.path_params["orgSlug"]:
            return JSONResponse({"detail": "Not found."}, 404)
        if request.method == "GET":
            return JSONResponse(room)
        if role != "manager":
            return JSONResponse({"detail": "Managers only."}, 403)
        room["active"] = False
        return Response(status_code=204)

    async def _passes(self, request: Request, user: str) -> Response:
        try:
            role = self._role(request, user)
        except LookupError:
            return JSONResponse({"detail": "Not found."}, 404)
        if role != "manager":
            return JSONResponse({"detail": "Managers only."}, 403)
        slug = request.path_params["orgSlug"]
        if request.method == "GET":
            return JSONResponse([p for p in self.passes.values() if p["org"] == slug])
        code = f"GP-{secrets.token_hex(4).upper()}"
        self.passes[code] = {"code": code, "org": slug, "guest": request.state.body.get("guest")}
        return JSONResponse(self.passes[code], 201)

    async def _pass(self, request: Request, user: str) -> Response:
        try:
            role = self._role(request, user)
        except LookupError:
            return JSONResponse({"detail": "Not found."}, 404)
        found = self.passes.get(request.path_params["pass_code"])
        if found is None or found["org"] != request.path_params["orgSlug"]:
            return JSONResponse({"detail": "Not found."}, 404)
        if role != "manager":
            return JSONResponse({"detail": "Managers only."}, 403)
        del self.passes[found["code"]]
        return Response(status_code=204)

    async def _bookings(self, request: Request, user: str) -> Response:
        if request.method == "GET":
            return JSONResponse([b for b in self.bookings.values() if b["member"] == user])
        room = self.rooms.get(str(request.state.body.get("room_code")))
        if room is None or user not in self.orgs.get(room["org"], {}) or not room["active"]:
            return JSONResponse({"detail": "No such room."}, 400)
        booking = {"id": next(self.ids), "member": user, "room_code": room["code"]}
        self.bookings[booking["id"]] = {**booking, "note": request.state.body.get("note")}
        return JSONResponse(self.bookings[booking["id"]], 201)

    async def _booking(self, request: Request, user: str) -> Response:
        booking = self.bookings.get(request.path_params["booking_id"])
        if booking is None or booking["member"] != user:
            return JSONResponse({"detail": "Not found."}, 404)
        if request.method == "GET":
            return JSONResponse(booking)
        del self.bookings[booking["id"]]
        return Response(status_code=204)


@contextmanager
def running(cowork: Coworking) -> Iterator[str]:
    """Serve ``cowork`` on 127.0.0.1; yields its URL."""
    with serving(cowork.app()) as url:
        yield url
