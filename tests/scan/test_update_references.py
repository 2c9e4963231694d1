"""An update of one's own object that names a shared item (a vet everyone lists) goes out.

A vet clinic's appointments in Flask, shaped like the Nest trial's: ``GET /vets`` is
public, a client books ``POST /appointments`` with a ``vetId``, and reschedules by
``PATCH /appointments/{id}`` with the same fields. The scan used to withhold that PATCH
as "its body 'vetId' names another's object" — a creation naming a shared item was
already allowed, an update not — so the flawed twin's missing owner check on the PATCH
went unseen. Now the PATCH is sent, the BOLA found, and every appointment is as found.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: client, headers: {Authorization: Bearer c-alice}}
  - {name: bob, role: client, headers: {Authorization: Bearer c-bob}}
"""
TOKENS = {"Bearer c-alice": "alice", "Bearer c-bob": "bob"}
VETS = [{"id": 1, "name": "Dr Vega"}, {"id": 2, "name": "Dr Okafor"}]
SEED = {
    1: {"id": 1, "owner": "alice", "vetId": 1, "reason": "vaccination", "date": "2027-01-10"},
    2: {"id": 2, "owner": "bob", "vetId": 2, "reason": "check-up", "date": "2027-01-11"},
}
APPOINTMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "vetId": {"type": "integer"},
        "reason": {"type": "string", "maxLength": 80},
        "date": {"type": "string", "format": "date"},
    },
    "required": ["vetId", "reason", "date"],
}
JSON = {"application/json": {"schema": APPOINTMENT}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "clinic", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/vets": {
            "get": {
                "security": [],
                "summary": "Our vets",
                "responses": {"200": {"description": "vets"}},
            }
        },
        "/appointments": {
            "get": {"summary": "Your appointments", "responses": {"200": {"description": "yours"}}},
            "post": {
                "requestBody": {"required": True, "content": JSON},
                "responses": {"201": {"description": "booked", "content": JSON}},
            },
        },
        "/appointments/{id}": {
            "parameters": ID,
            "get": {
                "responses": {
                    "200": {"description": "one", "content": JSON},
                    "404": {"description": "no such"},
                }
            },
            "patch": {
                "summary": "Reschedule one of your appointments",
                "requestBody": {"required": True, "content": JSON},
                "responses": {
                    "200": {"description": "moved", "content": JSON},
                    "404": {"description": "no such"},
                },
            },
            "delete": {
                "responses": {
                    "204": {"description": "cancelled"},
                    "404": {"description": "no such"},
                }
            },
        },
    },
}


def app_of(rows: dict[int, dict[str, Any]], *, flawed: bool) -> Flask:
    """The clinic over ``rows``; ``flawed`` forgets the owner check on PATCH."""
    app = Flask(__name__)
    ids = itertools.count(10)

    def caller() -> str:
        who = TOKENS.get(request.headers.get("Authorization", ""))
        if who is None:
            abort(401)
        return who

    def body() -> dict[str, Any]:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400)
        return {k: data[k] for k in ("vetId", "reason", "date") if k in data}

    @app.get("/openapi.json")
    def contract() -> ResponseReturnValue:
        return jsonify(CONTRACT)

    @app.get("/vets")
    def vets() -> ResponseReturnValue:
        return jsonify(VETS)

    @app.route("/appointments", methods=["GET", "POST"])
    def appointments() -> ResponseReturnValue:
        who = caller()
        if request.method == "GET":
            return jsonify([r for r in rows.values() if r["owner"] == who])
        fields = body()
        if set(fields) != {"vetId", "reason", "date"} or fields["vetId"] not in {1, 2}:
            abort(422)
        key = next(ids)
        rows[key] = {"id": key, "owner": who, **fields}
        return jsonify(rows[key]), 201

    @app.route("/appointments/<int:key>", methods=["GET", "PATCH", "DELETE"])
    def appointment(key: int) -> ResponseReturnValue:
        who = caller()
        row = rows.get(key)
        if row is None or (row["owner"] != who and not (flawed and request.method == "PATCH")):
            abort(404)
        if request.method == "DELETE":
            del rows[key]
            return "", 204
        if request.method == "PATCH":
            fields = body()
            if fields.get("vetId", 1) not in {1, 2}:
                abort(422)
            row.update(fields)
        return jsonify(row)

    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_the_reschedule_is_sent_and_its_bola_found(tmp_path: Path, flawed: bool) -> None:
    """bola on PATCH /appointments/{id} (flawed only); no withhold for vetId; rows as found."""
    rows = copy.deepcopy(SEED)
    with serving(app_of(rows, flawed=flawed), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    serious = [f for f in report["findings"] if f["severity"] in {"medium", "high", "critical"}]
    found = [f for f in serious if f["operation"] == "PATCH /appointments/{id}"]
    assert bool(found) == flawed, serious
    withheld = [s for s in report["skipped"] if "vetId" in s["detail"]]
    assert withheld == [], withheld
    assert rows == SEED, report["tables"]["target_state"]
