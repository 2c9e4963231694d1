"""Warnings printed ahead of the JSON, and refusals answered 200: what the scan made is still removed.

The PHP trial's API (plain PHP, a front controller, PDO) printed its runtime's warnings into
the answer, ahead of the JSON: ``<br /><b>Warning</b>: Array to string conversion ...
{"success": true, "id": 31}``. The scan read no JSON there, so it never learnt the new
objects' ids: 24 objects were left on the target, listed "its id was not in the answer".
And its refusals came as ``200 {"success": false, "error": "..."}``: the scan counted each
as a creation, and listed 19 accounts left where 7 were.

The app below is written the same way, as a WSGI front controller: a note's optional
``tags`` is joined as a string, so a list there draws PHP's warning ahead of the answer,
and a note whose title is taken is refused with a 200. After the scan, every note it made
is gone, and the report lists none as left.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tests.conftest import scan_with_identities

from apiward.scan.verdicts import parse, says_failed
from serving import serving

IDENTITIES = """\
identities:
  - {name: ana, role: member, headers: {X-Auth-Token: tok-ana}}
  - {name: ben, role: member, headers: {X-Auth-Token: tok-ben}}
"""
TOKENS = {"tok-ana": "ana", "tok-ben": "ben"}
_NOTE = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string", "maxLength": 40},
        "body": {"type": "string"},
        "tags": {"type": "string"},
    },
}
_ID = [{"name": "id", "in": "path", "required": True, "type": "integer"}]
SPEC: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "notes", "version": "1"},
    "basePath": "/api",
    "securityDefinitions": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
    "security": [{"token": []}],
    "paths": {
        "/notes": {
            "get": {"responses": {"200": {"description": "my notes"}}},
            "post": {
                "parameters": [{"name": "note", "in": "body", "schema": _NOTE}],
                "responses": {"201": {"description": "saved"}},
            },
        },
        "/notes/{id}": {
            "parameters": _ID,
            "get": {"responses": {"200": {"description": "one note"}}},
            "delete": {"responses": {"200": {"description": "deleted"}}},
        },
    },
}
WARNING = (
    "<br />\n<b>Warning</b>:  Array to string conversion in <b>/srv/www/api/notes.php</b> "
    "on line <b>{line}</b><br />\n"
)
Start = Callable[[str, list[tuple[str, str]]], Any]


class Notes:
    """Notes by id, the way a framework-less PHP API answers."""

    def __init__(self) -> None:
        self.notes: dict[int, dict[str, Any]] = {
            1: {"owner": "ana", "title": "groceries", "body": "milk", "tags": ""},
            2: {"owner": "ben", "title": "ideas", "body": "a boat", "tags": ""},
        }
        self.serial = itertools.count(3)
        self.warned = 0

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if path == "/openapi.json":
            return _send(start, "200 OK", json.dumps(SPEC))
        who = TOKENS.get(environ.get("HTTP_X_AUTH_TOKEN", ""))
        if who is None:
            return _send(start, "401 Unauthorized", '{"error":"Not logged in"}')
        if path == "/api/notes" and method == "GET":
            mine = [{"id": k, **_shown(n)} for k, n in self.notes.items() if n["owner"] == who]
            return _send(start, "200 OK", json.dumps(mine))
        if path == "/api/notes" and method == "POST":
            return self._add(start, who, environ)
        key = path.removeprefix("/api/notes/")
        note = self.notes.get(int(key)) if key.isdigit() else None
        if note is None or note["owner"] != who:
            return _send(start, "404 Not Found", '{"error":"Note not found"}')
        if method == "DELETE":
            del self.notes[int(key)]
            return _send(start, "200 OK", '{"deleted":true}')
        return _send(start, "200 OK", json.dumps({"id": int(key), **_shown(note)}))

    def _add(self, start: Start, who: str, environ: dict[str, Any]) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(size) or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict) or not isinstance(body.get("title"), str):
            return _send(start, "200 OK", '{"success":false,"error":"Missing field: title"}')
        if any(n["title"] == body["title"] for n in self.notes.values()):
            return _send(start, "200 OK", '{"success":false,"error":"Title already used"}')
        warnings = "".join(
            WARNING.replace("{line}", str(20 + i))
            for i, v in enumerate(body.values())
            if isinstance(v, list | dict)
        )
        key = next(self.serial)
        self.warned += bool(warnings)
        self.notes[key] = {
            "owner": who,
            "title": body["title"],
            "body": str(body.get("body", "")),
            "tags": str(body.get("tags", "")),
        }
        answer = json.dumps({"success": True, "id": key})
        return _send(start, "201 Created", warnings + answer, html=bool(warnings))


def _shown(note: dict[str, Any]) -> dict[str, Any]:
    return {k: note[k] for k in ("title", "body", "tags")}


def _send(start: Start, status: str, text: str, *, html: bool = False) -> list[bytes]:
    kind = "text/html; charset=UTF-8" if html else "application/json"
    start(status, [("Content-Type", kind)])
    return [text.encode()]


def test_objects_made_behind_warnings_or_refused_with_200_leave_nothing(tmp_path: Path) -> None:
    """Every note the scan made is deleted, and the report lists exactly those, none left."""
    notes = Notes()
    with serving(notes, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert set(notes.notes) == {1, 2}, [n["title"] for n in notes.notes.values()]
    made = [r for r in report["tables"]["target_state"] if "/notes" in r["object"]]
    assert made, "the scan made no note: the test proves nothing"
    assert notes.warned, "no answer carried a warning: the test proves nothing"
    assert {r["state"] for r in made} == {"deleted"}, made


def test_json_behind_a_runtimes_warnings_is_the_answer() -> None:
    """The JSON after PHP's warnings, or before a shutdown warning, is what the answer holds."""
    warned = WARNING.replace("{line}", "6") * 2 + '{"success":true,"id":31}'
    assert parse(warned) == {"success": True, "id": 31}
    assert parse('[{"id": 1}]\n<br />\n<b>Deprecated</b>: x') == [{"id": 1}]
    assert parse("PHP Notice:  Undefined index: q in /srv/a.php on line 3\n[]") == []
    for no_json in ("<html><style>\nbody {color: red}</style></html>", '{"a": 1} and more', ""):
        try:
            parse(no_json)
        except ValueError:
            continue
        raise AssertionError(f"{no_json!r} parsed")


