"""A creation that takes the caller's tenant from its body lets a member post into another tenant.

The Rails trial's recruiters posted jobs into another company (``company_id``) and the Go
trial's dispatchers shipments into another organisation (``orgId``): identifiers were never
mass-assignment candidates, so neither was found. A letting agency's listings in Flask:
``GET /api/me`` names the agent's agency, and a listing an agent posts is its agency's. The
careless build takes the agency from the body when one is sent (``agencyId``, or
``agency`` as Django REST Framework names a foreign key); its twin always uses the caller's.
ana and abe work for agency 1, ben for agency 2.

The careless build is found (high, confirmed); the twin is not. Either way the scan leaves
the listings as it found them: the listing moved into agency 2 is not ana's to delete any
more, and ben's DELETE removes it. Under ``--safe`` nothing is posted into another agency.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from tests.conftest import scan_with_identities

from serving import serving

AGENTS = {
    "Token la-ana-4471": {"id": 11, "email": "ana@harbourlets.example", "agency": 1},
    "Token la-abe-5820": {"id": 12, "email": "abe@harbourlets.example", "agency": 1},
    "Token la-ben-9013": {"id": 21, "email": "ben@ridgehomes.example", "agency": 2},
}
IDENTITIES = """\
identities:
  - {name: ana, role: agent, headers: {Authorization: Token la-ana-4471}}
  - {name: abe, role: agent, headers: {Authorization: Token la-abe-5820}}
  - {name: ben, role: agent, headers: {Authorization: Token la-ben-9013}}
