"""A room-booking API in Flask's class-based views, taking every body under a root key.

The way Rails, ActiveModelSerializers and Ember clients talk: ``POST /bookings`` with
``{"booking": {"room_id": 3, "day": "..."}}``, a sign-up as ``{"user": {"email": ...,
"password": ...}}``, answers as ``{"booking": {...}}`` and ``{"user": {...}, "token": ...}``.
The contract says so (wrappers written inline, through ``$ref`` and through ``allOf``).

Seeded: ada (admin), alice and bob (members), one private room each, one booking of
alice's, one hook of bob's. ``flawed=True`` plants four flaws, all behind the wrapper:

* ``POST /bookings`` books any room, not only the caller's (BOLA through a body id);
* ``POST /hooks/{id}/ping`` fetches the hook's ``callback_url`` server-side (SSRF; only
  loopback URLs, so the test never leaves the machine);
* ``POST /users`` takes ``role`` from the body (mass assignment at sign-up);

and both twins let an account be deleted by ``DELETE /users/{id}`` (by itself or the
admin). A room's ``opened_on`` date is writable by ``PATCH /rooms/{id}``: a name the
restore once took for a timestamp, and so never put back. :meth:`Bookings.changed` lists what differs from the seed.
"""

from __future__ import annotations

import copy
import itertools
import json
import secrets
import threading
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView

USERS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "name": "Ada", "email": "ada@rooms.test", "role": "admin"},
    2: {"id": 2, "name": "Alice", "email": "alice@rooms.test", "role": "member"},
    3: {"id": 3, "name": "Bob", "email": "bob@rooms.test", "role": "member"},
}
PASSWORDS = {1: "ada-admin-pw", 2: "alice-pw-22", 3: "bob-pw-333"}
ROOMS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "owner_id": 1, "name": "Board room", "capacity": 12, "opened_on": "2020-01-06"},
    2: {"id": 2, "owner_id": 2, "name": "Blue room", "capacity": 4, "opened_on": "2021-05-03"},
    3: {"id": 3, "owner_id": 3, "name": "Green room", "capacity": 6, "opened_on": "2022-09-12"},
}
BOOKINGS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "user_id": 2, "room_id": 2, "day": "2027-03-01", "note": "planning"},
}
HOOKS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "user_id": 3, "callback_url": "https://hooks.example.com/b", "event": "booked"},
}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


