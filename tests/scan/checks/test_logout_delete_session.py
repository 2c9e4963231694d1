"""logout: the idiomatic ``DELETE /api/session`` of cookie-session apps is a logout.

Express, Rails and Flask apps often end a session by deleting it: ``DELETE /api/session``
(operationId ``signOut``), no ``logout`` in the path. It was read three ways: destructive
(the DELETE method), so the logout check found "no logout operation"; and a logout, so
auth_bypass left it alone. Now it is a logout everywhere: the logout check sends it on a
session it logged in for itself, and the identities' own sessions keep working.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

Cli = Callable[..., subprocess.CompletedProcess[str]]

PASSWORDS = {"ines@example.com": "ines-pw-1", "omar@example.com": "omar-pw-1"}


def _contract() -> dict[str, Any]:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    credentials = {
        "type": "object",
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    }
    body = {"required": True, "content": {"application/json": {"schema": credentials}}}
    cookie = [{"sid": []}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "reading list", "version": "1"},
        "paths": {
            "/api/session": {
                "post": {"operationId": "signIn", "requestBody": body, "responses": ok},
                "delete": {
                    "operationId": "signOut",
                    "summary": "Sign out",
                    "security": cookie,
                    "responses": {"204": {"description": "signed out"}},
                },
            },
            "/api/reading-list": {"get": {"security": cookie, "responses": ok}},
        },
        "components": {
            "securitySchemes": {"sid": {"type": "apiKey", "in": "cookie", "name": "sid"}}
        },
    }


def reading_app(*, revokes: bool) -> Flask:
    """Sessions kept server-side by cookie; the careless twin's sign-out only clears the cookie."""
    app = Flask(__name__)
    sessions: dict[str, str] = {}
    ended: list[str] = []

    def caller() -> str | None:
        return sessions.get(request.cookies.get("sid", ""))

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.post("/api/session")
    def sign_in() -> Any:
        data = request.get_json(silent=True) or {}
        if PASSWORDS.get(data.get("email")) != data.get("password"):
            return jsonify({"error": {"code": "bad_credentials"}}), 401
        sid = secrets.token_hex(12)
        sessions[sid] = data["email"]
        answer = jsonify({"data": {"email": data["email"]}})
        answer.set_cookie("sid", sid, httponly=True)
        return answer

    @app.delete("/api/session")
    def sign_out() -> Any:
        sid = request.cookies.get("sid", "")
        if sid not in sessions:
            return jsonify({"error": {"code": "unauthenticated"}}), 401
        ended.append(sessions[sid])
        if revokes:
            del sessions[sid]
        answer = app.response_class(status=204)
        answer.delete_cookie("sid")
        return answer

    @app.get("/api/reading-list")
    def reading_list() -> Any:
        who = caller()
        if who is None:
            return jsonify({"error": {"code": "unauthenticated"}}), 401
        return jsonify({"data": [{"title": "Middlemarch", "reader": who}]})

    app.config["ended"] = ended
    return app


IDENTITIES = "identities:\n" + "".join(
    f"  - name: {email.split('@')[0]}\n    role: reader\n    login:\n"
    f"      operation: POST /api/session\n"
    f"      json: {{email: {email}, password: {password}}}\n"
    for email, password in PASSWORDS.items()
)


def _scan(apiward: Cli, url: str, tmp_path: Path) -> dict[str, Any]:
    ids = tmp_path / "identities.yaml"
    ids.write_text(IDENTITIES)
    out = tmp_path / "out.json"
    result = apiward(
        "scan", "--spec", f"{url}/openapi.json", "--target", url,
        "--identities", str(ids), "--checks", "logout,auth_bypass", "--json", str(out),
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return dict(json.loads(out.read_text()))


def test_a_delete_of_the_session_that_revokes_nothing_is_found(
    apiward: Cli, serve: Callable[..., Any], tmp_path: Path
) -> None:
    """The cookie still reads the list after signOut: a logout finding, on its own session."""
    app = reading_app(revokes=False)
    report = _scan(apiward, serve(app, wsgi=True).url, tmp_path)
    found = [f for f in report["findings"] if f["check"] == "logout"]
    assert [f["operation"] for f in found] == ["DELETE /api/session"]
    scope = {r["operation"]: r["why"] for r in report["tables"]["scope"]}
    assert "a logout" in scope["DELETE /api/session"]
    rows = report["tables"].get("target_state", [])
    assert not [r for r in rows if r["state"] == "no longer logs in"], rows


def test_silent_when_the_delete_ends_the_session(
    apiward: Cli, serve: Callable[..., Any], tmp_path: Path
) -> None:
    """The fixed twin forgets the session: no finding, and the scan signed out once only."""
    app = reading_app(revokes=True)
    report = _scan(apiward, serve(app, wsgi=True).url, tmp_path)
    assert [f for f in report["findings"] if f["check"] == "logout"] == []
    assert len(app.config["ended"]) == 1
