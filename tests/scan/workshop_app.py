"""A workshop-booking API written the Falcon way: public workshops by slug, private bookings by UUID.

The workshops are the studio's: anyone lists and reads them without logging in, no
user made them and nothing in the contract makes one. A logged-in user books seats
(``POST /workshops/{slug}/bookings``, paid from the user's balance) and then reads,
renames and cancels that booking under the same workshop, addressed by a UUID. A
booking names its workshop (``workshop_slug``), as such APIs do. Sessions come from
``POST /auth/sessions`` (a bearer token); errors are Falcon's ``{"title", "description"}``.

``Studio(flawed=True)`` takes any number of seats (a negative booking pays the user)
and lets anyone rename anyone's booking (``PATCH`` without the owner check);
``flawed=False`` is the fixed twin.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import falcon

from serving import serving

PASSWORDS = {"maya@studio.test": "clay-and-kiln-7", "theo@studio.test": "sharp-knives-3"}
BALANCES = {"maya@studio.test": 20_000, "theo@studio.test": 20_000}
WORKSHOPS: dict[str, dict[str, Any]] = {
    "pottery-101": {"title": "Pottery 101", "host": "Studio Nine", "price_cents": 4500},
    "knife-skills": {"title": "Knife skills", "host": "Studio Nine", "price_cents": 3000},
}
BOOKINGS: dict[str, dict[str, Any]] = {
    "0b7f9a52-4c1e-4d3a-9f0e-6a1d2c3b4e5f": {
        "owner": "maya@studio.test", "workshop_slug": "pottery-101", "seats": 1,
        "attendee": "Maya", "total_cents": 4500,
    },
    "5e2d8c41-7b3a-4f6e-8d9c-1a2b3c4d5e6f": {
        "owner": "theo@studio.test", "workshop_slug": "knife-skills", "seats": 2,
        "attendee": "Theo and Sam", "total_cents": 6000,
    },
}  # fmt: skip
IDENTITIES = """\
identities:
  - name: maya
    role: member
    login:
      operation: POST /auth/sessions
      json: {email: maya@studio.test, password: clay-and-kiln-7}
      token: token
  - name: theo
    role: member
    login:
      operation: POST /auth/sessions
      json: {email: theo@studio.test, password: sharp-knives-3}
      token: token
