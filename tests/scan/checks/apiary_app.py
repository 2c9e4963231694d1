"""A beekeepers' API written as a bare WSGI callable, answering the way PHP and Sinatra do.

The careless app prints what a PHP 8 server with ``display_errors=1`` and a Sinatra app
in development print (the shapes seen on real trials, bodies verbatim): a PHP warning
before a 200's JSON, an uncaught PHP ``TypeError`` with its stack, Ruby's plain-text
backtrace, Sinatra's HTML error page and an ``SQLite3::SQLException``. The careful twin
answers the same malformed input with ordinary JSON errors that name the field.

Both echo a rejected note back whole (``POST /hives/{hiveId}/notes``): the note a
beekeeper pasted is a Python traceback from her scale's script, which is hers, not the
API's. Keys: ``X-Api-Key: key-<name>``; each beekeeper has her own hives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

Start = Callable[[str, list[tuple[str, str]]], Any]
Answer = tuple[int, str, str]
KEYS = {"key-maja": "maja", "key-willi": "willi"}
HIVES = {1: "maja", 2: "maja", 3: "willi"}
NOTE = (
    "scale stopped again:\nTraceback (most recent call last):\n"
    '  File "/home/pi/scale.py", line 41, in <module>\n'
    "    weight = read_hx711()\nOSError: [Errno 121] Remote I/O error"
)
PHP_WARNING = (
    "<br />\n<b>Warning</b>:  A non-numeric value encountered in "
    "<b>/var/www/apiary/public/index.php</b> on line <b>212</b><br />\n"
)
PHP_FATAL = (
    "PHP Fatal error:  Uncaught TypeError: intdiv(): Argument #1 ($num1) must be of type int, "
    "string given in /var/www/apiary/public/index.php:88\nStack trace:\n"
    "#0 /var/www/apiary/public/index.php(88): intdiv()\n#1 {main}\n"
    "  thrown in /var/www/apiary/public/index.php on line 88\n"
)
RUBY_BACKTRACE = (
    "JSON::ParserError - unexpected token at '{\"apiward\": [1, ':\n"
    "\t/usr/lib/ruby/3.4.0/json/common.rb:216:in 'JSON::Ext::Parser.parse'\n"
    "\t/usr/lib/ruby/3.4.0/json/common.rb:216:in 'JSON.parse'\n"
    "\tapp.rb:36:in 'json_body'\n"
    "\tapp.rb:153:in 'block in <class:Apiary>'\n"
)
SINATRA_PAGE = """<!DOCTYPE html>
<html>
<head>
  <title>NoMethodError at &#x2F;beekeepers&#x2F;me</title>
</head>
<body>
  <div id="wrap">
    <div id="header">
      <img src="/__sinatra__/500.png" alt="application error" height="161" width="313" />
      <div id="summary">
        <h1><strong>NoMethodError</strong> at <strong>&#x2F;beekeepers&#x2F;me
          </strong></h1>
        <h2>undefined method &#x27;strip&#x27; for an instance of Hash</h2>
      </div>
    </div>
    <div id="backtrace" class='condensed'>
      <h3>BACKTRACE</h3>
      <ul id="backtrace-ul">
            <li class="frame-info app">
              <code>&#x2F;srv&#x2F;apiary&#x2F;app.rb</code> in
                <code><strong>block in &lt;class:Apiary&gt;</strong></code>
            </li>
      </ul>
    </div>
    <p id="explanation">You're seeing this error because you have
enabled the <code>show_exceptions</code> setting.</p>
  </div>
