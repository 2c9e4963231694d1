"""A hiking log in Flask whose signed session cookie changes with every answer.

Flask's own session (``SecureCookieSessionInterface``: ``payload.timestamp.signature``)
holds the hiker and a count of the requests it made, as a "last seen" tracker would, so
every answer re-signs the session and sends it again in ``Set-Cookie``: the cookie a
scan sends later is never the one its login got. Hikers log in with a JSON body and
read trips by integer id; Flask's default HTML pages answer 401 and 404.
``TrailLog(owned=False)`` lets any hiker read any trip (BOLA); ``owned=True`` is the twin.
``resign=False`` keeps each session as its login set it (no request count).
Every cookie value the app ever set is kept in ``issued``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, request, session

HIKERS = {"ines": "ines-trail-4821", "oskar": "oskar-trail-9310"}
TRIPS = {
    1: {"id": 1, "hiker": "ines", "route": "Col de la Croix", "km": 14.2},
    2: {"id": 2, "hiker": "ines", "route": "Lac Bleu", "km": 9.5},
    3: {"id": 3, "hiker": "oskar", "route": "Dent Blanche hut", "km": 21.0},
    4: {"id": 4, "hiker": "oskar", "route": "Gorges du Trient", "km": 6.8},
}
IDENTITIES = """\
identities:
  - name: ines
    role: hiker
    login: {operation: POST /api/login, json: {login: ines, password: ines-trail-4821}}
  - name: oskar
    role: hiker
    login: {operation: POST /api/login, json: {login: oskar, password: oskar-trail-9310}}
"""
COOKIE = "trails"
_TRIP = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "hiker": {"type": "string"},
        "route": {"type": "string"},
        "km": {"type": "number"},
    },
}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "trail log", "version": "1.0"},
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": COOKIE}}
    },
    "security": [{"session": []}],
    "paths": {
        "/api/login": {
            "post": {
                "security": [],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "login": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "logged in"}},
            }
        },
        "/api/me": {"get": {"responses": {"200": {"description": "the hiker"}}}},
        "/api/trips": {
            "get": {
                "responses": {
                    "200": {
                        "description": "the hiker's trips",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": _TRIP}}
                        },
                    }
                }
            }
        },
        "/api/trips/{trip_id}": {
            "get": {
                "parameters": [
                    {
                        "name": "trip_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "one trip",
                        "content": {"application/json": {"schema": _TRIP}},
                    }
                },
            }
        },
    },
}


class TrailLog:
    """The app and every session cookie value it set."""

    def __init__(self, *, owned: bool, resign: bool = True) -> None:
        self.owned = owned
        self.resign = resign
        self.issued: list[str] = []

    def app(self) -> Flask:
        """The Flask app (WSGI)."""
        app = Flask("trails")
        app.secret_key = "trail-log-signing-key"
        app.config["SESSION_COOKIE_NAME"] = COOKIE

        @app.before_request
        def seen() -> None:
            if "hiker" in session and self.resign:
                session["requests"] = session.get("requests", 0) + 1

        @app.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @app.post("/api/login")
        def login() -> Any:
            body = request.get_json(silent=True)
            if not isinstance(body, dict) or HIKERS.get(str(body.get("login"))) != body.get(
                "password"
            ):
                abort(401)
            session.clear()
            session["hiker"] = body["login"]
            return jsonify({"hiker": body["login"]})

        @app.get("/api/me")
        def me() -> Any:
            return jsonify({"hiker": _hiker(), "trips": len(_own(_hiker()))})

        @app.get("/api/trips")
        def trips() -> Any:
            return jsonify(_own(_hiker()))

        @app.get("/api/trips/<int:trip_id>")
        def trip(trip_id: int) -> Any:
            hiker = _hiker()
            found = TRIPS.get(trip_id)
            if found is None or (self.owned and found["hiker"] != hiker):
                abort(404)
            return jsonify(found)

        app.wsgi_app = self._keeping(app.wsgi_app)  # type: ignore[method-assign]
        return app

    def _keeping(self, inner: Any) -> Any:
        """``inner`` keeping every cookie value it sets (Flask signs them after its hooks)."""

        def app(environ: Any, start_response: Any) -> Any:
            def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                cookies = [v for k, v in headers if k.lower() == "set-cookie"]
                self.issued += [c.split(";", 1)[0].split("=", 1)[1] for c in cookies]
                return start_response(status, headers, *rest)

            return inner(environ, start)

        return app


def _hiker() -> str:
    if "hiker" not in session:
        abort(401)
    return str(session["hiker"])


def _own(hiker: str) -> list[dict[str, Any]]:
    return [t for t in TRIPS.values() if t["hiker"] == hiker]
