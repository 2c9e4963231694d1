"""sql_injection where the API hides database errors: a value in ``LIKE '%q%'``, in a literal.

Two APIs written apart from the FastAPI ones of test_sql_injection.py, each with a fixed
twin that binds its parameters:

* a Falcon (WSGI) newsroom whose article search formats ``q`` twice into
  ``(headline LIKE '%q%' OR body LIKE '%q%')`` before ``LIMIT ? OFFSET ?``, and answers
  any error with a text/plain 500: the comment-ending pairs break the query, the
  pattern-aware pair keeps the answer its example finds;
* a raw ASGI helpdesk that hides errors as ``{"error": "internal"}``: its ticket search
  is a pattern no example matches (the widening pair), its feedback form an INSERT
  whose answer no condition can change (only the quote balance shows it).

And two that must stay silent: a Starlette API that refuses quotes with 400, and a Flask
one that splits its query the way a shell does (any unbalanced quote, either kind, 500s).
"""

from __future__ import annotations

import json
import shlex
import sqlite3
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import falcon
import pytest
from flask import Flask, jsonify, request
from injection_support import found, scan_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.findings import Confidence, Severity
from apiward.scan import Results
from apiward.scan.checks.sql_injection import SqlInjection
from serving import serving

Handler = Callable[..., Any]


