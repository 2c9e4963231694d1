"""A bouldering club's API written the Django REST framework way, on Flask.

DRF's habits: trailing slashes, ``Authorization: Token …``, paginated listings
(``{"count", "next", "previous", "results"}``), errors as ``{"detail": "…"}``. Members are
addressed by handle (``/api/v1/members/{handle}/``) and carry a member number.

Members list their own wall bookings (``GET /api/v1/bookings/``, each row holding the
member's ``member_no``) and their own gear rentals (``GET /api/v1/rentals/``, each row
holding the member's handle as ``renter``). The desk staff see everyone's and filter them
by person: ``?member=M-1042`` and ``?renter=tove``, documented "Staff only". Bookings also
filter by ``?wall=``, a property: a wall's schedule, every member's bookings on it, open to
all by design; every booking of tove's happens to be on her home wall, every one of uli's
on his.

``staff_filters_for_all=True`` is the flawed twin: both person filters are honoured for
members too, so one member lists another's bookings and rentals. The fixed twin ignores
``?member=`` for members (they get their own rows) and refuses ``?renter=`` to them
(403). The club remembers every wall it was asked about (``Club.walls``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from apiward.scan import Identity

MEMBERS = {
    "tove": {"member_no": "M-1042", "display_name": "Tove Lind", "home_wall": "north-cave"},
    "uli": {"member_no": "M-1077", "display_name": "Uli Brandt", "home_wall": "south-slab"},
    "wren": {"member_no": "M-1101", "display_name": "Wren Okafor", "home_wall": "north-cave"},
    "desk": {"member_no": "S-0001", "display_name": "Front desk", "home_wall": ""},
}
STAFF = frozenset({"desk"})
TOKENS = {f"Token club-{handle}": handle for handle in ("tove", "uli", "desk")}
IDENTITIES = tuple(
    Identity(name=handle, role="staff" if handle in STAFF else "member", headers={
        "Authorization": token})
    for token, handle in TOKENS.items()
)  # fmt: skip
BOOKINGS = [
    {"id": 1, "member_no": "M-1042", "wall": "north-cave", "starts": "2026-03-02T18:00"},
    {"id": 2, "member_no": "M-1042", "wall": "north-cave", "starts": "2026-03-09T18:00"},
    {"id": 3, "member_no": "M-1077", "wall": "south-slab", "starts": "2026-03-03T07:30"},
    {"id": 4, "member_no": "M-1077", "wall": "south-slab", "starts": "2026-03-05T07:30"},
    {"id": 5, "member_no": "M-1101", "wall": "north-cave", "starts": "2026-03-04T19:00"},
]
RENTALS = [
    {"id": 21, "renter": "tove", "item": "shoes EU 39", "deposit": 20, "due": "2026-03-02"},
    {"id": 22, "renter": "uli", "item": "harness M", "deposit": 35, "due": "2026-03-03"},
    {"id": 23, "renter": "uli", "item": "chalk bag", "deposit": 5, "due": "2026-03-06"},
    {"id": 24, "renter": "wren", "item": "shoes EU 44", "deposit": 20, "due": "2026-03-04"},
]


def _page(schema: dict[str, Any]) -> dict[str, Any]:
    page = {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "next": {"type": "string", "nullable": True},
            "previous": {"type": "string", "nullable": True},
            "results": {"type": "array", "items": schema},
        },
    }
    return {"200": {"description": "", "content": {"application/json": {"schema": page}}}}


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": {"type": "string"}}


_MEMBER = {
    "type": "object",
    "properties": {
        "handle": {"type": "string"},
        "member_no": {"type": "string"},
        "display_name": {"type": "string"},
        "home_wall": {"type": "string"},
    },
}
_ROW = {"type": "object", "additionalProperties": True}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Boulder club", "version": "1.0.0"},
    "components": {"securitySchemes": {"tokenAuth": {"type": "apiKey", "in": "header",
                                                     "name": "Authorization"}}},
    "security": [{"tokenAuth": []}],
    "paths": {
        "/api/v1/me/": {"get": {"operationId": "me_retrieve", "responses": {"200": {
            "description": "", "content": {"application/json": {"schema": _MEMBER}}}}}},
        "/api/v1/members/{handle}/": {"get": {
            "operationId": "members_retrieve",
            "parameters": [{"name": "handle", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "", "content": {"application/json": {
                "schema": _MEMBER}}}, "404": {"description": "Not found."}}}},
        "/api/v1/bookings/": {"get": {
            "operationId": "bookings_list",
            "description": "The caller's wall bookings; staff see every member's.",
            "parameters": [
                _query("member", "Staff only: bookings of the member with this number."),
                _query("wall", "The schedule of this wall: every booking on it."),
            ],
            "responses": _page(_ROW)}},
        "/api/v1/rentals/": {"get": {
            "operationId": "rentals_list",
            "description": "The caller's gear rentals; staff see every member's.",
            "parameters": [_query("renter", "Staff only: rentals of the member with this handle.")],
            "responses": {**_page(_ROW), "403": {"description": "Forbidden."}}}},
    },
}  # fmt: skip


class Club:
    """One instance of the club; ``staff_filters_for_all`` honours the staff filters for members."""

    def __init__(self, *, staff_filters_for_all: bool) -> None:
        self.open = staff_filters_for_all
        self.walls: list[str] = []
        self.app = self._build()

    def _build(self) -> Flask:
        app = Flask("club")

        def caller() -> str | None:
            return TOKENS.get(request.headers.get("Authorization", ""))

        def denied(status: int, detail: str) -> Any:
            return jsonify(detail=detail), status

        def page(rows: list[dict[str, Any]]) -> Any:
            return jsonify(count=len(rows), next=None, previous=None, results=rows)

        @app.get("/openapi.json")
        def spec() -> Any:
            return jsonify(SPEC)

        @app.get("/api/v1/me/")
        def me() -> Any:
            handle = caller()
            if handle is None:
                return denied(401, "Authentication credentials were not provided.")
            return jsonify(handle=handle, **MEMBERS[handle])

        @app.get("/api/v1/members/<handle>/")
        def member(handle: str) -> Any:
            who = caller()
            if who is None:
                return denied(401, "Authentication credentials were not provided.")
            if handle not in MEMBERS or (who != handle and who not in STAFF):
                return denied(404, "Not found.")
            return jsonify(handle=handle, **MEMBERS[handle])

        @app.get("/api/v1/bookings/")
        def bookings() -> Any:
            who = caller()
            if who is None:
                return denied(401, "Authentication credentials were not provided.")
            wall = request.args.get("wall")
            if wall is not None:  # the wall's schedule: every member's bookings, by design
                self.walls.append(wall)
                return page([b for b in BOOKINGS if b["wall"] == wall])
            number = request.args.get("member")
            if who not in STAFF and (number is None or not self.open):
                number = MEMBERS[who]["member_no"]  # the fixed twin ignores a member's filter
            return page([b for b in BOOKINGS if number is None or b["member_no"] == number])

        @app.get("/api/v1/rentals/")
        def rentals() -> Any:
            who = caller()
            if who is None:
                return denied(401, "Authentication credentials were not provided.")
            renter = request.args.get("renter")
            if who not in STAFF and renter is not None and not self.open:
                return denied(403, "You do not have permission to perform this action.")
            if who not in STAFF and renter is None:
                renter = who
            return page([r for r in RENTALS if renter is None or r["renter"] == renter])

        return app
