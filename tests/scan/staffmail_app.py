"""An internal staff messenger written the Flask way, with a contract written by hand.

Three colleagues (ada, ben, cleo) log in with ``POST /login`` and send each other messages:
``POST /messages`` names its recipient by staff id (``recipient_id``), and Flask answers 400
(``{"message": "Recipient must be another member of staff"}``) to a message to oneself or
to no one. The staff directory (``GET /staff``, ``GET /staff/{staff_id}``) gives the ids.
A message is its sender's and its recipient's; only its sender deletes it.

``Staffmail(flawed=True)`` hands any message to any colleague who asks for its id;
``flawed=False`` only to its two parties.
"""

import itertools
import secrets
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.wrappers import Response

STAFF = {1: "ada", 2: "ben", 3: "cleo"}
MESSAGE = "/messages/{message_id}"
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: staff\n    login:\n      operation: POST /login\n"
    f"      json: {{username: {name}, password: {name}-s3cret}}\n      token: access_token\n"
    for name in STAFF.values()
)
SEEDED = {
    1: {"id": 1, "sender_id": 1, "recipient_id": 2, "subject": "Rota", "body": "Swap Friday?"}
}

_AUTH = [{"bearer": []}]
_ID = {"type": "integer"}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def _op(summary: str, *, body: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "security": _AUTH,
        "responses": {"200": {"description": "OK"}},
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return {**op, **extra}


_NEW = {
    "type": "object",
    "required": ["recipient_id", "subject", "body"],
    "properties": {"recipient_id": _ID, "subject": {"type": "string"}, "body": {"type": "string"}},
}
_LOGIN = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Staffmail", "version": "1.0"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/login": {"post": {**_op("Log in", body=_LOGIN), "security": []}},
        "/me": {"get": _op("Who you are")},
        "/staff": {"get": _op("The staff directory")},
        "/staff/{staff_id}": {"get": _op("A colleague's card", parameters=[_path("staff_id")])},
        "/messages": {
            "get": _op("Messages you sent or received"),
            "post": _op(
                "Send a message to a colleague",
                body=_NEW,
                responses={"201": {"description": "Sent"}},
            ),
        },
        MESSAGE: {
            "get": _op("One of your messages", parameters=[_path("message_id")]),
            "delete": _op("Delete a message you sent", parameters=[_path("message_id")]),
        },
    },
}


class Staffmail:
    """The messenger's state (``messages``) and its Flask ``app``."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.messages: dict[int, dict[str, Any]] = {k: dict(v) for k, v in SEEDED.items()}
        self.tokens: dict[str, int] = {}
        self.ids = itertools.count(100)
        self.app = Flask("staffmail")
        self._routes()

    def _caller(self) -> int | None:
        return self.tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))

    def _routes(self) -> None:
        app = self.app

        @app.before_request
        def authenticate() -> Any:
            if request.path not in {"/login", "/openapi.json"} and self._caller() is None:
                return jsonify(message="Unauthorized"), 401
            return None

        @app.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @app.post("/login")
        def login() -> Any:
            body = request.get_json(silent=True) or {}
            uid = next((k for k, v in STAFF.items() if v == body.get("username")), None)
            if uid is None or body.get("password") != f"{STAFF[uid]}-s3cret":
                return jsonify(message="Invalid username or password"), 401
            token = secrets.token_urlsafe(16)
            self.tokens[token] = uid
            return jsonify(access_token=token, token_type="bearer")

        @app.get("/me")
        def me() -> Any:
            uid = self._caller()
            return jsonify(id=uid, username=STAFF[uid or 0])

        @app.get("/staff")
        def staff() -> Any:
            return jsonify([{"id": k, "username": v} for k, v in STAFF.items()])

        @app.get("/staff/<int:staff_id>")
        def card(staff_id: int) -> Any:
            if staff_id not in STAFF:
                return jsonify(message="Not found"), 404
            return jsonify(id=staff_id, username=STAFF[staff_id])

        @app.get("/messages")
        def mine() -> Any:
            uid = self._caller()
            parties = ("sender_id", "recipient_id")
            return jsonify([m for m in self.messages.values() if uid in (m[p] for p in parties)])

        @app.post("/messages")
        def send() -> Any:
            uid, body = self._caller(), request.get_json(silent=True) or {}
            to = body.get("recipient_id")
            if to not in STAFF or to == uid:
                return jsonify(message="Recipient must be another member of staff"), 400
            made = {"id": next(self.ids), "sender_id": uid, "recipient_id": to}
            made |= {k: str(body.get(k, "")) for k in ("subject", "body")}
            self.messages[made["id"]] = made
            return jsonify(made), 201

        @app.get("/messages/<int:message_id>")
        def read(message_id: int) -> Any:
            found = self.messages.get(message_id)
            parties = (found["sender_id"], found["recipient_id"]) if found else ()
            if found is None or (not self.flawed and self._caller() not in parties):
                return jsonify(message="Not found"), 404
            return jsonify(found)

        @app.delete("/messages/<int:message_id>")
        def delete(message_id: int) -> Any:
            found = self.messages.get(message_id)
            if found is None or found["sender_id"] != self._caller():
                return jsonify(message="Not found"), 404
            del self.messages[message_id]
            return Response(status=204)
