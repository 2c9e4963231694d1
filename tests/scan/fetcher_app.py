"""A small documents API written the Flask way, with a write its own PUT cannot undo.

What a shared staging system holds: documents seeded for alice and bob (the identities
a scan is given) and for dave (whom the scan never logs in as). ``PUT /docs/<id>`` takes
a title and a text only; ``POST /docs/<id>/fetch`` downloads a URL (only from 127.0.0.1,
so the test never leaves the machine) into the document's ``fetched`` field, which every
read shows and nothing but another fetch can change. The fetch checks no owner
(``owner_check=False``, a BOLA on a write): any user overwrites anyone's document.

:meth:`Docs.changed` lists the seeded documents that no longer read as seeded.
"""

from __future__ import annotations

import copy
import secrets
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, jsonify, request

from serving import serving

PASSWORDS = {"alice": "alice-pw-1", "bob": "bob-pw-2", "dave": "dave-pw-4"}
SEED: dict[str, dict[str, Any]] = {
    "d-alice-1": {"owner": "alice", "title": "Diary", "text": "dear diary", "fetched": None},
    "d-alice-2": {"owner": "alice", "title": "Recipes", "text": "soup", "fetched": None},
    "d-bob-1": {"owner": "bob", "title": "Todo", "text": "call the bank", "fetched": None},
    "d-dave-1": {"owner": "dave", "title": "Payroll", "text": "salaries", "fetched": "v1"},
}
IDENTITIES = """\
identities:
  - name: alice
    role: user
    login:
      operation: POST /auth/token
      json: {username: alice, password: alice-pw-1}
      token: access_token
  - name: bob
    role: user
    login:
      operation: POST /auth/token
      json: {username: bob, password: bob-pw-2}
      token: access_token
"""

_DOC = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "owner": {"type": "string", "readOnly": True},
        "title": {"type": "string"},
        "text": {"type": "string"},
        "fetched": {"type": "string", "nullable": True},
    },
}
_INPUT = {
    "type": "object",
    "required": ["title"],
    "properties": {"title": {"type": "string", "maxLength": 100}, "text": {"type": "string"}},
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "docs", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/auth/token": {
            "post": {
                "security": [],
                "requestBody": _json(
                    {
                        "type": "object",
                        "required": ["username", "password"],
                        "properties": {
                            "username": {"type": "string"},
                            "password": {"type": "string"},
                        },
                    }
                ),
                "responses": {"200": {"description": "a token"}, "401": {"description": "no"}},
            }
        },
        "/docs": {
            "get": {
                "responses": {
                    "200": {"description": "yours", **_json({"type": "array", "items": _DOC})}
                }
            },
            "post": {
                "requestBody": _json(_INPUT),
                "responses": {"201": {"description": "made", **_json(_DOC)}},
            },
        },
        "/docs/{id}": {
            "parameters": _ID,
            "get": {
                "responses": {
                    "200": {"description": "one", **_json(_DOC)},
                    "404": {"description": "no"},
                }
            },
            "put": {
                "requestBody": _json(_INPUT),
                "responses": {
                    "200": {"description": "done", **_json(_DOC)},
                    "404": {"description": "no"},
                },
            },
            "delete": {"responses": {"204": {"description": "gone"}, "404": {"description": "no"}}},
        },
        "/docs/{id}/fetch": {
            "parameters": _ID,
            "post": {
                "description": "Download a document from a URL into the document.",
                "requestBody": _json(
                    {
                        "type": "object",
                        "required": ["url"],
                        "properties": {"url": {"type": "string", "format": "uri"}},
                    }
                ),
                "responses": {
                    "200": {"description": "fetched", **_json(_DOC)},
                    "404": {"description": "no"},
                    "422": {"description": "could not fetch"},
                },
            },
        },
    },
}


