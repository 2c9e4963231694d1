"""sql_injection on tiny SQLite apps: boolean-only (errors hidden), error-based in a JSON body; silent when bound."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

import pytest
from fastapi import FastAPI
from injection_support import found, scan_app
from pydantic import BaseModel

from apiward.core.findings import Confidence
from apiward.scan import Results
from apiward.scan.checks.sql_injection import SqlInjection

ROWS = [(1, "alpha", "red"), (2, "beta", "blue"), (3, "gamma", "red")]


class Filter(BaseModel):
    """Products by colour."""

    colour: str


def _db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE products (id INTEGER, name TEXT, colour TEXT)")
    db.executemany("INSERT INTO products VALUES (?, ?, ?)", ROWS)
    return db


def _app(*, bound: bool) -> FastAPI:
    app = FastAPI()
    db = _db()

    @app.get("/products")
    async def products(name: str) -> list[dict[str, Any]]:
        try:
            if bound:
                rows = db.execute("SELECT id, name FROM products WHERE name = ?", (name,))
            else:
                rows = db.execute(f"SELECT id, name FROM products WHERE name = '{name}'")  # noqa: S608
            return [{"id": r[0], "name": r[1]} for r in rows]
        except sqlite3.Error:
            return []  # errors hidden: only the boolean differential can tell

    @app.post("/products/filter")
    async def by_colour(body: Filter) -> dict[str, Any]:
        try:
            if bound:
                rows = db.execute("SELECT id FROM products WHERE colour = ?", (body.colour,))
            else:
                rows = db.execute(f'SELECT id FROM products WHERE colour = "{body.colour}"')  # noqa: S608
            return {"ids": [r[0] for r in rows]}
        except sqlite3.Error as error:
            return {"error": f"sqlite3.OperationalError: {error}"}

    return app


@pytest.fixture(scope="module")
def pasted() -> Results:
    """A scan of the app that pastes input into SQL."""
    return scan_app(_app(bound=False), [SqlInjection(delay=1.0)])


def test_boolean_differential_found_when_errors_are_hidden(pasted: Results) -> None:
    """With errors swallowed, a true/false condition pair that holds twice is confirmed."""
    [finding] = [f for f in found(pasted, "sql_injection") if f.operation == "GET /products"]
    assert "boolean" in finding.title
    assert finding.confidence is Confidence.CONFIRMED


def test_error_based_found_in_a_json_body(pasted: Results) -> None:
    """A double quote that breaks the query shows SQLite's error; doubled, it does not."""
    [finding] = [
        f for f in found(pasted, "sql_injection") if f.operation == "POST /products/filter"
    ]
    assert finding.key == "body:colour"
    assert "error-based" in finding.title
    assert finding.confidence is Confidence.CONFIRMED


def test_silent_on_bound_parameters() -> None:
    """The same app with bound parameters gives no finding."""
    results = scan_app(_app(bound=True), [SqlInjection(delay=1.0)])
    assert results.findings == []
    assert results.errors == []


class Note(BaseModel):
    """A note's new text."""

    text: str


def test_updates_never_get_widening_payloads() -> None:
    """PUT/PATCH/DELETE get no OR, no stacked query and no comment: they could hit every row."""
    app = FastAPI()
    seen: list[str] = []

    @app.patch("/notes/{note_id}")
    async def edit(note_id: str, body: Note) -> dict[str, str]:
        seen.extend([note_id, body.text])
        return {"text": body.text}

    @app.get("/notes/{note_id}")  # the scan writes only what it can read back and restore
    async def read(note_id: str) -> dict[str, str]:
        return {"text": "old"}

    results = scan_app(app, [SqlInjection(delay=1.0)])
    assert results.errors == []
    assert any("'" in value for value in seen)  # it was probed
    assert not any(" OR " in v or "--" in v or ";" in v for v in seen)


def test_time_based_found_when_answers_never_change() -> None:
    """A blind sink (same answer always) that sleeps on pg_sleep(N) is found by timing only.

    The database is simulated: the app awaits asyncio.sleep(N) when the text holds
    ``pg_sleep(N)``, which is what a PostgreSQL with the value pasted in would do.
    """
    app = FastAPI()

    @app.get("/audit")
    async def audit(actor: str) -> dict[str, bool]:
        if match := re.search(r"'; SELECT pg_sleep\(([\d.]+)\)", actor):
            await asyncio.sleep(float(match[1]))
        return {"logged": True}

    results = scan_app(app, [SqlInjection(delay=0.5)])
    [finding] = found(results, "sql_injection")
    assert "PostgreSQL" in finding.title
    assert finding.confidence is Confidence.CONFIRMED
    assert scan_app(app, [SqlInjection(delay=0.5)], safe=True).findings == []
