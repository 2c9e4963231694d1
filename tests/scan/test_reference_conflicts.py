"""A creation refused for the object it names is made again naming another one.

A neighbourhood produce swap in Flask: growers list crates of surplus produce in a public
catalogue (``GET /api/crates``, each row naming its ``owner`` and whether it is
``available`` or ``gone``), and claim jars from a neighbour's crate
(``POST /api/claims {crate_id, quantity}``). The API answers ``409`` to a claim on one's
own crate ("You cannot claim from your own crate"; or ``422``, as a validator would) and
on an empty one. Every grower
owns a crate, so each one's first claim names its own (the harvest's choice: its own
objects first) and is refused; a claim may be taken back (``DELETE``), which returns
the jars. The flawed API takes a negative quantity (the claimer adds jars to another's
crate, the order of a shop's negative quantity); the fixed twin refuses it.

The scan must get its claims made (another grower's crate, an available one first), find
the negative quantity, and leave every crate and claim as it found them.
"""

from __future__ import annotations

import copy
import itertools
import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from tests.conftest import scan_with_identities

from serving import serving

PASSWORDS = {"alice": "plum-51", "bob": "bean-52", "carol": "quince-53"}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    login:\n      operation: POST /api/session\n"
    f"      json: {{username: {name}, password: {password}}}\n      token: token\n"
    for name, password in PASSWORDS.items()
)
CRATES: dict[int, dict[str, Any]] = {
    1: {"id": 1, "produce": "damsons", "owner": "alice", "left": 30, "status": "available"},
    2: {"id": 2, "produce": "courgettes", "owner": "carol", "left": 0, "status": "gone"},
    3: {"id": 3, "produce": "runner beans", "owner": "bob", "left": 25, "status": "available"},
    4: {"id": 4, "produce": "quinces", "owner": "carol", "left": 40, "status": "available"},
}
CLAIMS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "crate_id": 3, "quantity": 2, "claimer": "alice"},
}
CRATE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "produce": {"type": "string"},
        "owner": {"type": "string"},
        "left": {"type": "integer"},
        "status": {"type": "string", "enum": ["available", "gone"]},
    },
}
CLAIM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "crate_id": {"type": "integer"},
        "quantity": {"type": "integer"},
        "claimer": {"type": "string"},
    },
}
NEW_CLAIM = {
    "type": "object",
    "required": ["crate_id", "quantity"],
    "properties": {
        "crate_id": {"type": "integer", "example": 1},
        "quantity": {"type": "integer", "description": "jars", "example": 2, "maximum": 5},
    },
}
ME = {"type": "object", "properties": {"username": {"type": "string"}, "town": {"type": "string"}}}
LOGIN = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}
ID = [{"name": "claim_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _ok(schema: dict[str, Any], code: str = "200") -> dict[str, Any]:
    return {code: {"description": "OK", "content": {"application/json": {"schema": schema}}}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "produce swap", "version": "1.3", "description": "Crates are public."},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/session": {
            "post": {
                "security": [],
                "requestBody": {"required": True, "content": {"application/json": {"schema": LOGIN}}},
                "responses": _ok({"type": "object", "properties": {"token": {"type": "string"}}}),
            }
        },
        "/api/me": {"get": {"responses": _ok(ME)}},
        "/api/crates": {
            "get": {"security": [], "summary": "Every crate (public)", "responses": _ok({"type": "array", "items": CRATE})}
        },
        "/api/claims": {
            "get": {"summary": "Your claims", "responses": _ok({"type": "array", "items": CLAIM})},
            "post": {
                "summary": "Claim jars from a neighbour's crate",
                "requestBody": {"required": True, "content": {"application/json": {"schema": NEW_CLAIM}}},
                "responses": {**_ok(CLAIM, "201"), "409": {"description": "your own crate, or not enough left"}},
            },
        },
        "/api/claims/{claim_id}": {
            "parameters": ID,
            "get": {"responses": _ok(CLAIM)},
            "delete": {"summary": "Take a claim back: the jars go back in the crate", "responses": {"204": {"description": "gone"}}},
        },
    },
}  # fmt: skip


