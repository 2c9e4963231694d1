"""A small Flask API written the way many are: a maintenance route on GET that wipes everything.

``GET /createdb`` drops and re-creates the user table (the sort of route a tutorial leaves
in), ``GET /api/v1/reset`` restores the seed data, ``DELETE /users/<id>`` and
``POST /users/<id>/delete`` remove a user. Every request is counted by rule and method,
so a test can prove what the scanner never sent. Tokens: ``Token alice`` / ``Token bob``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, abort, jsonify, request

from serving import serving

SEED = {
    1: {"name": "alice", "email": "alice@example.com"},
    2: {"name": "bob", "email": "bob@example.com"},
}
TOKENS = {"Token alice": "alice", "Token bob": "bob"}
IDENTITIES = """
identities:
  - name: alice
    role: user
    headers: {Authorization: Token alice}
  - name: bob
    role: user
    headers: {Authorization: Token bob}
"""


@dataclass(slots=True)
class State:
    """The app's data and what it was asked: hits by ``METHOD rule``, user ids deleted and created."""

    users: dict[int, dict[str, Any]] = field(
        default_factory=lambda: {k: dict(v) for k, v in SEED.items()}
    )
    hits: Counter[str] = field(default_factory=Counter)
    deleted: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)


def _user_param() -> dict[str, Any]:
    return {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _spec() -> dict[str, Any]:
    user = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string"},
        },
    }
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": user}}}}
    many = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "array", "items": user}}},
        }
    }
    body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                    "required": ["name"],
                }
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "users", "version": "0.1"},
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            }
        },
        "security": [{"token": []}],
        "paths": {
            "/createdb": {
                "get": {
                    "summary": "Create the database",
                    "tags": ["admin"],
                    "responses": {"200": {"description": "OK"}},
                }
            },
            "/api/v1/reset": {
                "get": {
                    "operationId": "resetData",
                    "tags": ["admin"],
                    "responses": {"200": {"description": "OK"}},
                }
            },
            "/users": {
                "get": {"operationId": "listUsers", "tags": ["users"], "responses": many},
                "post": {
                    "operationId": "createUser",
                    "tags": ["users"],
                    "requestBody": body,
                    "responses": {"201": ok["200"]},
                },
            },
            "/users/{user_id}": {
                "parameters": [_user_param()],
                "get": {"operationId": "getUser", "tags": ["users"], "responses": ok},
                "delete": {
                    "operationId": "deleteUser",
                    "tags": ["users"],
                    "responses": {"204": {"description": "deleted"}},
                },
            },
            "/users/{user_id}/delete": {
                "parameters": [_user_param()],
                "post": {
                    "operationId": "removeUser",
                    "tags": ["users"],
                    "responses": {"200": {"description": "OK"}},
                },
            },
            "/reports/export": {
                "get": {"operationId": "exportReport", "tags": ["reports"], "responses": many}
            },
        },
    }


def create_app(state: State) -> Flask:
    """The Flask app over ``state``."""
    app = Flask(__name__)

    @app.before_request
    def count() -> None:
        rule = request.url_rule.rule if request.url_rule is not None else request.path
        state.hits[f"{request.method} {rule}"] += 1

    def caller() -> str:
        who = TOKENS.get(request.headers.get("Authorization", ""))
        if who is None:
            abort(401)
        return who

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_spec())

    @app.get("/createdb")
    def createdb() -> Any:
        state.users.clear()  # drop table users; create table users
        return jsonify({"message": "database created"})

    @app.get("/api/v1/reset")
    def reset() -> Any:
        state.users.clear()
        return jsonify({"message": "reset done"})

    @app.get("/users")
    def users() -> Any:
        caller()
        return jsonify([{"id": k, **v} for k, v in state.users.items()])

    @app.post("/users")
    def create() -> Any:
        caller()
        data = request.get_json(silent=True) or {}
        user_id = max(state.users, default=0) + 1
        state.users[user_id] = {
            "name": str(data.get("name", "")),
            "email": str(data.get("email", "")),
        }
        state.created.append(user_id)
        return jsonify({"id": user_id, **state.users[user_id]}), 201

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> Any:
        caller()
        if user_id not in state.users:
            abort(404)
        return jsonify({"id": user_id, **state.users[user_id]})

    @app.delete("/users/<int:user_id>")
    @app.post("/users/<int:user_id>/delete")
    def delete(user_id: int) -> Any:
        caller()
        state.deleted.append(user_id)
        state.users.pop(user_id, None)
        return ("", 204) if request.method == "DELETE" else jsonify({"deleted": user_id})

    @app.get("/reports/export")
    def export() -> Any:
        caller()
        return jsonify([{"id": k, **v} for k, v in state.users.items()])

    return app


@contextmanager
def running(state: State) -> Iterator[str]:
    """The app over ``state`` on werkzeug's server at 127.0.0.1 (ephemeral port)."""
    with serving(create_app(state), wsgi=True) as url:
        yield url
