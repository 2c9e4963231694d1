"""Flask logins written the way their authors write them, served by werkzeug on 127.0.0.1.

* ``message_app``: a failed login answers **200** ``{"status": "fail", "message": ...}``;
  the message says whether the username exists (or, ``careful``, never does, and the
  account locks after five failures with a 200 'locked' message, as such apps do).
* ``timing_app``: one message for every failure, but only real users' passwords are
  hashed (PBKDF2, ~60 ms); ``careful`` hashes a dummy password for unknown users too.
"""

from __future__ import annotations

import hashlib
import secrets
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "zoo"))

LOCK_AFTER = 5
USERS = {"alice": "alice-pass-1", "bob": "bob-pass-1"}
_CREDENTIALS = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "accounts", "version": "1"},
    "paths": {
        "/api/v1/login": {
            "post": {
                "summary": "Log in",
                "requestBody": {"content": {"application/json": {"schema": _CREDENTIALS}}},
                "responses": {"200": {"description": "ok or fail, see status"}},
            }
        }
    },
}


def _flask() -> Flask:
    app = Flask(__name__)

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(CONTRACT)

    return app


def _token(username: str) -> Any:
    return jsonify(status="success", auth_token=f"{username}.{secrets.token_urlsafe(24)}")


def message_app(*, careful: bool) -> tuple[Flask, Counter[str]]:
    """A login that fails with 200; it leaks by message and never locks, unless careful."""
    failures: Counter[str] = Counter()
    app = _flask()

    @app.post("/api/v1/login")
    def login() -> Any:
        body = request.get_json(force=True, silent=True) or {}
        username, password = str(body.get("username", "")), str(body.get("password", ""))
        if careful and failures[username] >= LOCK_AFTER:
            return jsonify(status="fail", message="Account locked: too many failed logins.")
        if USERS.get(username) == password:
            return _token(username)
        failures[username] += 1
        if careful:
            return jsonify(status="fail", message="Username or password is incorrect.")
        if username not in USERS:
            return jsonify(status="fail", message="Username does not exist")
        return jsonify(status="fail", message="Password is not correct for the given username.")

    return app, failures


def _cost() -> int:
    """PBKDF2 iterations that take about 60 ms here (measured once, as a deployment would)."""
    started = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"x", b"salt", 20_000)
    per = (time.perf_counter() - started) / 20_000
    return max(20_000, int(0.060 / per))


def timing_app(*, careful: bool) -> tuple[Flask, Counter[str]]:
    """One message for every failure; only real users' passwords are hashed, unless careful."""
    failures: Counter[str] = Counter()
    app = _flask()
    rounds = _cost()
    salt = b"per-app-salt"
    hashes = {u: hashlib.pbkdf2_hmac("sha256", p.encode(), salt, rounds) for u, p in USERS.items()}
    dummy = hashlib.pbkdf2_hmac("sha256", b"dummy", salt, rounds)

    @app.post("/api/v1/login")
    def login() -> Any:
        body = request.get_json(force=True, silent=True) or {}
        username, password = str(body.get("username", "")), str(body.get("password", ""))
        stored = hashes.get(username)
        if stored is not None or careful:
            given = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, rounds)
            # The careful twin compares unknown users against a dummy hash: same work.
            if secrets.compare_digest(given, stored or dummy) and stored is not None:
                return _token(username)
        failures[username] += 1
        return jsonify(status="fail", message="Invalid username or password."), 401

    return app, failures