class Swap:
    """Crates and claims; ``checks_quantity`` refuses a quantity below 1."""

    def __init__(self, *, checks_quantity: bool, refusal: int = 409) -> None:
        self.crates = copy.deepcopy(CRATES)
        self.claims = copy.deepcopy(CLAIMS)
        self.checks_quantity = checks_quantity
        self.refusal = refusal
        """The status of a claim on one's own crate (409, or a validator's 422)."""
        self.tried: list[tuple[str, Any]] = []
        """Each claim's grower and crate, as sent."""
        self._serial = itertools.count(2)
        self._tokens: dict[str, str] = {}

    def app(self) -> Flask:
        """The service as a WSGI app."""
        app = Flask(__name__)

        def grower() -> str:
            who = self._tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
            if who is None:
                abort(401)
            return who

        @app.post("/api/session")
        def session() -> Any:
            body = request.get_json(silent=True) or {}
            name = str(body.get("username", ""))
            if PASSWORDS.get(name) != body.get("password"):
                return jsonify(error="wrong username or password"), 401
            token = secrets.token_hex(8)
            self._tokens[token] = name
            return jsonify(token=token)

        @app.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @app.get("/api/me")
        def me() -> Any:
            return jsonify({"username": grower(), "town": "Frome"})

        @app.get("/api/crates")
        def crates() -> Any:
            return jsonify(list(self.crates.values()))

        @app.get("/api/claims")
        def claims() -> Any:
            who = grower()
            return jsonify([c for c in self.claims.values() if c["claimer"] == who])

        @app.post("/api/claims")
        def claim() -> Any:
            who, body = grower(), request.get_json(silent=True) or {}
            crate, quantity = self.crates.get(body.get("crate_id")), body.get("quantity")
            self.tried.append((who, body.get("crate_id")))
            if crate is None or not isinstance(quantity, int):
                return jsonify(error="crate_id and quantity are required"), 400
            if self.checks_quantity and quantity < 1:
                return jsonify(error="quantity must be at least 1"), 400
            if crate["owner"] == who:
                return jsonify(error="You cannot claim from your own crate"), self.refusal
            if crate["left"] < quantity:
                return jsonify(error="Not enough left in this crate"), 409
            self._take(crate, quantity)
            made = {"id": next(self._serial), "crate_id": crate["id"], "quantity": quantity}
            self.claims[made["id"]] = {**made, "claimer": who}
            return jsonify(self.claims[made["id"]]), 201

        @app.route("/api/claims/<int:claim_id>", methods=["GET", "DELETE"])
        def one(claim_id: int) -> Any:
            who, found = grower(), self.claims.get(claim_id)
            if found is None or found["claimer"] != who:
                abort(404)
            if request.method == "GET":
                return jsonify(found)
            self._take(self.crates[found["crate_id"]], -found["quantity"])
            del self.claims[claim_id]
            return "", 204

        return app

    def _take(self, crate: dict[str, Any], quantity: int) -> None:
        crate["left"] -= quantity
        crate["status"] = "available" if crate["left"] > 0 else "gone"


def _scan(swap: Swap, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    with serving(swap.app(), wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "negative_amount"
        )
    assert report, result.stderr[-2000:]
    return result.returncode, report


@pytest.mark.parametrize(
    ("checks_quantity", "refusal"),
    [(False, 409), (True, 409), (False, 422)],
    ids=["flawed", "fixed", "flawed-422"],
)
def test_a_claim_on_ones_own_crate_is_made_again_on_a_neighbours(
    tmp_path: Path, checks_quantity: bool, refusal: int
) -> None:
    """Each refused claim goes to another grower's available crate; the negative quantity is
    found (not on the fixed twin); every crate and claim is as found."""
    swap = Swap(checks_quantity=checks_quantity, refusal=refusal)
    code, report = _scan(swap, tmp_path)
    assert (swap.crates, swap.claims) == (CRATES, CLAIMS), report["tables"]["target_state"]
    assert code in {0, 1}, report["notes"]
    found = {(f["check"], f["operation"]) for f in report["findings"]}
    assert (("negative_amount", "POST /api/claims") in found) is not checks_quantity, found
    # Tested on both twins: a legitimate claim got through (on the fixed one, silently).
    assert {"check": "negative_amount", "operation": "POST /api/claims"} in report["ran"]
    # The empty crate is never tried while an available one is left.
    assert all(crate != 2 for who, crate in swap.tried if who != "carol"), swap.tried
