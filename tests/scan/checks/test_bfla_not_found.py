"""bfla never rests on "not found": a plain WSGI boards app that looks objects up first.

Members edit their own boards; an admin (ranked above) may edit any. Both writes look
the board up before they check who asks, as most handlers do, so an id that does not
exist gets the same "not found" whoever sends it: an HTML 404 page on ``PATCH``, a 422
whose body says the board does not exist on ``PUT .../labels``. The contract documents
a bare 403 ("Error") on both, and none on the board's GET, which reads like a role rule.
A "not found" to the admin means nothing was there, so nothing was compared: no finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from ownership_support import key, scan_app

from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla, not_found
from apiward.scan.request import Request
from apiward.scan.transport import Reply

ADMINS = {"di"}
_ID = [{"name": "board_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _body(properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    return {"content": {"application/json": {"schema": schema}}}


_BOARD = _body({"id": {"type": "string"}, "title": {"type": "string"}, "owner": {"type": "string"}})
_ERROR = {"description": "Error"}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "boards", "version": "1"},
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    },
    "security": [{"key": []}],
    "paths": {
        "/boards": {"get": {"responses": {"200": {"description": "your boards"}}}},
        "/boards/{board_id}": {
            "parameters": _ID,
            "get": {"responses": {"200": {"description": "a board", **_BOARD}}},
            "patch": {
                "requestBody": _body({"note": {"type": "string", "writeOnly": True}}),
                "responses": {"200": {"description": "noted"}, "403": _ERROR, "404": _ERROR},
            },
        },
        "/boards/{board_id}/labels": {
            "parameters": _ID,
            "put": {
                "requestBody": _body({"labels": {"type": "array", "items": {"type": "string"}}}),
                "responses": {"200": {"description": "set"}, "403": _ERROR, "422": _ERROR},
            },
        },
    },
}
_ROUTE = re.compile(r"^/boards/(?P<id>[^/]+)(?P<labels>/labels)?$")
_PAGE = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


class Boards:
    """The WSGI app: a dict of boards, one per member, and a change log nobody reads back."""

    def __init__(self) -> None:
        self.boards = {
            "b-mo": {"id": "b-mo", "title": "Groceries", "owner": "mo", "labels": []},
            "b-lu": {"id": "b-lu", "title": "Garden", "owner": "lu", "labels": []},
            "b-di": {"id": "b-di", "title": "Ops", "owner": "di", "labels": []},
        }
        self.log: list[tuple[str, str]] = []

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        """Route by hand, as a small WSGI app does."""
        status, body = self.route(environ)
        kind = "text/html" if isinstance(body, bytes) else "application/json"
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        start(status, [("Content-Type", kind), ("Content-Length", str(len(raw)))])
        return [raw]

    def route(self, environ: dict[str, Any]) -> tuple[str, Any]:
        """The status line and body (bytes for HTML) of one request."""
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if path == "/openapi.json":
            return "200 OK", CONTRACT
        who = environ.get("HTTP_X_API_KEY", "").removeprefix("key-")
        if who not in {"mo", "lu", "di"}:
            return "401 Unauthorized", {"error": "Unauthorized"}
        if path == "/boards" and method == "GET":
            return "200 OK", [self._shown(b) for b in self.boards.values() if b["owner"] == who]
        found = _ROUTE.match(path)
        if found is None:
            return "404 Not Found", _PAGE
        return self.board(environ, who, found["id"], method, labels=bool(found["labels"]))

    def board(
        self, environ: dict[str, Any], who: str, board_id: str, method: str, *, labels: bool
    ) -> tuple[str, Any]:
        """One board's operations: look it up, then check that the caller may touch it."""
        board = self.boards.get(board_id)
        if board is None:
            return (
                ("422 Unprocessable Entity", {"error": "board does not exist"})
                if labels
                else (
                    "404 Not Found",
                    _PAGE,
                )
            )
        if board["owner"] != who and who not in ADMINS:
            return "403 Forbidden", {"error": "Error"}
        size = int(environ.get("CONTENT_LENGTH") or 0)
        sent = json.loads(environ["wsgi.input"].read(size) or b"{}") if size else {}
        if method == "GET" and not labels:
            return "200 OK", self._shown(board)
        if method == "PATCH" and not labels:
            self.log.append((board_id, str(sent.get("note", ""))))
            return "200 OK", {"ok": True}
        if method == "PUT" and labels:
            board["labels"] = [str(x) for x in sent.get("labels", [])]
            return "200 OK", {"labels": board["labels"]}
        return "405 Method Not Allowed", {"error": "Method Not Allowed"}

    @staticmethod
    def _shown(board: dict[str, Any]) -> dict[str, Any]:
        return {k: board[k] for k in ("id", "title", "owner")}


def _people() -> tuple[Identity, ...]:
    di = key("di", "admin")
    return (
        key("mo", "member"),
        key("lu", "member"),
        Identity(name="di", role="admin", rank=10, headers=di.headers),
    )


def test_the_same_not_found_to_the_admin_and_a_member_is_no_finding(
    serve: Callable[..., Any],
) -> None:
    """Neither the HTML 404 nor the 422 that says 'does not exist' is evidence of a BFLA."""
    server = serve(Boards(), wsgi=True)
    results = scan_app(server.url, Bfla(), _people())
    assert results.errors == []
    assert [(f.operation, f.severity, f.detail) for f in results.findings] == []


def _reply(status: int, text: str) -> Reply:
    request = Request(method="PATCH", path="/x", operation="PATCH /x")
    exchange = Exchange(
        request=RecordedRequest(method="PATCH", url="http://127.0.0.1/x"),
        response=RecordedResponse(status=status, body=text),
    )
    return Reply(exchange=exchange, status=status, text=text, headers=(), sent=request)


@pytest.mark.parametrize(
    ("status", "text", "gone"),
    [
        (404, "<h1>Not Found</h1>", True),
        (410, "", True),
        (422, '{"error": "board does not exist"}', True),
        (400, '{"code": "NOT_FOUND"}', True),
        (200, '{"ok": false, "message": "No such project"}', True),
        (204, "", False),
        (409, '{"error": "title already taken"}', False),
    ],
    ids=["404", "410", "does-not-exist", "NOT_FOUND", "no-such", "204", "409"],
)
def test_what_counts_as_not_found(status: int, text: str, gone: bool) -> None:
    """404, 410, or an answer that says in words the object is not there."""
    assert not_found(_reply(status, text)) is gone