</body>
</html>
"""
SQLITE_ERROR = '{"error":"SQLite3::SQLException: near \\"{{\\": syntax error"}'


def _ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _body(properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


HIVE_ID = {"name": "hiveId", "in": "path", "required": True, "schema": {"type": "integer"}}
HIVE = {"type": "object", "properties": {"id": {"type": "integer"}, "frames": {"type": "integer"}}}
KEEPER = {
    "type": "object",
    "properties": {"displayName": {"type": "string"}, "apiaries": {"type": "integer"}},
}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "apiary", "version": "1.4"},
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
    },
    "security": [{"key": []}],
    "paths": {
        "/hives": {
            "get": {
                "parameters": [{"name": "minFrames", "in": "query", "schema": {"type": "integer"}}],
                "responses": _ok({"type": "array", "items": HIVE}),
            }
        },
        "/hives/{hiveId}": {"get": {"parameters": [HIVE_ID], "responses": _ok(HIVE)}},
        "/hives/{hiveId}/inspections": {
            "post": {
                "parameters": [HIVE_ID],
                "requestBody": _body(
                    {"frames": {"type": "integer"}, "queenSeen": {"type": "boolean"}}
                ),
                "responses": _ok({"type": "object"}, "201"),
            }
        },
        "/hives/{hiveId}/notes": {
            "post": {
                "parameters": [HIVE_ID],
                "requestBody": _body({"text": {"type": "string", "example": NOTE}}),
                "responses": _ok({"type": "object"}, "201"),
            }
        },
        "/beekeepers/me": {
            "get": {"responses": _ok(KEEPER)},
            "patch": {
                "requestBody": _body(
                    {"displayName": {"type": "string"}, "apiaries": {"type": "integer"}}
                ),
                "responses": _ok(KEEPER),
            },
        },
        "/inspections/search": {
            "get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": _ok({"type": "array", "items": {"type": "object"}}),
            }
        },
    },
}


def apiary(*, careless: bool) -> Callable[[dict[str, Any], Start], Iterable[bytes]]:
    """The WSGI app; ``careless`` shows PHP's and Sinatra's development output."""

    def app(environ: dict[str, Any], start_response: Start) -> Iterable[bytes]:
        status, kind, text = _route(environ, careless=careless)
        start_response(f"{status} X", [("Content-Type", kind)])
        return [text.encode()]

    return app


def _route(environ: dict[str, Any], *, careless: bool) -> Answer:
    method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
    parts = path.strip("/").split("/")
    if path == "/openapi.json":
        return _json(200, CONTRACT)
    user = KEYS.get(environ.get("HTTP_X_API_KEY", ""))
    if user is None:
        return _json(401, {"error": "Unauthorized"})
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
    if parts[0] == "hives":
        return _hives(method, parts[1:], user, query, raw, careless=careless)
    if path == "/beekeepers/me":
        return (
            _me(user, raw, careless=careless) if method == "PATCH" else _json(200, _profile(user))
        )
    if path == "/inspections/search":
        if careless and "{{" in query.get("q", ""):
            return 500, "application/json", SQLITE_ERROR
        return _json(200, [])
    return _json(404, {"error": "Not found"})


def _hives(
    method: str, ids: list[str], user: str, query: dict[str, str], raw: str, *, careless: bool
) -> Answer:
    mine = [{"id": h, "frames": 10} for h, owner in HIVES.items() if owner == user]
    if not ids:
        frames = query.get("minFrames", "0")
        if frames.isdigit():
            return _json(200, mine)
        if careless:  # PHP casts "abc" to 0, warns, and goes on
            return 200, "application/json", PHP_WARNING + json.dumps(mine)
        return _json(400, {"error": "minFrames must be an integer"})
    if not ids[0].isdigit():
        if careless and len(ids) == 1:
            return 500, "text/html", PHP_FATAL
        submitted = json.loads(raw) if raw.startswith("{") and raw.endswith("}") else raw
        return _json(422, {"error": "hiveId must be an integer", "submitted": submitted})
    if HIVES.get(int(ids[0])) != user:
        return _json(404, {"error": "Not found"})
    if len(ids) == 1:
        return _json(200, {"id": int(ids[0]), "frames": 10})
    return _record(raw, careless=careless and ids[1] == "inspections")


def _record(raw: str, *, careless: bool) -> Answer:
    try:
        json.loads(raw)
    except ValueError:
        return (
            (500, "text/plain", RUBY_BACKTRACE)
            if careless
            else _json(400, {"error": "invalid JSON"})
        )
    return _json(201, {"id": 7})


def _profile(user: str) -> dict[str, Any]:
    return {"displayName": user.title(), "apiaries": 2}


def _me(user: str, raw: str, *, careless: bool) -> Answer:
    try:
        data = json.loads(raw)
    except ValueError:
        return _json(400, {"error": "invalid JSON"})
    if not isinstance(data.get("displayName", ""), str):
        if careless:
            return 500, "text/html", SINATRA_PAGE
        return _json(422, {"errors": {"displayName": ["must be a string"]}})
    return _json(200, {**_profile(user), **data})


def _json(status: int, data: Any) -> Answer:
    return status, "application/json", json.dumps(data)