def test_a_body_saying_it_failed_is_a_refusal_whatever_its_status() -> None:
    """success/ok false, JSend's fail, nothing but an error, a runtime's fatal error: refused;
    a record's flag, or a record quoting an error, is not."""
    assert says_failed('{"success": false, "error": "Username already taken"}')
    assert says_failed('{"ok": false}')
    assert says_failed('{"status": "fail", "message": "title is required"}')
    assert says_failed('{"error": "Nothing to update"}')
    assert says_failed(WARNING.replace("{line}", "7") + '{"success":false,"error":"Invalid"}')
    fatal = (
        "<br />\n<b>Fatal error</b>:  Uncaught PDOException: SQLSTATE[23000]: UNIQUE constraint "
        "failed: enrollments.course_id in /srv/www/lib/db.php:21\nStack trace:\n#0 {main}"
    )
    assert says_failed(fatal)
    assert says_failed("Traceback (most recent call last):\n  File \"app.py\"\nKeyError: 'x'")
    assert not says_failed('{"id": 4, "log": "<b>Fatal error</b>: seen last week"}')
    assert not says_failed('{"id": 9, "success": false, "status_code": 500}')
    assert not says_failed('{"id": 3, "status": "failed"}')
    assert not says_failed('{"message": "Deleted"}')
    assert not says_failed('{"errors": [], "data": {"id": 4}}')
    assert not says_failed("Internal Server Error")