"""
SEED = {
    101: {"title": "Two-bed flat by the quay", "rent": 1250, "agency": 1, "agent": 11},
    102: {"title": "Studio over the bakery", "rent": 780, "agency": 1, "agent": 12},
    201: {"title": "Terraced house, Ridge Lane", "rent": 1490, "agency": 2, "agent": 21},
}


def _contract(field: str) -> dict[str, Any]:
    listing = {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "title": {"type": "string", "maxLength": 120},
            "rent": {"type": "integer", "minimum": 0},
            field: {"type": "integer"},
            "agent": {"type": "integer", "readOnly": True},
        },
    }
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["title", "rent"],
        "properties": {"title": listing["properties"]["title"],
                       "rent": listing["properties"]["rent"], field: {"type": "integer"}},
    }}}}  # fmt: skip
    one = {"200": {"description": "a listing",
                   "content": {"application/json": {"schema": listing}}},
           "404": {"description": "no such listing in your agency"}}  # fmt: skip
    me = {"type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                                           field: {"type": "integer"}}}  # fmt: skip
    path_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Harbour Lets", "version": "1.4"},
        "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header",
                                                     "name": "Authorization"}}},
        "security": [{"token": []}],
        "paths": {
            "/api/me": {"get": {"responses": {"200": {"description": "you", "content": {
                "application/json": {"schema": me}}}}}},
            "/api/agencies/{id}": {"get": {"summary": "Your agency", "parameters": path_id,
                                           "responses": {"200": {"description": "it"}}}},
            "/api/listings": {
                "get": {"summary": "Your agency's listings", "responses": {"200": {
                    "description": "listings", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "data": {"type": "array", "items": listing}}}}}}}},
                "post": {"summary": "Post a listing for your agency", "requestBody": body,
                         "responses": {"201": {"description": "posted", "content": {
                             "application/json": {"schema": listing}}}}},
            },
            "/api/listings/{id}": {
                "parameters": path_id,
                "get": {"summary": "A listing of your agency", "responses": one},
                "delete": {"summary": "Withdraw a listing of your agency",
                           "responses": {"204": {"description": "withdrawn"}}},
            },
        },
    }  # fmt: skip


class Agency:
    """Listings per agency; ``careless`` takes the agency from the body when one is sent."""

    def __init__(self, *, field: str, careless: bool) -> None:
        self.field, self.careless = field, careless
        self.listings = {k: dict(v) for k, v in SEED.items()}
        self.serial = itertools.count(500)
        self.posted: list[tuple[int, int]] = []  # (the poster's agency, the listing's)
        self.app = self._app()

    def _agent(self) -> dict[str, Any]:
        agent = AGENTS.get(request.headers.get("Authorization", ""))
        if agent is None:
            abort(401)
        return agent

    def _shown(self, key: int) -> dict[str, Any]:
        row = self.listings[key]
        return {"id": key, "title": row["title"], "rent": row["rent"],
                self.field: row["agency"], "agent": row["agent"]}  # fmt: skip

    def _mine(self, key: int) -> int:
        if key not in self.listings or self.listings[key]["agency"] != self._agent()["agency"]:
            abort(404)
        return key

    def _app(self) -> Flask:
        app = Flask("harbour-lets")

        @app.get("/openapi.json")
        def contract() -> Any:
            return jsonify(_contract(self.field))

        @app.get("/api/me")
        def me() -> Any:
            agent = self._agent()
            return jsonify(
                {"id": agent["id"], "email": agent["email"], self.field: agent["agency"]}
            )

        @app.get("/api/agencies/<int:key>")
        def agency(key: int) -> Any:
            if key != self._agent()["agency"]:
                abort(404)
            return jsonify({"id": key, "name": {1: "Harbour Lets", 2: "Ridge Homes"}[key]})

        @app.get("/api/listings")
        def listings() -> Any:
            mine = self._agent()["agency"]
            keys = [k for k, v in self.listings.items() if v["agency"] == mine]
            return jsonify({"data": [self._shown(k) for k in keys]})

        @app.post("/api/listings")
        def post() -> Any:
            agent, body = self._agent(), request.get_json(force=True)
            if not isinstance(body.get("title"), str) or not isinstance(body.get("rent"), int):
                return jsonify({"errors": {"title": ["is required"]}}), 422
            sent = body.get(self.field)
            where = sent if self.careless and sent in (1, 2) else agent["agency"]
            key = next(self.serial)
            self.listings[key] = {"title": body["title"], "rent": body["rent"],
                                  "agency": where, "agent": agent["id"]}  # fmt: skip
            self.posted.append((agent["agency"], where))
            return jsonify(self._shown(key)), 201

        @app.get("/api/listings/<int:key>")
        def one(key: int) -> Any:
            return jsonify(self._shown(self._mine(key)))

        @app.delete("/api/listings/<int:key>")
        def withdraw(key: int) -> Any:
            del self.listings[self._mine(key)]
            return "", 204

        return app


@pytest.mark.parametrize("field", ["agencyId", "agency"])
@pytest.mark.parametrize("careless", [True, False], ids=["careless", "twin"])
def test_a_listing_posted_into_another_agency(tmp_path: Path, field: str, careless: bool) -> None:
    """The careless build lets ana post into agency 2; the twin does not; nothing stays."""
    agency = Agency(field=field, careless=careless)
    with serving(agency.app, wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--allow-private", "--checks", "mass_assignment"
        )
    assert result.returncode in (0, 1), result.stderr
    found = [
        f for f in report["findings"]
        if f["operation"] == "POST /api/listings" and field in f["title"]
    ]  # fmt: skip
    if careless:
        assert [(f["severity"], f["confidence"]) for f in found] == [("high", "confirmed")]
        assert "another tenant" in found[0]["detail"]
        assert any(mine != where for mine, where in agency.posted)
    else:
        assert found == []
    assert agency.listings == SEED, "the scan left the listings changed"


def test_nothing_is_posted_into_another_agency_under_safe(tmp_path: Path) -> None:
    """--safe sends no creation into another agency's records, even where one would land."""
    agency = Agency(field="agencyId", careless=True)
    with serving(agency.app, wsgi=True) as url:
        result, _ = scan_with_identities(
            url, IDENTITIES, tmp_path, "--allow-private", "--checks", "mass_assignment", "--safe"
        )
    assert result.returncode in (0, 1), result.stderr
    assert all(mine == where for mine, where in agency.posted)
