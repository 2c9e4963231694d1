"""Unique test data: one identity's creation never makes another's fail, so BOLA keeps its control.

A Flask contacts API keeps ``phone`` unique (409 on a duplicate) and lets anyone read any
contact by id. With one phone number for every request, the second identity's creation
failed, it owned nothing, and BOLA had no control to compare with.
"""

from __future__ import annotations

import asyncio
from typing import Any

from flask import Flask, abort, jsonify, request

from apiward.core.registry import Registry
from apiward.scan import Identity, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.bola import Bola
from apiward.spec import load
from serving import serving

KEYS = {"key-alice": "alice", "key-bob": "bob"}


def _contract() -> dict[str, Any]:
    contact = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "phone": {"type": "string"},
        },
    }
    new = {
        "type": "object",
        "required": ["phone"],
        "properties": {"first_name": {"type": "string"}, "phone": {"type": "string"}},
    }
    secured = [{"key": []}]

    def answer(code: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {code: {"description": "ok", "content": {"application/json": {"schema": schema}}}}

    return {
        "openapi": "3.0.3",
        "info": {"title": "contacts", "version": "1"},
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
        "paths": {
            "/contacts": {
                "get": {"security": secured, "responses": answer("200", {"type": "array", "items": contact})},
                "post": {
                    "security": secured,
                    "requestBody": {"content": {"application/json": {"schema": new}}},
                    "responses": answer("201", contact),
                },
            },
            "/contacts/{contact_id}": {
                "get": {
                    "security": secured,
                    "parameters": [{"name": "contact_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": answer("200", contact),
                },
                "delete": {
                    "security": secured,
                    "parameters": [{"name": "contact_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"204": {"description": "deleted"}},
                },
            },
        },
    }  # fmt: skip


def contacts_app(created: list[tuple[str, int]]) -> Flask:
    """Contacts with unique phone numbers, deleted by their owner; any caller reads any
    contact (a BOLA)."""
    app = Flask(__name__)
    contacts: dict[int, dict[str, Any]] = {}

    def caller() -> str:
        user = KEYS.get(request.headers.get("X-API-Key", ""))
        if user is None:
            abort(401)
        return user

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.get("/contacts")
    def listing() -> Any:
        user = caller()
        return jsonify([c for c in contacts.values() if c["owner"] == user])

    @app.post("/contacts")
    def create() -> Any:
        user = caller()
        body = request.get_json(silent=True) or {}
        phone = str(body.get("phone", ""))
        if any(c["phone"] == phone for c in contacts.values()):
            created.append((user, 409))
            return jsonify(error="phone already registered"), 409
        contact_id = max(contacts, default=0) + 1
        name = str(body.get("first_name", "")) + f" of {user}"
        contacts[contact_id] = {"id": contact_id, "name": name, "phone": phone, "owner": user}
        created.append((user, 201))
        return jsonify(contacts[contact_id]), 201

    @app.get("/contacts/<int:contact_id>")
    def show(contact_id: int) -> Any:
        caller()
        if contact_id not in contacts:
            abort(404)
        return jsonify(contacts[contact_id])

    @app.delete("/contacts/<int:contact_id>")
    def remove(contact_id: int) -> Any:
        if contacts.get(contact_id, {}).get("owner") != caller():
            abort(404)
        del contacts[contact_id]
        return "", 204

    return app


def test_each_identity_creates_with_its_own_phone_and_bola_is_found() -> None:
    """Both identities' creations succeed (no 409), so B reading A's contact is found."""
    created: list[tuple[str, int]] = []
    identities = tuple(
        Identity(name=name, role="user", headers={"X-API-Key": key}) for key, name in KEYS.items()
    )
    with serving(contacts_app(created), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        checks = Registry[AnyCheck]("check", [("bola", Bola())])
        results = asyncio.run(scan(api, ScanConfig(target=url, identities=identities), checks))
    assert ("alice", 201) in created
    assert ("bob", 201) in created
    assert all(status == 201 for _, status in created), created
    assert any(f.operation == "GET /contacts/{contact_id}" for f in results.findings), (
        results.skipped
    )
