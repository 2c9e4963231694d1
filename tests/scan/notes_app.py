"""A small Flask notes API with a public sign-up, written the way Flask users write one.

``POST /register`` answers ``200 {"message": "registered"}`` (no id, no 201),
``POST /login`` answers ``{"token": ...}``, and notes live at ``/notes/{note_id}``.
``owner_only=False`` lets any logged-in user read any note (a BOLA).
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from flask import Flask, abort, jsonify, request

ALICE_PASSWORD = "alice-Pw-2931!"


def _contract() -> dict[str, Any]:
    credentials = {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {"type": "string", "minLength": 3, "maxLength": 40},
            "password": {"type": "string", "format": "password", "minLength": 8},
        },
    }
    note = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "text": {"type": "string"}},
    }
    body = {"content": {"application/json": {"schema": credentials}}, "required": True}
    token = {"type": "object", "properties": {"token": {"type": "string"}}}
    note_id = {"name": "note_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    new_note = {
        "type": "object",
        "required": ["text"],
        "properties": {"text": {"type": "string", "maxLength": 200}},
    }

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "ok", "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "notes", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/register": {
                "post": {
                    "security": [],
                    "requestBody": body,
                    "responses": {
                        "200": answer({"type": "object"}),
                        "409": {"description": "taken"},
                    },
                }
            },
            "/login": {
                "post": {
                    "security": [],
                    "requestBody": body,
                    "responses": {"200": answer(token), "401": {"description": "no"}},
                }
            },
            "/notes": {
                "get": {"responses": {"200": answer({"type": "array", "items": note})}},
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": new_note}}},
                    "responses": {"201": answer(note)},
                },
            },
            "/notes/{note_id}": {
                "parameters": [note_id],
                "get": {"responses": {"200": answer(note), "404": {"description": "none"}}},
                "delete": {"responses": {"204": {"description": "gone"}}},
            },
        },
    }


def notes_app(*, owner_only: bool) -> tuple[Flask, dict[str, str]]:
    """The app, and its users by name (with their passwords) to look at after a scan."""
    app = Flask(__name__)
    users: dict[str, str] = {"alice": ALICE_PASSWORD}
    tokens: dict[str, str] = {}
    notes: dict[int, dict[str, Any]] = {1: {"id": 1, "owner": "alice", "text": "alice's diary"}}
    ids = itertools.count(2)  # a database's autoincrement: concurrent creations get their own

    def user() -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in tokens:
            abort(401)
        return tokens[token]

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.post("/register")
    def register() -> Any:
        data = request.get_json(silent=True) or {}
        name, password = data.get("username"), data.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or len(password) < 8:
            return jsonify({"error": "username and password (8+) required"}), 400
        if name in users:
            return jsonify({"error": "username taken"}), 409
        users[name] = password
        return jsonify({"message": "registered"})

    @app.post("/login")
    def login() -> Any:
        data = request.get_json(silent=True) or {}
        if users.get(data.get("username")) != data.get("password"):
            return jsonify({"error": "invalid credentials"}), 401
        token = secrets.token_hex(16)
        tokens[token] = data["username"]
        return jsonify({"token": token})

    @app.get("/notes")
    def listing() -> Any:
        me = user()
        return jsonify([_shown(n) for n in notes.values() if n["owner"] == me])

    @app.post("/notes")
    def create() -> Any:
        me = user()
        note = {"id": next(ids), "owner": me, "text": str(request.json["text"])}
        notes[note["id"]] = note
        return jsonify(_shown(note)), 201

    @app.get("/notes/<int:note_id>")
    def read(note_id: int) -> Any:
        me = user()
        note = notes.get(note_id)
        if note is None or (owner_only and note["owner"] != me):
            abort(404)
        return jsonify(_shown(note))

    @app.delete("/notes/<int:note_id>")
    def delete(note_id: int) -> Any:
        me = user()
        if notes.get(note_id, {}).get("owner") != me:
            abort(404)
        del notes[note_id]
        return "", 204

    return app, users


def _shown(note: dict[str, Any]) -> dict[str, Any]:
    return {"id": note["id"], "text": note["text"]}
