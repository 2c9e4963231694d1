"""bfla: an organisation's listing every member reads is no higher role's function.

A coworking API written the way the Fastify trial's was (Flask here): two organisations,
each with a member and a team admin. ``GET /v2/orgs/{orgSlug}/bookings`` is every
member's calendar of their own organisation, the team admin's bookings included;
``GET /v2/orgs/{orgSlug}/billing`` is for team admins only ("Team admins only."), and
members are refused there. The trial's scan reported the calendar as a high ``bfla``:
alice was refused on ``/billing`` nearby, and the calendar carried bob's bookings. But
carol, a member too, reads her own organisation's calendar with another answer: the
answer is scoped per tenant, not given by a role.

The flawed twin also lets members read the billing, which the contract says is team
admins': that one is found.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {
    "k-alice-31": ("alice", "acme", "member"),
    "k-bob-32": ("bob", "acme", "admin"),
    "k-carol-33": ("carol", "globex", "member"),
    "k-dan-34": ("dan", "globex", "admin"),
}
BOOKINGS = [
    {"id": "bk_a1", "org": "acme", "member": "alice", "room": "Loft", "starts_at": "09:00"},
    {"id": "bk_b1", "org": "acme", "member": "bob", "room": "Attic", "starts_at": "11:00"},
    {"id": "bk_b2", "org": "acme", "member": "bob", "room": "Loft", "starts_at": "14:00"},
    {"id": "bk_c1", "org": "globex", "member": "carol", "room": "Cellar", "starts_at": "10:00"},
    {"id": "bk_d1", "org": "globex", "member": "dan", "room": "Cellar", "starts_at": "15:00"},
]
BILLING = {
    "acme": {"billing_email": "finance@acme.test", "vat_id": "GB123", "card_last4": "4242"},
    "globex": {"billing_email": "ap@globex.test", "vat_id": "DE987", "card_last4": "1881"},
}
IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {X-Api-Key: k-alice-31}}
  - {name: bob, role: team_admin, headers: {X-Api-Key: k-bob-32}}
  - {name: carol, role: member, headers: {X-Api-Key: k-carol-33}}
  - {name: dan, role: team_admin, headers: {X-Api-Key: k-dan-34}}
"""
_ERROR = {"description": "refused", "content": {"application/json": {"schema": {"type": "object"}}}}
_SLUG = [{"name": "orgSlug", "in": "path", "required": True, "schema": {"type": "string"}}]


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


_BOOKING = {
    "type": "object",
    "properties": {k: {"type": "string"} for k in ("id", "member", "room", "starts_at")},
}
_PAGE = {
    "type": "object",
    "properties": {
        "data": {"type": "array", "items": _BOOKING},
        "meta": {"type": "object", "properties": {"total": {"type": "integer"}}},
    },
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "deskhub", "version": "2.0.0"},
    "components": {
        "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
    },
    "security": [{"apiKey": []}],
    "paths": {
        "/v2/me": {"get": {"summary": "Who am I", "responses": {"200": _ok({"type": "object"})}}},
        "/v2/me/bookings": {
            "get": {"summary": "My bookings", "responses": {"200": _ok(_PAGE)}},
        },
        "/v2/orgs/{orgSlug}/bookings": {
            "get": {
                "summary": "All bookings of the organisation (who is in when)",
                "tags": ["orgs"],
                "parameters": _SLUG,
                "responses": {"200": _ok(_PAGE), "403": _ERROR},
            }
        },
        "/v2/orgs/{orgSlug}/billing": {
            "get": {
                "summary": "Billing details of the organisation",
                "description": "Team admins only.",
                "tags": ["orgs"],
                "parameters": _SLUG,
                "responses": {"200": _ok({"type": "object"}), "403": _ERROR},
            }
        },
    },
}


def _app(*, flawed: bool) -> Flask:
    app = Flask("deskhub")
    app.json.sort_keys = False  # type: ignore[attr-defined]

    def caller() -> tuple[str, str, str] | None:
        return KEYS.get(request.headers.get("X-Api-Key", ""))

    def refused(status: int, message: str) -> ResponseReturnValue:
        error = "Unauthorized" if status == 401 else "Forbidden"
        return {"statusCode": status, "error": error, "message": message}, status

    def page(rows: list[dict[str, Any]]) -> ResponseReturnValue:
        data = [{k: v for k, v in r.items() if k != "org"} for r in rows]
        return jsonify({"data": data, "meta": {"total": len(data)}})

    @app.get("/openapi.json")
    def contract() -> ResponseReturnValue:
        return jsonify(SPEC)

    @app.get("/v2/me")
    def me() -> ResponseReturnValue:
        who = caller()
        if who is None:
            return refused(401, "Missing or invalid API key")
        return {"name": who[0], "org_slug": who[1], "org_role": who[2]}

    @app.get("/v2/me/bookings")
    def my_bookings() -> ResponseReturnValue:
        who = caller()
        if who is None:
            return refused(401, "Missing or invalid API key")
        return page([b for b in BOOKINGS if b["member"] == who[0]])

    @app.get("/v2/orgs/<slug>/bookings")
    def org_bookings(slug: str) -> ResponseReturnValue:
        who = caller()
        if who is None:
            return refused(401, "Missing or invalid API key")
        if who[1] != slug:
            return refused(403, "Not a member of this organisation")
        return page([b for b in BOOKINGS if b["org"] == slug])

    @app.get("/v2/orgs/<slug>/billing")
    def billing(slug: str) -> ResponseReturnValue:
        who = caller()
        if who is None:
            return refused(401, "Missing or invalid API key")
        if who[1] != slug or (who[2] != "admin" and not flawed):
            return refused(403, "Team admins only")
        return BILLING[slug]

    return app


def _bfla(flawed: bool, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    with serving(_app(flawed=flawed), wsgi=True) as url:
        folder = tmp_path_factory.mktemp("deskhub")
        done, report = scan_with_identities(url, IDENTITIES, folder, "--checks", "bfla")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    return {f["operation"] for f in report["findings"] if f["check"] == "bfla"}


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_the_organisation_calendar_is_no_finding(
    flawed: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each member reads their own organisation's calendar: scoped per tenant, no bfla."""
    found = _bfla(flawed, tmp_path_factory)
    assert "GET /v2/orgs/{orgSlug}/bookings" not in found
    assert ("GET /v2/orgs/{orgSlug}/billing" in found) is flawed, found
