"""negative_amount behind an OTP step-up, paying a real user: found, and the points go back.

The app is a Flask points exchange with Flask's own cookie session: ``POST /api/v1/session``
(form login), ``POST /api/v1/otp/confirm`` unlocks gifts for the session, ``POST
/api/v1/gifts`` gives points to a ``recipient`` named by user name (an unknown name is a
400), and ``GET /api/v1/profile`` answers the caller's own name and points. Without the
OTP, a gift answers 403 "OTP confirmation required".
"""

from __future__ import annotations

import asyncio
from typing import Any

from flask import Flask, jsonify, request, session
from flask.typing import ResponseReturnValue

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.negative_amount import NegativeAmount
from apiward.scan.identities import Login
from apiward.scan.restore import State, What
from apiward.spec import load
from serving import serving

OTP = "620194"
START = {"ana": 500, "ben": 500}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _contract() -> dict[str, Any]:
    def answer(description: str) -> dict[str, Any]:
        return {"description": description}

    form = {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    }
    gift = {
        "type": "object",
        "required": ["recipient", "points"],
        "properties": {
            "recipient": {"type": "string"},
            "points": {"type": "integer", "example": 25},
        },
    }
    otp = {
        "type": "object",
        "required": ["otp_code"],
        "properties": {"otp_code": {"type": "string", "pattern": "^[0-9]{6}$"}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "points", "version": "1"},
        "components": {
            "securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": "session"}}
        },
        "security": [{"cookie": []}],
        "paths": {
            "/api/v1/session": {
                "post": {
                    "security": [],
                    "requestBody": {
                        "content": {"application/x-www-form-urlencoded": {"schema": form}}
                    },
                    "responses": {"204": answer("logged in"), "401": answer("wrong password")},
                }
            },
            "/api/v1/otp/confirm": {
                "post": {
                    "requestBody": _json(otp),
                    "responses": {"200": answer("confirmed"), "403": answer("wrong code")},
                }
            },
            "/api/v1/gifts": {
                "post": {
                    "requestBody": _json(gift),
                    "responses": {
                        "200": answer("sent"),
                        "400": answer("unknown recipient or bad amount"),
                        "403": answer("forbidden"),
                    },
                }
            },
            "/api/v1/profile": {"get": {"responses": {"200": answer("you")}}},
        },
    }


def _app(*, validates: bool) -> tuple[Flask, dict[str, int], list[str]]:
    app = Flask("points")
    app.secret_key = "test-only-key"
    points = dict(START)
    wrong_codes: list[str] = []

    @app.post("/api/v1/session")
    def log_in() -> ResponseReturnValue:
        name = request.form.get("username", "")
        if name not in points or request.form.get("password") != f"{name}-pw":
            return jsonify(message="wrong password"), 401
        session.clear()
        session["user"] = name
        return "", 204

    @app.post("/api/v1/otp/confirm")
    def confirm() -> ResponseReturnValue:
        if "user" not in session:
            return jsonify(message="log in first"), 401
        code = str((request.get_json(silent=True) or {}).get("otp_code"))
        if code != OTP:
            wrong_codes.append(code)
            return jsonify(message="wrong code"), 403
        session["otp"] = True
        return jsonify(confirmed=True)

    @app.post("/api/v1/gifts")
    def gift() -> ResponseReturnValue:
        who = session.get("user")
        if who is None:
            return jsonify(message="log in first"), 401
        if not session.get("otp"):
            return jsonify(message="OTP confirmation required"), 403
        body = request.get_json(silent=True) or {}
        to, amount = body.get("recipient"), body.get("points")
        if to not in points or to == who or not isinstance(amount, int):
            return jsonify(message="unknown recipient or bad amount"), 400
        if amount > points[who] or (validates and amount <= 0):
            return jsonify(message="unknown recipient or bad amount"), 400
        points[who] -= amount
        points[to] += amount
        return jsonify(sent=amount)

    @app.get("/api/v1/profile")
    def profile() -> ResponseReturnValue:
        who = session.get("user")
        if who is None:
            return jsonify(message="log in first"), 401
        return jsonify(username=who, points=points[who])

    @app.get("/openapi.json")
    def contract() -> ResponseReturnValue:
        return jsonify(_contract())

    return app, points, wrong_codes


def _identities() -> tuple[Identity, ...]:
    return tuple(
        Identity(
            name=name,
            role="member",
            login=Login(
                method="POST",
                path="/api/v1/session",
                body={"username": name, "password": f"{name}-pw"},
                form=True,
            ),
        )
        for name in START
    )


def _scan(app: Flask, *, values: dict[str, str], step_up: tuple[str, ...] = ()) -> Results:
    with serving(app, wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        checks = Registry[AnyCheck]("check", [("negative_amount", NegativeAmount())])
        config = ScanConfig(target=url, identities=_identities(), values=values, step_up=step_up)
        return asyncio.run(scan(api, config, checks))


def test_a_negative_gift_is_found_after_the_otp_step_up() -> None:
    """The OTP from values: unlocks gifts; a gift of -25 to the peer is accepted: high."""
    app, points, wrong = _app(validates=False)
    results = _scan(app, values={"otp_code": OTP})
    [finding] = results.findings
    assert (finding.operation, finding.key) == ("POST /api/v1/gifts", "body:points")
    assert points == START
    assert wrong == []


def test_the_validating_twin_is_silent_and_the_peer_pays_the_control_back() -> None:
    """-25 refused: no finding; the peer gives the 25 back and the target state says so."""
    app, points, _ = _app(validates=True)
    results = _scan(app, values={"otp_code": OTP})
    assert results.findings == []
    assert points == START
    [moved] = [c for c in results.target_state if c.what is What.MOVED]
    assert (moved.state, moved.by) == (State.RESTORED, "ben")
    assert not results.damaged


def test_without_the_otp_no_code_is_guessed() -> None:
    """Without values: the scan never sends a made-up OTP as a real user; the check skips."""
    app, points, wrong = _app(validates=False)
    results = _scan(app, values={})
    assert results.findings == []
    assert wrong == []
    assert points == START
    assert any(s.check == "negative_amount" and "legitimate" in s.detail for s in results.skipped)


def test_a_step_up_the_file_names_is_the_one_used() -> None:
    """``step_up: [POST /api/v1/otp/confirm]`` in the file: the gift goes through after it."""
    app, points, wrong = _app(validates=False)
    results = _scan(app, values={"otp_code": OTP}, step_up=("POST /api/v1/otp/confirm",))
    assert [f.operation for f in results.findings] == ["POST /api/v1/gifts"]
    assert points == START
    assert wrong == []