def _wrapper(key: str, inner: dict[str, Any]) -> dict[str, Any]:
    return _object({key: inner}, [key])


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _answers(code: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    ok = {"description": "ok", **(_json(schema) if schema else {})}
    return {code: ok, "403": {"description": "not yours"}, "404": {"description": "no such"}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _id(name: str = "id") -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


SCHEMAS: dict[str, Any] = {
    "User": _object(
        {
            "id": {"type": "integer", "readOnly": True},
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "role": {"type": "string", "enum": ["member", "admin"], "readOnly": True},
        }
    ),
    "SignUp": _wrapper(
        "user",
        _object(
            {
                "name": {"type": "string"},
                "email": {"type": "string", "format": "email"},
                "password": {"type": "string", "format": "password", "minLength": 8},
            },
            ["name", "email", "password"],
        ),
    ),
    "Room": _object(
        {
            "id": {"type": "integer", "readOnly": True},
            "owner_id": {"type": "integer", "readOnly": True},
            "name": {"type": "string"},
            "capacity": {"type": "integer", "minimum": 1, "maximum": 50},
            "opened_on": {"type": "string", "format": "date"},
        }
    ),
    "RoomInput": _wrapper(
        "room",
        _object(
            {
                "name": {"type": "string"},
                "capacity": {"type": "integer", "minimum": 1},
                "opened_on": {"type": "string", "format": "date", "example": "2026-12-04"},
            }
        ),
    ),
    "Booking": _object(
        {
            "id": {"type": "integer", "readOnly": True},
            "user_id": {"type": "integer", "readOnly": True},
            "room_id": {"type": "integer"},
            "room_name": {"type": "string", "readOnly": True},
            "day": {"type": "string", "format": "date"},
            "note": {"type": "string"},
        }
    ),
    "Hook": _object(
        {
            "callback_url": {"type": "string", "format": "uri"},
            "event": {"type": "string", "enum": ["booked", "cancelled"]},
        },
        ["callback_url"],
    ),
}
BOOKING_INPUT = _object(
    {
        "room_id": {"type": "integer"},
        "day": {"type": "string", "format": "date", "example": "2027-04-02"},
        "note": {"type": "string"},
    },
    ["room_id", "day"],
)


def contract() -> dict[str, Any]:
    """The API's OpenAPI 3.0 contract: every request body wrapped under a root key."""
    user, room, booking = _ref("User"), _ref("Room"), _ref("Booking")
    hook_answer = {"allOf": [_ref("Hook"), _object({"id": {"type": "integer"}})]}
    return {
        "openapi": "3.0.3",
        "info": {"title": "rooms", "version": "1"},
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": {
                        "required": True,
                        **_json(
                            _object(
                                {"email": {"type": "string"}, "password": {"type": "string"}},
                                ["email", "password"],
                            )
                        ),
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            **_json(_object({"token": {"type": "string"}})),
                        },
                        "401": {"description": "wrong"},
                    },
                }
            },
            "/me": {"get": {"responses": _answers("200", _wrapper("user", user))}},
            "/users": {
                "post": {
                    "summary": "Sign up (a member account)",
                    "security": [],
                    "requestBody": {"required": True, **_json(_ref("SignUp"))},
                    "responses": {
                        "201": {
                            "description": "signed up",
                            **_json(_object({"user": user, "token": {"type": "string"}})),
                        },
                        "422": {"description": "invalid"},
                    },
                }
            },
            "/users/{id}": {
                "parameters": _id(),
                "get": {
                    "summary": "Your own account (admins: any)",
                    "responses": _answers("200", _wrapper("user", user)),
                },
                "delete": {
                    "summary": "Close your own account (admins: any)",
                    "responses": _answers("204"),
                },
            },
            "/rooms": {
                "get": {
                    "responses": _answers(
                        "200", _wrapper("rooms", {"type": "array", "items": room})
                    )
                }
            },
            "/rooms/{id}": {
                "parameters": _id(),
                "get": {
                    "summary": "One of your rooms",
                    "responses": _answers("200", _wrapper("room", room)),
                },
                "patch": {
                    "summary": "Rename or resize one of your rooms",
                    "requestBody": {"required": True, **_json(_ref("RoomInput"))},
                    "responses": _answers("200", _wrapper("room", room)),
                },
            },
            "/bookings": {
                "get": {
                    "responses": _answers(
                        "200", _wrapper("bookings", {"type": "array", "items": booking})
                    )
                },
                "post": {
                    "summary": "Book one of your rooms for a day",
                    "requestBody": {"required": True, **_json(_wrapper("booking", BOOKING_INPUT))},
                    "responses": _answers("201", _wrapper("booking", booking)),
                },
            },
            "/bookings/{id}": {
                "parameters": _id(),
                "get": {
                    "summary": "One of your bookings",
                    "responses": _answers("200", _wrapper("booking", booking)),
                },
                "delete": {"summary": "Cancel one of your bookings", "responses": _answers("204")},
            },
            "/hooks": {
                "post": {
                    "summary": "Register a callback for your bookings",
                    "requestBody": {
                        "required": True,
                        **_json({"allOf": [_object({"hook": _ref("Hook")}, ["hook"])]}),
                    },
                    "responses": _answers("201", _wrapper("hook", hook_answer)),
                },
            },
            "/hooks/{id}": {
                "parameters": _id(),
                "get": {
                    "summary": "One of your hooks",
                    "responses": _answers("200", _wrapper("hook", hook_answer)),
                },
                "delete": {"summary": "Remove one of your hooks", "responses": _answers("204")},
            },
            "/hooks/{id}/ping": {
                "parameters": _id(),
                "post": {
                    "summary": "Send a test event to the hook's callback URL",
                    "responses": _answers("200", _object({"status": {"type": "integer"}})),
                },
            },
        },
    }