"""

_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_UUID = {"type": "string", "format": "uuid"}
_WORKSHOP = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "host": {"type": "string"},
        "price_cents": {"type": "integer"},
    },
}
_BOOKING = {
    "type": "object",
    "properties": {
        "uuid": {**_UUID, "readOnly": True},
        "workshop_slug": {"type": "string", "readOnly": True},
        "seats": {"type": "integer", "minimum": 1, "maximum": 6},
        "attendee": {"type": "string", "maxLength": 80},
        "total_cents": {"type": "integer", "readOnly": True},
    },
}
_PROBLEM = {
    "description": "problem",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _ok(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _takes(schema: dict[str, Any], *required: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {**schema, "required": list(required)}}},
    }


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Studio Nine workshops", "version": "3"},
    "components": {"securitySchemes": {"session": {"type": "http", "scheme": "bearer"}}},
    "security": [{"session": []}],
    "paths": {
        "/auth/sessions": {
            "post": {
                "operationId": "logIn",
                "security": [],
                "requestBody": _takes(
                    {
                        "type": "object",
                        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
                    },
                    "email",
                    "password",
                ),
                "responses": {"201": _ok({"type": "object"}, "a session"), "401": _PROBLEM},
            }
        },
        "/me": {"get": {"operationId": "whoAmI", "responses": {"200": _ok({"type": "object"})}}},
        "/workshops": {
            "get": {
                "operationId": "listWorkshops",
                "security": [],
                "responses": {"200": _ok({"type": "array", "items": _WORKSHOP})},
            }
        },
        "/workshops/{slug}": {
            "parameters": [_SLUG],
            "get": {
                "operationId": "getWorkshop",
                "security": [],
                "responses": {"200": _ok(_WORKSHOP), "404": _PROBLEM},
            },
            "put": {
                "operationId": "editWorkshop",
                "description": "Studio staff only.",
                "requestBody": _takes(_WORKSHOP, "title"),
                "responses": {"200": _ok(_WORKSHOP), "403": _PROBLEM, "404": _PROBLEM},
            },
        },
        "/workshops/{slug}/bookings": {
            "parameters": [_SLUG],
            "get": {
                "operationId": "myBookings",
                "responses": {"200": _ok({"type": "object"}), "404": _PROBLEM},
            },
            "post": {
                "operationId": "book",
                "requestBody": _takes(_BOOKING, "seats", "attendee"),
                "responses": {
                    "201": _ok(_BOOKING, "booked"),
                    "402": _PROBLEM,
                    "404": _PROBLEM,
                    "422": _PROBLEM,
                },
            },
        },
        "/workshops/{slug}/bookings/{booking_uuid}": {
            "parameters": [
                _SLUG,
                {"name": "booking_uuid", "in": "path", "required": True, "schema": _UUID},
            ],
            "get": {
                "operationId": "getBooking",
                "responses": {"200": _ok(_BOOKING), "404": _PROBLEM},
            },
            "patch": {
                "operationId": "renameBooking",
                "requestBody": _takes(
                    {
                        "type": "object",
                        "properties": {"attendee": {"type": "string", "maxLength": 80}},
                    },
                    "attendee",
                ),
                "responses": {"200": _ok(_BOOKING), "404": _PROBLEM, "422": _PROBLEM},
            },
            "delete": {
                "operationId": "cancelBooking",
                "responses": {"204": {"description": "cancelled, refunded"}, "404": _PROBLEM},
            },
        },
    },
}


class Studio:
    """One instance of the API with its own state."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.workshops = copy.deepcopy(WORKSHOPS)
        self.bookings = copy.deepcopy(BOOKINGS)
        self.balances = dict(BALANCES)
        self.booked: list[tuple[str, str]] = []
        """(workshop slug, caller) of every booking ever made."""
        self.sessions: dict[str, str] = {}
        self.lock = threading.Lock()
        self.app = falcon.App()
        self.app.add_route("/openapi.json", _Spec())
        self.app.add_route("/auth/sessions", _Sessions(self))
        self.app.add_route("/me", _Me(self))
        self.app.add_route("/workshops", _Workshops(self))
        self.app.add_route("/workshops/{slug}", _Workshops(self), suffix="one")
        self.app.add_route("/workshops/{slug}/bookings", _Bookings(self))
        self.app.add_route(
            "/workshops/{slug}/bookings/{booking_uuid}", _Bookings(self), suffix="one"
        )

    def caller(self, req: falcon.Request) -> str:
        """The e-mail of the session's user; raises 401 without one."""
        token = (req.get_header("Authorization") or "").removeprefix("Bearer ").strip()
        who = self.sessions.get(token)
        if who is None:
            raise falcon.HTTPUnauthorized(title="unauthorized", description="log in first")
        return who

    def workshop(self, slug: str) -> dict[str, Any]:
        """The workshop ``slug``; raises 404 when there is none."""
        if slug not in self.workshops:
            raise falcon.HTTPNotFound(title="not found", description=f"no workshop {slug!r}")
        return self.workshops[slug]

    def booking(self, slug: str, key: str, who: str, *, checked: bool = True) -> dict[str, Any]:
        """The booking ``key`` under ``slug``; raises 404 when absent or (``checked``) not ``who``'s."""
        found = self.bookings.get(key)
        if found is None or found["workshop_slug"] != slug or (checked and found["owner"] != who):
            raise falcon.HTTPNotFound(title="not found", description="no such booking")
        return found


