"""A reading-list API written the Flask way: entries made in a list, then handled on their own.

The layout many REST APIs use: ``POST /v2/lists/{list_id}/entries`` adds an entry to one
of the caller's lists, and the entry is then read, replaced and removed at the top level,
``GET``/``PUT``/``DELETE /v2/entries/{entry_id}``, with no list in its path. Ids are
integers handed out ``max + 1``; callers send ``X-Api-Key``; errors are
``{"message": ...}`` and an unknown route gets Flask's own HTML page.

``Shelf(flawed=True)`` forgets the owner check on ``PUT`` and ``DELETE /v2/entries/{id}``
(anyone with a key replaces or removes anyone's entry); ``flawed=False`` is the fixed twin.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from serving import serving

KEYS = {"k-alice-5d1f": "alice", "k-bob-83c2": "bob"}
LISTS: dict[int, dict[str, Any]] = {
    1: {"owner": "alice", "title": "To read"},
    2: {"owner": "bob", "title": "Sci-fi"},
}
ENTRIES: dict[int, dict[str, Any]] = {
    1: {"owner": "alice", "list_id": 1, "book": "Dune", "note": "reread"},
    2: {"owner": "alice", "list_id": 1, "book": "Emma", "note": ""},
    3: {"owner": "bob", "list_id": 2, "book": "Solaris", "note": "lent to carl"},
}
IDENTITIES = """\
identities:
  - name: alice
    role: reader
    headers: {X-Api-Key: k-alice-5d1f}
  - name: bob
    role: reader
    headers: {X-Api-Key: k-bob-83c2}
