"""session_secret: a Flask app whose session cookie is signed with its tutorial's key ("dev").

The notes API keeps the logged-in user's id in Flask's own signed cookie session, as the
Flask tutorial does; one twin keeps the tutorial's ``SECRET_KEY = "dev"``, the other a
random key. (The zoo's Starlette wallet is the same flaw in another framework.)
"""

from __future__ import annotations

import secrets
from typing import Any

from auth_support import scan_only, user
from flask import Flask, abort, jsonify, request, session

from apiward.core.findings import Confidence, Severity
from apiward.scan.checks.session_secret import SessionSecret
from serving import serving

USERS = {
    "maria": {"id": 11, "password": "maria-pw-1", "note": "maria's diary"},
    "tom": {"id": 12, "password": "tom-pw-1", "note": "tom's plans"},
}


def _contract() -> dict[str, Any]:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    login = {
        "type": "object",
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "notes", "version": "1"},
        "components": {
            "securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": "session"}}
        },
        "security": [{"cookie": []}],
        "paths": {
            "/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": {"content": {"application/json": {"schema": login}}},
                    "responses": ok,
                }
            },
            "/notes/mine": {"get": {"responses": ok}},
        },
    }


def notes_app(key: str) -> Flask:
    """Flask sessions signed with ``key``; the note shown is the session's user's."""
    app = Flask(__name__)
    app.secret_key = key

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.post("/auth/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        found = USERS.get(str(body.get("username")))
        if found is None or found["password"] != body.get("password"):
            abort(401)
        session["user_id"] = found["id"]
        return jsonify(message="welcome")

    @app.get("/notes/mine")
    def mine() -> Any:
        owner = next((n for n, u in USERS.items() if u["id"] == session.get("user_id")), None)
        if owner is None:
            abort(401)
        return jsonify(owner=owner, note=USERS[owner]["note"])

    return app


def _identities() -> tuple[Any, ...]:
    return tuple(user(n, str(u["password"]), path="/auth/login") for n, u in USERS.items())


def test_a_dictionary_key_lets_anyone_forge_anyones_session() -> None:
    """Key "dev" guessed offline; a forged cookie with tom's user_id reads tom's note: critical."""
    with serving(notes_app("dev"), wsgi=True) as url:
        results = scan_only(url, [SessionSecret()], _identities())
    [finding] = results.findings
    assert (finding.operation, finding.cwe) == ("GET /notes/mine", "CWE-1391")
    assert (finding.severity, finding.confidence) == (Severity.CRITICAL, Confidence.CONFIRMED)
    assert "Flask" in finding.title
    assert "de… (3 characters)" in finding.title
    assert "tom's plans" in (
        finding.evidence[-1].response.body if finding.evidence[-1].response else ""
    )
    assert results.errors == []


def test_silent_when_the_key_is_random() -> None:
    """A random key is in no list: nothing found, nothing skipped."""
    with serving(notes_app(secrets.token_hex(32)), wsgi=True) as url:
        results = scan_only(url, [SessionSecret()], _identities())
    assert results.findings == []
    assert results.errors == []
    assert not [s for s in results.skipped if s.check == "session_secret"]


def test_skipped_and_said_when_no_identity_has_a_signed_session() -> None:
    """Bearer-only identities: the check says it had nothing to work on."""
    with serving(notes_app("dev"), wsgi=True) as url:
        results = scan_only(url, [SessionSecret()], ())
    [skip] = [s for s in results.skipped if s.check == "session_secret"]
    assert "signed session cookie" in skip.detail
