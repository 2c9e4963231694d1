"""Without --aggressive the scan creates nothing the contract cannot delete.

A guestbook in Flask: anyone signed in may add an entry (``POST /entries``, answered 201)
and everyone reads them all (``GET /entries``); there is no DELETE. A ``--safe`` scan adds
none, and neither does a default one (it did, and listed each as left, until the Fastify
trial's probes left a shared catalogue full of payloads): the guestbook others read stays as
it was. ``--aggressive`` adds entries (its injection probes must, to test them) and lists
each as left. Anyone may also open an account (``POST /signup``), which nothing deletes: no
probe opens one but under ``--aggressive``.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from tests.conftest import scan_with_identities

from serving import serving

ENTRY = {
    "type": "object",
    "properties": {
        "entry_id": {"type": "integer", "readOnly": True},
        "text": {"type": "string", "maxLength": 200},
        "mood": {"type": "string", "enum": ["happy", "sad"]},
    },
}
SIGN_UP = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "username": {"type": "string", "maxLength": 60},
        "password": {"type": "string", "format": "password", "maxLength": 60},
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "guestbook", "version": "1"},
    "security": [{"key": []}],
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
    "paths": {
        "/signup": {
            "post": {
                "security": [],
                "requestBody": _json(SIGN_UP),
                "responses": {"201": {"description": "opened"}},
            }
        },
        "/entries": {
            "get": {
                "responses": {
                    "200": {
                        "description": "every entry",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": ENTRY}}
                        },
                    }
                }
            },
            "post": {
                "requestBody": _json(ENTRY),
                "responses": {
                    "201": {
                        "description": "added",
                        "content": {"application/json": {"schema": ENTRY}},
                    }
                },
            },
        },
    },
}
KEYS = {"key-ann-5521": "ann", "key-ben-7713": "ben"}


class Guestbook:
    """The entries, two seeded."""

    def __init__(self) -> None:
        self.entries = [
            {"entry_id": 1, "text": "Lovely stay", "mood": "happy", "by": "ann"},
            {"entry_id": 2, "text": "Too cold", "mood": "sad", "by": "ben"},
        ]
        self.serial = itertools.count(3)
        self.accounts: list[str] = []

    def app(self) -> Flask:
        """The service as a WSGI app."""
        web = Flask("guestbook")

        @web.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        def caller() -> str:
            return KEYS.get(request.headers.get("X-Key", "")) or abort(401)

        @web.post("/signup")
        def sign_up() -> Any:
            body = request.get_json(silent=True) or {}
            self.accounts.append(str(body.get("username")))
            return jsonify(username=str(body.get("username"))), 201

        @web.get("/entries")
        def listing() -> Any:
            caller()
            return jsonify([{k: v for k, v in e.items() if k != "by"} for e in self.entries])

        @web.post("/entries")
        def add() -> Any:
            who = caller()
            body = request.get_json(silent=True) or {}
            entry = {
                "entry_id": next(self.serial),
                "text": str(body.get("text", ""))[:200],
                "mood": body.get("mood", "happy"),
                "by": who,
            }
            self.entries.append(entry)
            return jsonify({k: v for k, v in entry.items() if k != "by"}), 201

        return web


IDENTITIES = """\
identities:
  - name: ann
    headers: {X-Key: key-ann-5521}
  - name: ben
    headers: {X-Key: key-ben-7713}
"""


@pytest.fixture(scope="module", params=["default", "safe", "aggressive"])
def scanned(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Guestbook, Any]:
    """One scan of the guestbook in each mode, and what it left."""
    book = Guestbook()
    folder = tmp_path_factory.mktemp("guestbook")
    mode = [f"--{request.param}"] if request.param != "default" else []
    with serving(book.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, *mode)
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    return request.param, book, report


def test_a_safe_scan_adds_no_entry_nobody_can_delete(
    scanned: tuple[str, Guestbook, Any],
) -> None:
    """--safe and a default scan leave the guestbook as it was; --aggressive adds entries and lists them."""
    mode, book, report = scanned
    added = book.entries[2:]
    left = [r for r in report["tables"]["target_state"] if r["state"] == "left"]
    if mode != "aggressive":
        assert added == []
        why = [s.get("detail", "") for s in report["skipped"]]
        assert any("no DELETE for" in w for w in why), why
    if mode == "safe":
        assert book.accounts == []
    elif mode == "default":
        # No probe signs an account up under a name (without --aggressive: it would stay);
        # only a malformed body, which names none, may still open one ("None").
        assert [a for a in book.accounts if a != "None"] == []
    else:
        assert added, "the aggressive scan tested nothing that creates an entry"
        assert left, "entries the scan left are not listed"