class Bookings:
    """The state of one app, flawed or fixed, and the Flask app that serves it."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.users = copy.deepcopy(USERS)
        self.passwords = dict(PASSWORDS)
        self.rooms = copy.deepcopy(ROOMS)
        self.bookings = copy.deepcopy(BOOKINGS)
        self.hooks = copy.deepcopy(HOOKS)
        self.serial = itertools.count(100)
        self.tokens: dict[str, int] = {}
        self.lock = threading.Lock()

    def changed(self) -> list[str]:
        """What differs from the seed: left objects and changed ones, as ``kind id``."""
        found = []
        for kind, now, seed in (
            ("user", self.users, USERS),
            ("room", self.rooms, ROOMS),
            ("booking", self.bookings, BOOKINGS),
            ("hook", self.hooks, HOOKS),
        ):
            keys = set(now) | set(seed)
            found += [f"{kind} {k}" for k in sorted(keys) if now.get(k) != seed.get(k)]
        return found

    def caller(self) -> dict[str, Any]:
        """The signed-in user, or a 401."""
        header = request.headers.get("Authorization", "")
        number = self.tokens.get(header.removeprefix("Bearer "))
        if number is None or number not in self.users:
            abort(401)
        return self.users[number]

    def issue(self, number: int) -> str:
        """A fresh bearer token for user ``number``."""
        token = secrets.token_hex(16)
        self.tokens[token] = number
        return token

    def inner(self, key: str) -> dict[str, Any]:
        """The object under ``key`` in the JSON body (``params.require(key)``), or a 400."""
        body = request.get_json(silent=True)
        value = body.get(key) if isinstance(body, dict) else None
        if not isinstance(value, dict):
            abort(400, f"param is missing or the value is empty: {key}")
        return value

    def app(self) -> Flask:
        """The Flask app: one blueprint of class-based views."""
        app = Flask("bookings")
        views = Blueprint("views", "bookings")
        document = contract()
        views.add_url_rule("/openapi.json", view_func=lambda: jsonify(document))
        for path, view in (
            ("/auth/login", _Login),
            ("/me", _Me),
            ("/users", _Users),
            ("/users/<int:id>", _User),
            ("/rooms", _Rooms),
            ("/rooms/<int:id>", _Room),
            ("/bookings", _BookingList),
            ("/bookings/<int:id>", _Booking),
            ("/hooks", _Hooks),
            ("/hooks/<int:id>", _Hook),
            ("/hooks/<int:id>/ping", _Ping),
        ):
            views.add_url_rule(path, view_func=view.as_view(path, self))
        app.register_blueprint(views)
        return app


class _View(MethodView):
    def __init__(self, state: Bookings) -> None:
        self.state = state

    def mine(self, table: dict[int, dict[str, Any]], id: int, owner: str) -> dict[str, Any]:
        """Row ``id`` of ``table`` when the caller owns it (the admin owns all), else 404/403."""
        me = self.state.caller()
        row = table.get(id) or abort(404)
        if row[owner] != me["id"] and me["role"] != "admin":
            abort(403)
        return row


class _Login(_View):
    def post(self) -> ResponseReturnValue:
        body = request.get_json(silent=True) or {}
        for number, user in self.state.users.items():
            if (user["email"], self.state.passwords[number]) == (
                body.get("email"),
                body.get("password"),
            ):
                return jsonify(token=self.state.issue(number))
        return jsonify(error="wrong e-mail or password"), 401


class _Me(_View):
    def get(self) -> ResponseReturnValue:
        return jsonify(user=self.state.caller())


class _Users(_View):
    def post(self) -> ResponseReturnValue:
        given = self.state.inner("user")
        email, password = str(given.get("email", "")), str(given.get("password", ""))
        if "@" not in email or len(password) < 8:
            return jsonify(errors={"user": ["invalid e-mail or password"]}), 422
        with self.state.lock:
            if any(u["email"] == email for u in self.state.users.values()):
                return jsonify(errors={"email": ["taken"]}), 422
            number = next(self.state.serial)
            role = str(given.get("role", "member")) if self.state.flawed else "member"
            user = {"id": number, "name": str(given.get("name", "")), "email": email, "role": role}
            self.state.users[number] = user
            self.state.passwords[number] = password
        return jsonify(user=user, token=self.state.issue(number)), 201


class _User(_View):
    def get(self, id: int) -> ResponseReturnValue:
        return jsonify(user=self.mine(self.state.users, id, "id"))

    def delete(self, id: int) -> ResponseReturnValue:
        self.mine(self.state.users, id, "id")
        del self.state.users[id]
        return "", 204


class _Rooms(_View):
    def get(self) -> ResponseReturnValue:
        me = self.state.caller()
        return jsonify(rooms=[r for r in self.state.rooms.values() if r["owner_id"] == me["id"]])


class _Room(_View):
    def get(self, id: int) -> ResponseReturnValue:
        return jsonify(room=self.mine(self.state.rooms, id, "owner_id"))

    def patch(self, id: int) -> ResponseReturnValue:
        room = self.mine(self.state.rooms, id, "owner_id")
        given = self.state.inner("room")
        if "name" in given:
            room["name"] = str(given["name"])
        if "opened_on" in given:
            room["opened_on"] = str(given["opened_on"])
        if isinstance(given.get("capacity"), int) and given["capacity"] >= 1:
            room["capacity"] = given["capacity"]
        return jsonify(room=room)


class _BookingList(_View):
    def get(self) -> ResponseReturnValue:
        me = self.state.caller()
        rows = [b for b in self.state.bookings.values() if b["user_id"] == me["id"]]
        return jsonify(bookings=rows)

    def post(self) -> ResponseReturnValue:
        me = self.state.caller()
        given = self.state.inner("booking")
        room = self.state.rooms.get(given.get("room_id"))  # type: ignore[arg-type]
        if room is None or (not self.state.flawed and room["owner_id"] != me["id"]):
            return jsonify(error="no such room"), 404
        number = next(self.state.serial)
        booking = {
            "id": number,
            "user_id": me["id"],
            "room_id": room["id"],
            "room_name": room["name"],
            "day": str(given.get("day", "")),
            "note": str(given.get("note", "")),
        }
        self.state.bookings[number] = booking
        return jsonify(booking=booking), 201


class _Booking(_View):
    def get(self, id: int) -> ResponseReturnValue:
        return jsonify(booking=self.mine(self.state.bookings, id, "user_id"))

    def delete(self, id: int) -> ResponseReturnValue:
        self.mine(self.state.bookings, id, "user_id")
        del self.state.bookings[id]
        return "", 204


class _Hooks(_View):
    def post(self) -> ResponseReturnValue:
        me = self.state.caller()
        given = self.state.inner("hook")
        url = str(given.get("callback_url", ""))
        if urlsplit(url).scheme not in {"http", "https"}:
            return jsonify(errors={"callback_url": ["is not a URL"]}), 422
        number = next(self.state.serial)
        hook = {
            "id": number,
            "user_id": me["id"],
            "callback_url": url,
            "event": str(given.get("event", "booked")),
        }
        self.state.hooks[number] = hook
        return jsonify(hook=hook), 201


class _Hook(_View):
    def get(self, id: int) -> ResponseReturnValue:
        return jsonify(hook=self.mine(self.state.hooks, id, "user_id"))

    def delete(self, id: int) -> ResponseReturnValue:
        self.mine(self.state.hooks, id, "user_id")
        del self.state.hooks[id]
        return "", 204


class _Ping(_View):
    def post(self, id: int) -> ResponseReturnValue:
        hook = self.mine(self.state.hooks, id, "user_id")
        host = urlsplit(hook["callback_url"]).hostname or ""
        # The fixed twin refuses internal addresses; the flawed one fetches them (and only
        # them, so that the test never leaves the machine).
        if not self.state.flawed or host not in {"127.0.0.1", "localhost"}:
            return jsonify(errors={"callback_url": ["is not a public address"]}), 422
        payload = json.dumps({"event": hook["event"]}).encode()
        try:
            with urllib.request.urlopen(hook["callback_url"], payload, timeout=3) as answer:
                return jsonify(status=answer.status)
        except OSError as error:
            return jsonify(error=str(error)), 502