def _query(name: str, example: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if example is not None:
        schema["example"] = example
    return {"name": name, "in": "query", "required": True, "schema": schema}


def _contract(title: str, paths: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": title, "version": "1"}, "paths": paths}


def _ok(description: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": {"application/json": {}}}}


class _Store:
    """A SQLite database behind a lock (the WSGI server answers on several threads)."""

    def __init__(self, schema: str, rows: str, seed: list[tuple[Any, ...]]) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute(schema)
        self.db.executemany(rows, seed)
        self.lock = threading.Lock()

    def all(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def run(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self.lock:
            cursor = self.db.execute(sql, args)
            return int(cursor.lastrowid or 0)


# --- Falcon newsroom: text/plain 500s, a search its example matches -------------------

ARTICLES = [
    (1, "Community garden opens", "The garden on Elm street", 1),
    (2, "Budget vote delayed", "Council meets again in May", 1),
    (3, "Garden tools stolen", "Police ask for witnesses", 1),
    (4, "Draft: mayor resigns", "Embargoed until Friday", 0),
]
NEWSROOM = _contract(
    "newsroom",
    {
        "/articles": {
            "get": {
                "summary": "Search published articles",
                "parameters": [
                    _query("q", "garden"),
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                ],
                "responses": _ok("matching articles"),
            }
        }
    },
)


class _Articles:
    def __init__(self, store: _Store, *, bound: bool) -> None:
        self.store, self.bound = store, bound

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        q = req.get_param("q", required=True)
        page = req.get_param_as_int("page", default=1, min_value=1)
        paging = (10, (page - 1) * 10)
        if self.bound:
            sql = (
                "SELECT id, headline FROM articles WHERE (headline LIKE ? OR body LIKE ?) "
                "AND published = 1 ORDER BY id LIMIT ? OFFSET ?"
            )
            rows = self.store.all(sql, (f"%{q}%", f"%{q}%", *paging))
        else:
            sql = (
                "SELECT id, headline FROM articles "  # noqa: S608 — the flaw under test
                f"WHERE (headline LIKE '%{q}%' OR body LIKE '%{q}%') "
                "AND published = 1 ORDER BY id LIMIT ? OFFSET ?"
            )
            rows = self.store.all(sql, paging)
        resp.media = {"articles": [{"id": i, "headline": h} for i, h in rows], "page": page}


class _Contract:
    def __init__(self, contract: dict[str, Any]) -> None:
        self.contract = contract

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.contract


def _plain_500(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    resp.status = falcon.HTTP_500
    resp.content_type = falcon.MEDIA_TEXT
    resp.text = "Internal Server Error"


def _newsroom(*, bound: bool) -> falcon.App:
    store = _Store(
        "CREATE TABLE articles (id INTEGER, headline TEXT, body TEXT, published INTEGER)",
        "INSERT INTO articles VALUES (?, ?, ?, ?)",
        ARTICLES,
    )
    app = falcon.App()
    app.add_route("/openapi.json", _Contract(NEWSROOM))
    app.add_route("/articles", _Articles(store, bound=bound))
    app.add_error_handler(sqlite3.Error, _plain_500)
    return app


def _scan(app: Any, *, wsgi: bool = False, aggressive: bool = False) -> Results:
    with serving(app, wsgi=wsgi) as url:
        return scan_url(url, [SqlInjection(delay=0.5)], aggressive=aggressive)


@pytest.fixture(scope="module")
def newsroom() -> Results:
    """A scan of the newsroom that formats its search into SQL."""
    return _scan(_newsroom(bound=False), wsgi=True)


def test_a_pattern_search_is_found_by_a_pair_that_keeps_it(newsroom: Results) -> None:
    """In ``LIKE '%q%'`` before ``LIMIT ? OFFSET ?``, ``%' AND 'n' LIKE 'n`` holds; its false twin empties."""
    [finding] = found(newsroom, "sql_injection")
    assert (finding.key, finding.confidence) == ("query:q", Confidence.CONFIRMED)
    assert "boolean" in finding.title
    assert "%' AND '" in unquote_plus(finding.evidence[-1].request.url)  # the true condition
    assert newsroom.errors == []


def test_the_bound_newsroom_is_silent() -> None:
    """The same search with bound parameters: no finding."""
    results = _scan(_newsroom(bound=True), wsgi=True)
    assert results.findings == []
    assert results.errors == []


# --- raw ASGI helpdesk: {"error": "internal"}, a search nothing matches, an INSERT ----

TICKETS = [(1, "Printer jams on tray 2", "open"), (2, "VPN drops hourly", "closed")]
HELPDESK = _contract(
    "helpdesk",
    {
        "/api/v1/tickets": {
            "get": {
                "summary": "Find tickets",
                "parameters": [_query("term")],
                "responses": _ok("tickets"),
            }
        },
        "/api/v1/feedback": {
            "post": {
                "summary": "Leave feedback",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["comment"],
                                "properties": {"comment": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"201": {"description": "thanks"}},
            }
        },
    },
)


def _helpdesk(*, bound: bool) -> Handler:
    store = _Store(
        "CREATE TABLE tickets (id INTEGER, subject TEXT, state TEXT)",
        "INSERT INTO tickets VALUES (?, ?, ?)",
        TICKETS,
    )
    store.run("CREATE TABLE feedback (id INTEGER PRIMARY KEY, comment TEXT, at TEXT)")

    def tickets(params: dict[str, list[str]]) -> tuple[int, Any]:
        term = params.get("term", [""])[0]
        if bound:
            sql = "SELECT id, subject FROM tickets WHERE (subject LIKE ? OR state LIKE ?) LIMIT ?"
            rows = store.all(sql, (f"%{term}%", f"%{term}%", 20))
        else:
            sql = f"SELECT id, subject FROM tickets WHERE (subject LIKE '%{term}%' OR state LIKE '%{term}%') LIMIT ?"  # noqa: S608
            rows = store.all(sql, (20,))
        return 200, {"data": [{"id": i, "subject": s} for i, s in rows]}

    def feedback(body: dict[str, Any]) -> tuple[int, Any]:
        comment = str(body.get("comment", ""))
        if bound:
            new = store.run("INSERT INTO feedback (comment, at) VALUES (?, ?)", (comment, "now"))
        else:
            new = store.run(f"INSERT INTO feedback (comment, at) VALUES ('{comment}', ?)", ("now",))  # noqa: S608
        return 201, {"id": new, "status": "received"}

    async def app(scope: dict[str, Any], receive: Handler, send: Handler) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        route = (scope["method"], scope["path"])
        try:
            if route == ("GET", "/openapi.json"):
                status, out = 200, HELPDESK
            elif route == ("GET", "/api/v1/tickets"):
                status, out = tickets(parse_qs(scope["query_string"].decode()))
            elif route == ("POST", "/api/v1/feedback"):
                status, out = feedback(json.loads(raw or b"{}"))
            else:
                status, out = 404, {"error": "not found"}
        except (sqlite3.Error, ValueError):
            status, out = 500, {"error": "internal"}
        payload = json.dumps(out).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


@pytest.fixture(scope="module")
def helpdesk() -> Results:
    """A scan of the helpdesk that formats input into SQL, --aggressive: nothing deletes
    feedback, so a default scan sends none (its form is withheld)."""
    return _scan(_helpdesk(bound=False), aggressive=True)


def test_a_pattern_nothing_matches_is_widened(helpdesk: Results) -> None:
    """``%' OR 'n' LIKE 'n`` lists every ticket where the term found none; its false twin does not."""
    [finding] = [f for f in found(helpdesk, "sql_injection") if f.key == "query:term"]
    assert "boolean" in finding.title
    assert finding.confidence is Confidence.CONFIRMED


def test_an_insert_is_found_by_the_quote_balance(helpdesk: Results) -> None:
    """One quote 500s, doubled it does not, a double quote does not, again on a second value: firm."""
    [finding] = [f for f in found(helpdesk, "sql_injection") if f.key == "body:comment"]
    assert "quote balance" in finding.title
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.FIRM)
    statuses = [e.response.status for e in finding.evidence if e.response]
    assert statuses.count(500) == 2
    assert 201 in statuses
    assert helpdesk.errors == []


def test_the_bound_helpdesk_is_silent() -> None:
    """The same helpdesk with bound parameters: no finding."""
    results = _scan(_helpdesk(bound=True), aggressive=True)
    assert results.findings == []
    assert results.errors == []


# --- silent: quotes refused by validation; any unbalanced quote fails ----------------

SHELF = _contract(
    "shelf",
    {"/books": {"get": {"parameters": [_query("title")], "responses": _ok("books")}}},
)


def test_quotes_refused_with_400_are_no_finding() -> None:
    """A validator that refuses quotes (400) shows nothing about SQL, whatever runs behind it."""
    store = _Store("CREATE TABLE books (title TEXT)", "INSERT INTO books VALUES (?)", [("Dune",)])

    async def books(req: Request) -> JSONResponse:
        title = req.query_params.get("title", "")
        if set(title) & set("'\"\\;"):
            return JSONResponse({"detail": "title: forbidden characters"}, status_code=400)
        sql = f"SELECT title FROM books WHERE title LIKE '%{title}%'"  # noqa: S608 — guarded above
        return JSONResponse([t for (t,) in store.all(sql)])

    async def contract(req: Request) -> JSONResponse:
        return JSONResponse(SHELF)

    app = Starlette(routes=[Route("/books", books), Route("/openapi.json", contract)])
    results = _scan(app)
    assert found(results, "sql_injection", at_least=Severity.LOW) == []
    assert results.errors == []


def test_any_unbalanced_quote_failing_is_no_finding() -> None:
    """A query split like a shell line fails on ``"`` as on ``'``: the control rules SQL out."""
    app = Flask("shelf")
    names = ["dune", "emma", "ulysses"]

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(SHELF)

    @app.get("/books")
    def books() -> Any:
        words = shlex.split(request.args.get("title", ""))  # ValueError: a bare 500
        return jsonify([n for n in names if any(w.lower() in n for w in words)])

    results = _scan(app, wsgi=True)
    assert found(results, "sql_injection", at_least=Severity.LOW) == []
    assert results.errors == []
