"""Cookie sessions: a logout never ends an identity's working session, and a redirect to the login page logs it in again.

A journal in Flask as its author writes it: a form login sets a ``sid`` cookie, a
server-side session store, ``POST /logout`` deletes the session and clears the cookie,
and a request without a live session is redirected to ``/login`` (302), as Flask-Login
and most cookie-session frameworks do; no 401 anywhere. Sessions also expire after a
number of requests, as idle timeouts do.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from typing import Any

import pytest
from flask import Flask, jsonify, redirect, request

from apiward.scan import Results, ScanConfig, load_identities, scan
from apiward.scan.checks import builtin_checks
from apiward.spec import load
from serving import serving

COOKIE = [{"session": []}]
ENTRY = {"type": "object", "properties": {"text": {"type": "string", "maxLength": 200}}}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "journal", "version": "1"},
    "security": COOKIE,
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "sid"}}
    },
    "paths": {
        "/login": {
            "post": {
                "security": [],
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "logged in"}},
            }
        },
        "/logout": {"post": {"responses": {"200": {"description": "logged out"}}}},
        "/entries": {
            "get": {"responses": {"200": {"description": "mine"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": ENTRY}}},
                "responses": {"200": {"description": "kept"}},
            },
        },
        "/me": {"get": {"responses": {"200": {"description": "me"}}}},
    },
}
USERS = {"ann": "ann-pw-1234", "ben": "ben-pw-5678"}
IDENTITIES = """\
identities:
  - name: ann
    login: {operation: POST /login, form: {username: ann, password: ann-pw-1234}}
  - name: ben
    login: {operation: POST /login, form: {username: ben, password: ben-pw-5678}}
"""


class Journal:
    """The sessions, each user's entries, and what each identity's requests found."""

    def __init__(self, *, lifetime: int = 10_000) -> None:
        self.lifetime = lifetime
        self.sessions: dict[str, list[Any]] = {}  # sid -> [user, requests left]
        self.entries: dict[str, list[str]] = {u: [] for u in USERS}
        self.logins: dict[str, int] = dict.fromkeys(USERS, 0)
        self.served: dict[str, int] = dict.fromkeys(USERS, 0)
        self.stale: list[str] = []
        """Paths asked with a cookie whose session was logged out: a session the scan lost."""
        self.ended: set[str] = set()
        self.uses: dict[str, int] = {}
        """Requests each session served before it was logged out (or so far)."""
        self.lock = threading.Lock()

    def user(self) -> str | None:
        sid = request.cookies.get("sid")
        with self.lock:
            found = self.sessions.get(sid or "")
            if found is None:
                if sid in self.ended:
                    self.stale.append(request.path)
                return None
            found[1] -= 1
            self.uses[sid or ""] = self.uses.get(sid or "", 0) + 1
            if found[1] <= 0:
                del self.sessions[sid or ""]
            self.served[found[0]] += 1
            return str(found[0])

    def app(self) -> Flask:
        app = Flask("journal")

        @app.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @app.post("/login")
        def login() -> Any:
            name, password = request.form.get("username"), request.form.get("password")
            if name not in USERS or USERS[name] != password:
                return jsonify(error="invalid credentials")
            sid = secrets.token_hex(8)
            with self.lock:
                self.sessions[sid] = [name, self.lifetime]
                self.logins[name] += 1
            answer = jsonify(message="welcome")
            answer.set_cookie("sid", sid, httponly=True)
            return answer

        @app.post("/logout")
        def logout() -> Any:
            with self.lock:
                sid = request.cookies.get("sid", "")
                if self.sessions.pop(sid, None) is not None:
                    self.ended.add(sid)
            answer = jsonify(message="logged out")
            answer.delete_cookie("sid")
            return answer

        @app.route("/entries", methods=["GET", "POST"])
        def entries() -> Any:
            me = self.user()
            if me is None:
                return redirect("/login")
            if request.method == "POST":
                text = (request.get_json(silent=True) or {}).get("text")
                if not isinstance(text, str):
                    return jsonify(error="text required"), 400
                self.entries[me].append(text)
            return jsonify(items=self.entries[me], next=None)

        @app.get("/me")
        def me() -> Any:
            user = self.user()
            return redirect("/login") if user is None else jsonify(username=user)

        return app


EVERY_CHECK_BUT_LOGOUT = ",".join(n for n in builtin_checks().names() if n != "logout")
"""The ``logout`` check logs out a session it made and read with on purpose."""


def _scan(journal: Journal, tmp_path: Any, checks: str) -> Results:
    (tmp_path / "identities.yaml").write_text(IDENTITIES)
    with serving(journal.app(), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(
            target=url,
            identities=load_identities(str(tmp_path / "identities.yaml")),
            checks=tuple(checks.split(",")),
        )
        return asyncio.run(scan(api, config, builtin_checks()))


def test_a_logout_goes_on_a_session_of_its_own(tmp_path: Any) -> None:
    """Checks send the identities' POST /logout, yet no request of theirs goes out logged out."""
    journal = Journal()
    results = _scan(journal, tmp_path, EVERY_CHECK_BUT_LOGOUT)
    assert journal.ended, "no logout was sent"
    assert {sid: journal.uses.get(sid, 0) for sid in journal.ended} == dict.fromkeys(
        journal.ended, 0
    ), "a session that served the scan's requests was logged out"
    assert journal.stale == []
    assert not [f for f in results.findings if "without credentials" in f.title], results.findings


@pytest.mark.parametrize("lifetime", [3])
def test_a_redirect_to_the_login_page_logs_the_identity_in_again(
    tmp_path: Any, lifetime: int
) -> None:
    """Sessions that expire answer 302 to /login: the identity logs in afresh and goes on.

    Three requests a session: nothing deletes an entry, so the scan writes none, and the
    checks send ann only a few requests.
    """
    journal = Journal(lifetime=lifetime)
    _scan(journal, tmp_path, "auth_bypass,bola,resource_limits")
    assert journal.logins["ann"] > 2
    assert journal.served["ann"] > lifetime