def _out(key: str, booking: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": key, **{k: v for k, v in booking.items() if k != "owner"}}


def _json_body(req: falcon.Request) -> dict[str, Any]:
    try:
        body = json.loads(req.bounded_stream.read() or b"null")
    except ValueError:
        raise falcon.HTTPBadRequest(title="bad request", description="not JSON") from None
    if not isinstance(body, dict):
        raise falcon.HTTPBadRequest(title="bad request", description="expected an object")
    return body


class _Spec:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = SPEC


class _Sessions:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = _json_body(req)
        email = body.get("email")
        if not isinstance(email, str) or PASSWORDS.get(email) != body.get("password"):
            raise falcon.HTTPUnauthorized(
                title="unauthorized", description="wrong e-mail or password"
            )
        token = secrets.token_hex(16)
        self.studio.sessions[token] = email
        resp.status = falcon.HTTP_201
        resp.media = {"token": token, "expires_in": 3600}


class _Me:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self.studio.caller(req)
        resp.media = {"email": who, "balance_cents": self.studio.balances[who]}


class _Workshops:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [{"slug": k, **v} for k, v in self.studio.workshops.items()]

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, slug: str) -> None:
        resp.media = {"slug": slug, **self.studio.workshop(slug)}

    def on_put_one(self, req: falcon.Request, resp: falcon.Response, slug: str) -> None:
        self.studio.caller(req)
        self.studio.workshop(slug)
        raise falcon.HTTPForbidden(title="forbidden", description="studio staff only")


class _Bookings:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio

    def on_get(self, req: falcon.Request, resp: falcon.Response, slug: str) -> None:
        who, studio = self.studio.caller(req), self.studio
        studio.workshop(slug)
        with studio.lock:
            mine = [
                _out(k, b)
                for k, b in studio.bookings.items()
                if b["owner"] == who and b["workshop_slug"] == slug
            ]
        resp.media = {"bookings": mine}

    def on_post(self, req: falcon.Request, resp: falcon.Response, slug: str) -> None:
        who, studio = self.studio.caller(req), self.studio
        price = studio.workshop(slug)["price_cents"]
        body = _json_body(req)
        seats, attendee = body.get("seats"), body.get("attendee")
        if not isinstance(seats, int) or isinstance(seats, bool) or not isinstance(attendee, str):
            raise falcon.HTTPUnprocessableEntity(
                title="invalid", description="seats and attendee are required"
            )
        if not studio.flawed and not 1 <= seats <= 6:
            raise falcon.HTTPUnprocessableEntity(
                title="invalid", description="seats must be between 1 and 6"
            )
        with studio.lock:
            total = seats * price
            if total > studio.balances[who]:
                raise falcon.HTTPError(
                    falcon.HTTP_402, title="payment required", description="balance too low"
                )
            studio.balances[who] -= total
            key = str(uuid.uuid4())
            studio.bookings[key] = {
                "owner": who, "workshop_slug": slug, "seats": seats, "attendee": attendee[:80], "total_cents": total,
            }  # fmt: skip
            studio.booked.append((slug, who))
            resp.media = _out(key, studio.bookings[key])
        resp.status = falcon.HTTP_201
        resp.location = f"/workshops/{slug}/bookings/{key}"

    def on_get_one(
        self, req: falcon.Request, resp: falcon.Response, slug: str, booking_uuid: str
    ) -> None:
        who = self.studio.caller(req)
        with self.studio.lock:
            resp.media = _out(booking_uuid, self.studio.booking(slug, booking_uuid, who))

    def on_patch_one(
        self, req: falcon.Request, resp: falcon.Response, slug: str, booking_uuid: str
    ) -> None:
        who, studio = self.studio.caller(req), self.studio
        body = _json_body(req)
        with studio.lock:
            found = studio.booking(slug, booking_uuid, who, checked=not studio.flawed)
            if not isinstance(body.get("attendee"), str):
                raise falcon.HTTPUnprocessableEntity(
                    title="invalid", description="attendee is required"
                )
            found["attendee"] = body["attendee"][:80]
            resp.media = _out(booking_uuid, found)

    def on_delete_one(
        self, req: falcon.Request, resp: falcon.Response, slug: str, booking_uuid: str
    ) -> None:
        who, studio = self.studio.caller(req), self.studio
        with studio.lock:
            found = studio.booking(slug, booking_uuid, who)
            studio.balances[who] += found["total_cents"]
            del studio.bookings[booking_uuid]
        resp.status = falcon.HTTP_204


@contextmanager
def running(studio: Studio) -> Iterator[str]:
    """Serve ``studio`` on 127.0.0.1 until the block ends; yields its URL."""
    with serving(studio.app, wsgi=True) as url:
        yield url
