"""sql_injection while other writers change the very list it compares: still found, twin silent.

A Flask events API in the Connexion style: ``GET /venues/{venue}/events?q=`` searches a
venue's events with ``title LIKE '%q%'`` formatted into the SQL (the fixed twin binds
it), and any error is Flask's own HTML 500 page. In a full scan other checks create and
delete events in that venue while ``sql_injection`` runs, and the legitimate answer it
compares with was taken before they started (every check shares it). Here a second
check of the same scan plays them: it takes the shared baseline of the search, then
keeps adding an event that the search lists and deleting the one before, through the
scan's own transport, until ``sql_injection`` is done. The boolean pair must still be
confirmed (a quote balance, which compares statuses only, is not what a list compares).

And the other way round: the baseline listed another check's event that matched the
term, deleted since. The baseline then says a new value changes the answer (a lookup
that found something) when now nothing matches either: the pairs chosen from it must
not be the ones that keep an answer that is no longer there.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from injection_support import found, registry

from apiward.core.findings import Confidence
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import Outcome
from apiward.scan.checks.sql_injection import SqlInjection
from apiward.scan.context import Context
from apiward.scan.request import BodyKind, Request
from apiward.spec import load
from serving import serving

TOKEN = "t-ana"
ANA = Identity(name="ana", role="member", headers={"Authorization": f"Bearer {TOKEN}"})
SEARCH = "GET /venues/{venue}/events"
CREATE = "POST /venues/{venue}/events"
EVENTS = [
    ("blue-note", "Jazz brunch", "2026-03-01T11:00:00Z"),
    ("blue-note", "Blues night", "2026-03-02T21:00:00Z"),
    ("blue-note", "Jazz quartet", "2026-03-03T20:00:00Z"),
    ("cellar", "Jazz in the cellar", "2026-03-04T20:00:00Z"),
]


def _contract(term: str) -> dict[str, Any]:
    venue = {
        "name": "venue",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "example": "blue-note"},
    }
    event_id = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    event = {
        "type": "object",
        "required": ["title", "starts_at"],
        "properties": {
            "title": {"type": "string", "example": "Jazz jam"},
            "starts_at": {"type": "string", "format": "date-time"},
        },
    }
    json_answer = {"content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "events", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/venues/{venue}/events": {
                "parameters": [venue],
                "get": {
                    "operationId": "events.search",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "example": term},
                        }
                    ],
                    "responses": {"200": {"description": "matching events", **json_answer}},
                },
                "post": {
                    "operationId": "events.create",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": event}},
                    },
                    "responses": {"201": {"description": "created", **json_answer}},
                },
            },
            "/venues/{venue}/events/{event_id}": {
                "parameters": [venue, event_id],
                "get": {"responses": {"200": {"description": "one event", **json_answer}}},
                "delete": {"responses": {"204": {"description": "deleted"}}},
            },
        },
    }


def _events_api(*, bound: bool, term: str) -> Flask:
    """The events API; ``bound`` passes the search term as a parameter (``term``: its example)."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, venue TEXT, title TEXT, starts_at TEXT)"
    )
    db.executemany("INSERT INTO events (venue, title, starts_at) VALUES (?, ?, ?)", EVENTS)
    lock = threading.Lock()
    web = Flask("events")
    web.logger.disabled = True  # the 500s the probes cause are expected

    def rows(sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with lock:
            cursor = db.execute(sql, args)
            names = [c[0] for c in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    @web.before_request
    def authenticate() -> None:
        if (
            request.path != "/openapi.json"
            and request.headers.get("Authorization") != f"Bearer {TOKEN}"
        ):
            abort(401)

    @web.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract(term))

    @web.get("/venues/<venue>/events")
    def search(venue: str) -> Any:
        q = request.args.get("q", "")
        if bound:
            sql = "SELECT * FROM events WHERE venue = ? AND title LIKE ? ORDER BY id"
            return jsonify({"events": rows(sql, (venue, f"%{q}%"))})
        sql = f"SELECT * FROM events WHERE venue = ? AND title LIKE '%{q}%' ORDER BY id"  # noqa: S608 — the flaw under test
        return jsonify({"events": rows(sql, (venue,))})

    @web.post("/venues/<venue>/events")
    def create(venue: str) -> Any:
        body = request.get_json(silent=True) or {}
        title, starts = body.get("title"), body.get("starts_at")
        if not isinstance(title, str) or not isinstance(starts, str):
            abort(400)
        with lock:
            cursor = db.execute(
                "INSERT INTO events (venue, title, starts_at) VALUES (?, ?, ?)",
                (venue, title, starts),
            )
        return jsonify(rows("SELECT * FROM events WHERE id = ?", (cursor.lastrowid,))[0]), 201

    @web.get("/venues/<venue>/events/<int:event_id>")
    def one(venue: str, event_id: int) -> Any:
        found = rows("SELECT * FROM events WHERE venue = ? AND id = ?", (venue, event_id))
        return jsonify(found[0]) if found else abort(404)

    @web.delete("/venues/<venue>/events/<int:event_id>")
    def delete(venue: str, event_id: int) -> Any:
        with lock:
            gone = db.execute("DELETE FROM events WHERE venue = ? AND id = ?", (venue, event_id))
        return ("", 204) if gone.rowcount else abort(404)

    return web


class _Writer:
    """Another check's writes to the searched venue, meanwhile: one late event replaces the last."""

    id = "churn"
    title = "another check adding and deleting events"
    owasp = ""
    cwe = ""
    safe = True
    remediation = ""

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self.task: asyncio.Task[int] | None = None
        self.last = 0

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Take the search's shared baseline, write once, then keep writing until told to stop."""
        search = next(o for o in ctx.api.operations if o.key == SEARCH)
        await ctx.legit(search, ANA)
        self.last = await self._write(ctx, 1, "Late jazz set 1")  # the baseline is stale now
        self.task = asyncio.create_task(self._churn(ctx))
        return
        yield

    async def _churn(self, ctx: Context) -> int:
        written = 1
        while not self.stop.is_set():
            written += 1
            made = await self._write(ctx, written, f"Late jazz set {written}")
            await self._delete(ctx, self.last)
            self.last = made
            await asyncio.sleep(0.002)
        await self._delete(ctx, self.last)
        return written

    async def _write(self, ctx: Context, number: int, title: str) -> int:
        body = {
            "title": title,
            "starts_at": f"2026-04-{number % 28 + 1:02d}T23:00:00Z",
        }
        request = Request(
            method="POST",
            path="/venues/blue-note/events",
            operation=CREATE,
            body=body,
            body_kind=BodyKind.JSON,
        )
        made = await ctx.sessions.send(request, as_=ANA, note="another check: a new event")
        return int(made.data["id"])

    async def _delete(self, ctx: Context, event: int) -> None:
        request = Request(
            method="DELETE",
            path=f"/venues/blue-note/events/{event}",
            operation="DELETE /venues/{venue}/events/{event_id}",
        )
        await ctx.sessions.send(request, as_=ANA, note="another check: an event deleted")


class _Done:
    """Ends the writer once ``sql_injection`` is done (checks run in registry order)."""

    id = "churn_done"
    title = "the other writer stops"
    owasp = ""
    cwe = ""
    safe = True
    remediation = ""

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Stop the writer and wait for its last delete."""
        self.writer.stop.set()
        if self.writer.task is not None:
            assert await self.writer.task > 1  # it wrote while sql_injection ran, and ended well
        return
        yield


class _Gone:
    """Another check's event, listed in the shared baseline of the search, then deleted."""

    id = "gone"
    title = "another check making and deleting an event"
    owasp = ""
    cwe = ""
    safe = True
    remediation = ""

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Make a jam session, take the search's shared baseline, delete the session."""
        made = await _Writer()._write(ctx, 1, "Jam session")
        await ctx.legit(next(o for o in ctx.api.operations if o.key == SEARCH), ANA)
        await _Writer()._delete(ctx, made)
        return
        yield


def _scan(*, bound: bool, term: str = "jazz", gone: bool = False) -> Results:
    writer = _Writer()
    checks: list[Any] = [_Gone()] if gone else [writer]
    checks += [SqlInjection(delay=0.5)] + ([] if gone else [_Done(writer)])
    with serving(_events_api(bound=bound, term=term), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=(ANA,))
        return asyncio.run(scan(api, config, registry(checks)))


@pytest.fixture(scope="module")
def churned() -> Results:
    """The string-built search, scanned while another check rewrites its venue's events."""
    return _scan(bound=False)


def _confirmed(results: Results) -> list[tuple[str, Confidence, bool]]:
    """The search's findings: key, confidence, and whether a boolean pair showed it."""
    assert results.errors == []
    return [
        (f.key, f.confidence, "boolean" in f.title)
        for f in found(results, "sql_injection")
        if f.operation == SEARCH
    ]


def test_the_search_is_confirmed_by_a_boolean_pair_while_others_write(churned: Results) -> None:
    """The pair and the answer it is compared with are read with no other write between them."""
    assert _confirmed(churned) == [("query:q", Confidence.CONFIRMED, True)]


def test_the_bound_search_is_silent_while_others_write() -> None:
    """The same search with the term bound: nothing, however the list changes meanwhile."""
    results = _scan(bound=True)
    assert results.errors == []
    assert found(results, "sql_injection") == []


def test_a_baseline_listing_what_is_gone_does_not_choose_the_pairs() -> None:
    """The baseline listed another check's event, gone since: the widening pair still goes."""
    results = _scan(bound=False, term="jam", gone=True)
    assert _confirmed(results) == [("query:q", Confidence.CONFIRMED, True)]


def test_the_bound_search_is_silent_when_the_baseline_is_stale() -> None:
    """Bound, the same stale baseline gives nothing."""
    results = _scan(bound=True, term="jam", gone=True)
    assert results.errors == []
    assert found(results, "sql_injection") == []
