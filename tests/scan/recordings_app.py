"""A field-recordings archive written the Flask way, addressing each object by a query id.

Recordists keep recordings and playlists. There is no item path: one recording is
``GET /api/recordings?id=7``, changed by ``PATCH /api/recordings?id=7`` and deleted by
``DELETE /api/recordings?id=7``; a playlist is deleted by ``DELETE
/api/playlists?playlistId=3`` and only ever read in its owner's listing. Answers come in
an envelope, ``{"ok": true, "data": ...}``, and a recording that is not there is answered
200 ``{"ok": false, "error": "recording not found"}``, as such APIs often do; other
refusals are ``{"ok": false, "error": ...}`` with a 4xx. Tokens go in ``X-Auth-Token``.

``owner_check=False`` is the flawed twin: any recordist reads, changes and deletes any
recording by its id, and deletes any playlist. The fixed twin answers another's recording
as not found and refuses another's playlist with 404; its ``DELETE /api/recordings``
answers 200 "removed" for any id and removes only the caller's own (idempotent, so an
answer proves nothing).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from apiward.scan import Identity

TOKENS = {"tok-mira-51": 1, "tok-jonas-52": 2}
IDENTITIES = (
    Identity(name="mira", role="recordist", headers={"X-Auth-Token": "tok-mira-51"}),
    Identity(name="jonas", role="recordist", headers={"X-Auth-Token": "tok-jonas-52"}),
)
RECORDINGS = {
    1: {"owner": 1, "title": "Dawn chorus, Białowieża", "location": "52.70,23.86", "minutes": 41},
    2: {
        "owner": 1,
        "title": "Ice cracking on Lake Baikal",
        "location": "53.50,108.0",
        "minutes": 12,
    },
    3: {"owner": 2, "title": "Tram depot at night", "location": "50.06,19.94", "minutes": 27},
    4: {"owner": 3, "title": "Geysers of Haukadalur", "location": "64.31,-20.30", "minutes": 9},
}
PLAYLISTS = {
    1: {"owner": 1, "name": "Forest mornings"},
    2: {"owner": 2, "name": "Machines"},
    3: {"owner": 3, "name": "Water"},
}

_RECORDING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "location": {"type": "string"},
        "minutes": {"type": "integer"},
    },
}
_PLAYLIST = {
    "type": "object",
    "properties": {"playlistId": {"type": "integer"}, "name": {"type": "string"}},
}


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}, "data": data}}
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _query(name: str, *, required: bool) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": {"type": "integer"}}


_WRITABLE = {
    "title": {"type": "string", "maxLength": 80},
    "location": {"type": "string", "maxLength": 40},
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "field recordings", "version": "1.0"},
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}}
    },
    "security": [{"token": []}],
    "paths": {
        "/api/recordings": {
            "get": {
                "summary": "My recordings, or one recording by id",
                "parameters": [_query("id", required=False)],
                "responses": {"200": _envelope({"type": "array", "items": _RECORDING})},
            },
            "post": {
                "summary": "Upload a recording's metadata",
                "requestBody": _body(
                    {**_WRITABLE, "minutes": {"type": "integer", "minimum": 1, "maximum": 600}},
                    ["title", "minutes"],
                ),
                "responses": {"200": _envelope(_RECORDING)},
            },
            "patch": {
                "parameters": [_query("id", required=True)],
                "requestBody": _body(_WRITABLE, []),
                "responses": {"200": _envelope(_RECORDING), "404": {"description": "no"}},
            },
            "delete": {
                "parameters": [_query("id", required=True)],
                "responses": {"200": _envelope({"type": "object"}), "404": {"description": "no"}},
            },
        },
        "/api/playlists": {
            "get": {"responses": {"200": _envelope({"type": "array", "items": _PLAYLIST})}},
            "post": {
                "requestBody": _body({"name": {"type": "string", "maxLength": 40}}, ["name"]),
                "responses": {"201": _envelope(_PLAYLIST)},
            },
            "delete": {
                "parameters": [_query("playlistId", required=True)],
                "responses": {"200": _envelope({"type": "object"}), "404": {"description": "no"}},
            },
        },
    },
}


class Archive:
    """One instance of the API with its own state; ``owner_check=False`` is the flawed twin."""

    def __init__(self, *, owner_check: bool) -> None:
        self.recordings: dict[int, dict[str, Any]] = copy.deepcopy(RECORDINGS)
        self.playlists: dict[int, dict[str, Any]] = copy.deepcopy(PLAYLISTS)
        self.owner_check = owner_check
        self.lock = threading.Lock()
        self.app = self._build()

    def state(self) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
        """Every recording and playlist there is now."""
        with self.lock:
            return copy.deepcopy(self.recordings), copy.deepcopy(self.playlists)

    def _build(self) -> Flask:
        app = Flask("recordings")

        def fail(message: str, status: int = 400) -> ResponseReturnValue:
            return jsonify(ok=False, error=message), status

        def caller() -> int | None:
            return TOKENS.get(request.headers.get("X-Auth-Token", ""))

        def key(name: str) -> int | None:
            value = request.args.get(name, "")
            return int(value) if value.isdigit() else None

        def recording(key: int) -> dict[str, Any]:
            row = self.recordings[key]
            return {"id": key, **{k: v for k, v in row.items() if k != "owner"}}

        def mine(store: dict[int, dict[str, Any]], key: int | None, who: int) -> bool:
            row = store.get(key) if key is not None else None
            return row is not None and (row["owner"] == who or not self.owner_check)

        @app.get("/openapi.json")
        def spec() -> ResponseReturnValue:
            return jsonify(SPEC)

        @app.get("/api/recordings")
        def read_recordings() -> ResponseReturnValue:
            who = caller()
            if who is None:
                return fail("log in first", 401)
            with self.lock:
                if "id" not in request.args:
                    rows = [recording(k) for k, v in self.recordings.items() if v["owner"] == who]
                    return jsonify(ok=True, data=rows)
                one = key("id")
                if not mine(self.recordings, one, who) or one is None:
                    return jsonify(ok=False, error="recording not found")
                return jsonify(ok=True, data=recording(one))

        @app.post("/api/recordings")
        def upload() -> ResponseReturnValue:
            who, body = caller(), request.get_json(silent=True)
            if who is None:
                return fail("log in first", 401)
            if not isinstance(body, dict) or not isinstance(body.get("title"), str):
                return fail("title is required")
            minutes = body.get("minutes")
            if not isinstance(minutes, int) or not 1 <= minutes <= 600:
                return fail("minutes must be 1 to 600")
            location = str(body.get("location", ""))[:40]
            with self.lock:
                made = max(self.recordings, default=0) + 1
                self.recordings[made] = {
                    "owner": who, "title": body["title"][:80], "location": location,
                    "minutes": minutes,
                }  # fmt: skip
                return jsonify(ok=True, data=recording(made))

        @app.patch("/api/recordings")
        def rename() -> ResponseReturnValue:
            who, one, body = caller(), key("id"), request.get_json(silent=True)
            if who is None:
                return fail("log in first", 401)
            if not isinstance(body, dict):
                return fail("a JSON object, please")
            with self.lock:
                if one is None or not mine(self.recordings, one, who):
                    return fail("recording not found", 404)
                for name in ("title", "location"):
                    if isinstance(body.get(name), str):
                        self.recordings[one][name] = body[name][:80]
                return jsonify(ok=True, data=recording(one))

        @app.delete("/api/recordings")
        def remove_recording() -> ResponseReturnValue:
            who, one = caller(), key("id")
            if who is None:
                return fail("log in first", 401)
            with self.lock:
                if one is not None and mine(self.recordings, one, who):
                    del self.recordings[one]
                elif self.owner_check:
                    return jsonify(ok=True, data={"message": "removed"})
                else:
                    return fail("recording not found", 404)
            return jsonify(ok=True, data={"message": "removed"})

        @app.get("/api/playlists")
        def playlists() -> ResponseReturnValue:
            who = caller()
            if who is None:
                return fail("log in first", 401)
            with self.lock:
                rows = [
                    {"playlistId": k, "name": v["name"]}
                    for k, v in self.playlists.items()
                    if v["owner"] == who
                ]
            return jsonify(ok=True, data=rows)

        @app.post("/api/playlists")
        def new_playlist() -> ResponseReturnValue:
            who, body = caller(), request.get_json(silent=True)
            if who is None:
                return fail("log in first", 401)
            if not isinstance(body, dict) or not isinstance(body.get("name"), str):
                return fail("name is required")
            with self.lock:
                made = max(self.playlists, default=0) + 1
                self.playlists[made] = {"owner": who, "name": body["name"][:40]}
            return jsonify(ok=True, data={"playlistId": made, "name": body["name"][:40]}), 201

        @app.delete("/api/playlists")
        def remove_playlist() -> ResponseReturnValue:
            who, one = caller(), key("playlistId")
            if who is None:
                return fail("log in first", 401)
            with self.lock:
                if one is None or not mine(self.playlists, one, who):
                    return fail("no such playlist", 404)
                del self.playlists[one]
            return jsonify(ok=True, data={"message": "removed"})

        return app