class Docs:
    """One instance of the API with its own state."""

    def __init__(self, *, owner_check: bool = True) -> None:
        self.docs: dict[str, dict[str, Any]] = copy.deepcopy(SEED)
        self.tokens: dict[str, str] = {}
        self.owner_check = owner_check
        self.lock = threading.Lock()
        self.app = self._build()

    def changed(self) -> dict[str, dict[str, Any]]:
        """The seeded documents that differ from the seed (a deleted one reads as {})."""
        with self.lock:
            return {k: self.docs.get(k, {}) for k, v in SEED.items() if self.docs.get(k) != v}

    def _build(self) -> Flask:
        app = Flask("docs")

        def user() -> str | None:
            header = request.headers.get("Authorization", "")
            return self.tokens.get(header.removeprefix("Bearer ").strip())

        def out(key: str) -> dict[str, Any]:
            return {"id": key, **self.docs[key]}

        def refused(status: int, message: str) -> tuple[Response, int]:
            return jsonify(error=message), status

        @app.get("/openapi.json")
        def spec() -> Any:
            return jsonify(SPEC)

        @app.post("/auth/token")
        def token() -> Any:
            body = request.get_json(silent=True) or {}
            name = body.get("username")
            if not isinstance(name, str) or PASSWORDS.get(name) != body.get("password"):
                return refused(401, "bad credentials")
            issued = secrets.token_urlsafe(16)
            self.tokens[issued] = name
            return jsonify(access_token=issued)

        @app.get("/docs")
        def listing() -> Any:
            who = user()
            if who is None:
                return refused(401, "log in")
            with self.lock:
                return jsonify([out(k) for k, d in self.docs.items() if d["owner"] == who])

        @app.post("/docs")
        def create() -> Any:
            who = user()
            body = request.get_json(silent=True) or {}
            if who is None:
                return refused(401, "log in")
            if not isinstance(body.get("title"), str) or not body["title"]:
                return refused(400, "title required")
            key = f"d-{secrets.token_hex(4)}"
            with self.lock:
                text = body.get("text") if isinstance(body.get("text"), str) else ""
                self.docs[key] = {
                    "owner": who,
                    "title": body["title"],
                    "text": text,
                    "fetched": None,
                }
                made = out(key)
            return jsonify(made), 201, {"Location": f"/docs/{key}"}

        def mine(key: str, *, check: bool = True) -> str | tuple[Response, int]:
            who = user()
            if who is None:
                return refused(401, "log in")
            doc = self.docs.get(key)
            if doc is None or (check and doc["owner"] != who):
                return refused(404, "no such document")
            return who

        @app.get("/docs/<key>")
        def read(key: str) -> Any:
            found = mine(key)
            return found if not isinstance(found, str) else jsonify(out(key))

        @app.put("/docs/<key>")
        def replace(key: str) -> Any:
            found = mine(key)
            if not isinstance(found, str):
                return found
            body = request.get_json(silent=True) or {}
            if not isinstance(body.get("title"), str):
                return refused(400, "title required")
            with self.lock:
                text = body.get("text") if isinstance(body.get("text"), str) else ""
                self.docs[key].update(title=body["title"], text=text)
                return jsonify(out(key))

        @app.delete("/docs/<key>")
        def remove(key: str) -> Any:
            found = mine(key)
            if not isinstance(found, str):
                return found
            with self.lock:
                del self.docs[key]
            return "", 204

        @app.post("/docs/<key>/fetch")
        def fetch(key: str) -> Any:
            found = mine(key, check=self.owner_check)
            if not isinstance(found, str):
                return found
            url = (request.get_json(silent=True) or {}).get("url")
            if not isinstance(url, str) or urllib.parse.urlsplit(url).hostname != "127.0.0.1":
                return refused(422, "could not fetch url")  # the test never leaves the machine
            try:
                with urllib.request.urlopen(url, timeout=3) as answer:  # the flaw: any URL
                    content = answer.read(4096).decode("utf-8", "replace")
            except OSError:
                return refused(422, "could not fetch url")
            with self.lock:
                self.docs[key]["fetched"] = content
                return jsonify(out(key))

        return app


@contextmanager
def running(docs: Docs) -> Iterator[str]:
    """Serve ``docs`` with werkzeug's own server on 127.0.0.1 (ephemeral port)."""
    with serving(docs.app, wsgi=True) as url:
        yield url