"""

_INT = {"type": "integer", "format": "int64"}
_LIST = {
    "type": "object",
    "properties": {"id": {**_INT, "readOnly": True}, "title": {"type": "string"}},
}
_ENTRY = {
    "type": "object",
    "properties": {
        "id": {**_INT, "readOnly": True},
        "list_id": {**_INT, "readOnly": True},
        "book": {"type": "string", "maxLength": 120},
        "note": {"type": "string", "maxLength": 500},
    },
}
_ERR = {"description": "not found", "content": {"application/json": {"schema": {"type": "object"}}}}


def _json(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _param(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": _INT}]


def _body(schema: dict[str, Any], *required: str) -> dict[str, Any]:
    content = {"application/json": {"schema": {**schema, "required": list(required)}}}
    return {"required": True, "content": content}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "shelf", "version": "2.0"},
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
    },
    "security": [{"key": []}],
    "paths": {
        "/v2/lists": {
            "get": {"operationId": "listLists", "responses": {"200": _json({"type": "object"})}},
            "post": {
                "operationId": "createList",
                "requestBody": _body(_LIST, "title"),
                "responses": {"201": _json(_LIST, "made")},
            },
        },
        "/v2/lists/{list_id}": {
            "parameters": _param("list_id"),
            "get": {"operationId": "getList", "responses": {"200": _json(_LIST), "404": _ERR}},
            "delete": {
                "operationId": "deleteList",
                "responses": {"204": {"description": "gone"}, "404": _ERR},
            },
        },
        "/v2/lists/{list_id}/entries": {
            "parameters": _param("list_id"),
            "get": {
                "operationId": "listEntries",
                "responses": {"200": _json({"type": "array", "items": _ENTRY}), "404": _ERR},
            },
            "post": {
                "operationId": "addEntry",
                "requestBody": _body(_ENTRY, "book"),
                "responses": {"201": _json(_ENTRY, "added"), "404": _ERR},
            },
        },
        "/v2/entries/{entry_id}": {
            "parameters": _param("entry_id"),
            "get": {"operationId": "getEntry", "responses": {"200": _json(_ENTRY), "404": _ERR}},
            "put": {
                "operationId": "replaceEntry",
                "requestBody": _body(_ENTRY, "book"),
                "responses": {"200": _json(_ENTRY), "404": _ERR},
            },
            "delete": {
                "operationId": "deleteEntry",
                "responses": {"204": {"description": "gone"}, "404": _ERR},
            },
        },
    },
}


class Shelf:
    """One instance of the API with its own state."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.lists = copy.deepcopy(LISTS)
        self.entries = copy.deepcopy(ENTRIES)
        self.made: list[int] = []
        """Every entry id ever added through the API."""
        self.lock = threading.Lock()
        self.app = self._build()

    def _build(self) -> Flask:
        app = Flask("shelf")
        app.add_url_rule("/openapi.json", "spec", lambda: jsonify(SPEC))
        app.add_url_rule("/v2/lists", "lists", self.lists_view, methods=["GET", "POST"])
        app.add_url_rule(
            "/v2/lists/<int:list_id>", "list", self.list_view, methods=["GET", "DELETE"]
        )
        app.add_url_rule(
            "/v2/lists/<int:list_id>/entries", "entries", self.entries_view, methods=["GET", "POST"]
        )
        app.add_url_rule(
            "/v2/entries/<int:entry_id>", "entry", self.entry_view, methods=["GET", "PUT", "DELETE"]
        )
        return app

    def _caller(self) -> str | None:
        return KEYS.get(request.headers.get("X-Api-Key", ""))

    def lists_view(self) -> ResponseReturnValue:
        who = self._caller()
        if who is None:
            return {"message": "missing or unknown API key"}, 401
        with self.lock:
            if request.method == "GET":
                mine = [
                    {"id": k, "title": v["title"]}
                    for k, v in self.lists.items()
                    if v["owner"] == who
                ]
                return {"items": mine, "count": len(mine)}
            body = request.get_json(silent=True)
            title = body.get("title") if isinstance(body, dict) else None
            if not isinstance(title, str) or not title.strip():
                return {"message": "title is required"}, 422
            new = max(self.lists, default=0) + 1
            self.lists[new] = {"owner": who, "title": title[:80]}
            return {"id": new, "title": title[:80]}, 201

    def list_view(self, list_id: int) -> ResponseReturnValue:
        who = self._caller()
        if who is None:
            return {"message": "missing or unknown API key"}, 401
        with self.lock:
            found = self.lists.get(list_id)
            if found is None or found["owner"] != who:
                return {"message": "list not found"}, 404
            if request.method == "DELETE":
                del self.lists[list_id]  # its entries stay: they are handled on their own
                return "", 204
            return {"id": list_id, "title": found["title"]}

    def entries_view(self, list_id: int) -> ResponseReturnValue:
        who = self._caller()
        if who is None:
            return {"message": "missing or unknown API key"}, 401
        with self.lock:
            found = self.lists.get(list_id)
            if found is None or found["owner"] != who:
                return {"message": "list not found"}, 404
            if request.method == "GET":
                return jsonify(
                    [self._out(k) for k, e in self.entries.items() if e["list_id"] == list_id]
                )
            body = request.get_json(silent=True)
            book = body.get("book") if isinstance(body, dict) else None
            if not isinstance(book, str) or not book.strip():
                return {"message": "book is required"}, 422
            note = body.get("note", "") if isinstance(body, dict) else ""
            new = max(self.entries, default=0) + 1
            self.entries[new] = {"owner": who, "list_id": list_id, "book": book, "note": str(note)}
            self.made.append(new)
            return self._out(new), 201

    def entry_view(self, entry_id: int) -> ResponseReturnValue:
        who = self._caller()
        if who is None:
            return {"message": "missing or unknown API key"}, 401
        with self.lock:
            found = self.entries.get(entry_id)
            checked = request.method == "GET" or not self.flawed
            if found is None or (checked and found["owner"] != who):
                return {"message": "entry not found"}, 404
            if request.method == "DELETE":
                del self.entries[entry_id]
                return "", 204
            if request.method == "PUT":
                body = request.get_json(silent=True)
                if not isinstance(body, dict) or not isinstance(body.get("book"), str):
                    return {"message": "book is required"}, 422
                found["book"], found["note"] = body["book"], str(body.get("note", ""))
            return self._out(entry_id)

    def _out(self, entry_id: int) -> dict[str, Any]:
        entry = self.entries[entry_id]
        return {
            "id": entry_id,
            "list_id": entry["list_id"],
            "book": entry["book"],
            "note": entry["note"],
        }


@contextmanager
def running(shelf: Shelf) -> Iterator[str]:
    """Serve ``shelf`` on 127.0.0.1 until the block ends; yields its URL."""
    with serving(shelf.app, wsgi=True) as url:
        yield url
