"""A redemption that answers 201 with a new "redemption" object is still a redemption.

JSON:API and many REST styles model redeeming a code as creating a redemption:
``POST /vouchers/redeem`` answers ``201 {"id": "...", "code": ..., "credited": 500}``. The
ledger took it for a creation and let it go out as every identity of the file, whose
credit then grew for good (the Tornado trial: four real users credited). A redemption goes
only as a user the scan signed up, or under ``--aggressive``; with no sign-up, not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from tests.conftest import scan_with_identities

TOKENS = {"tok-lena": "lena", "tok-marc": "marc"}


def _contract() -> dict[str, Any]:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    code = {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}
    body = {"required": True, "content": {"application/json": {"schema": code}}}
    made = {"201": {"description": "redeemed", "content": {"application/json": {"schema": {}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "loyalty", "version": "1"},
        "security": [{"token": []}],
        "paths": {
            "/me": {"get": {"responses": ok}},
            "/redemptions": {"get": {"responses": ok}},
            "/vouchers/redeem": {"post": {"requestBody": body, "responses": made}},
        },
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    }


def loyalty_app() -> Flask:
    """Every redemption credits its sender 500 points, as often as it is sent."""
    app = Flask(__name__)
    credits = dict.fromkeys(TOKENS.values(), 1000)
    redemptions: list[dict[str, Any]] = []

    def caller() -> str | None:
        return TOKENS.get(request.headers.get("Authorization", "").removeprefix("Bearer "))

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.get("/me")
    def me() -> Any:
        who = caller()
        if who is None:
            return jsonify({"message": "unauthorized"}), 401
        return jsonify({"name": who, "credits": credits[who]})

    @app.get("/redemptions")
    def listed() -> Any:
        who = caller()
        if who is None:
            return jsonify({"message": "unauthorized"}), 401
        return jsonify([r for r in redemptions if r["by"] == who])

    @app.post("/vouchers/redeem")
    def redeem() -> Any:
        who = caller()
        if who is None:
            return jsonify({"message": "unauthorized"}), 401
        code = str((request.get_json(silent=True) or {}).get("code", ""))
        credits[who] += 500
        made = {"id": str(uuid.uuid4()), "code": code, "credited": 500, "by": who}
        redemptions.append(made)
        return jsonify(made), 201

    app.config["redemptions"] = redemptions
    return app


IDENTITIES = """
identities:
  - name: lena
    role: member
    headers: {Authorization: Bearer tok-lena}
  - name: marc
    role: member
    headers: {Authorization: Bearer tok-marc}
values:
  code: SPRING25
"""


def test_no_identity_of_the_file_redeems(serve: Callable[..., Any], tmp_path: Path) -> None:
    """A default scan sends no redemption as lena or marc; the skip says why."""
    app = loyalty_app()
    result, report = scan_with_identities(serve(app, wsgi=True).url, IDENTITIES, tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert app.config["redemptions"] == []
    reasons = [s.get("detail") or "" for s in report["skipped"]]
    assert any("a redemption credits its sender for good" in r for r in reasons), reasons
