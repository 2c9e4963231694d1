"""sql_injection: a sort column declared as an enum is still probed.

The aiohttp trial's ``GET /shipments?sort=`` declares ``enum: [created_at, eta, status]`` and
formats the value into ``ORDER BY``, which takes no bound parameter. The check probed only
free-text inputs, so the enum was never sent a quote: the 500 with SQLite's error was left
to ``error_disclosure``, and the injection went unreported. A query parameter named for a
sort column is probed whatever its enum. Twins: the flawed one formats the value in, the
fixed one maps it through an allow-list and refuses the rest (400).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: dana, role: dispatcher, headers: {Authorization: Bearer tok-dana}}
"""
COLUMNS = ["created_at", "eta", "status"]
CONTRACT = {
    "openapi": "3.1.0",
    "info": {"title": "logistics", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/shipments": {"get": {
            "summary": "Shipments of my carrier",
            "parameters": [{"name": "sort", "in": "query",
                            "schema": {"type": "string", "enum": COLUMNS,
                                       "default": "created_at"}}],
            "responses": {"200": {"description": "A page of shipments"}}}},
    },
}  # fmt: skip


def app_of(*, flawed: bool) -> Starlette:
    """The shipments listing over SQLite; ``flawed`` formats ``sort`` into the SQL."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE shipments (tracking TEXT, created_at TEXT, eta TEXT, status TEXT)")
    db.executemany(
        "INSERT INTO shipments VALUES (?, ?, ?, ?)",
        [("TRK-8F3K2", "2026-11-02", "2026-11-05", "in_transit"),
         ("TRK-2M9QA", "2026-11-03", "2026-11-04", "delivered")],
    )  # fmt: skip

    async def listing(request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer tok-dana":
            return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
        sort = request.query_params.get("sort", "created_at")
        if not flawed:
            if sort not in COLUMNS:
                return JSONResponse({"title": "Bad Request", "status": 400}, 400)
            column = {c: c for c in COLUMNS}[sort]
        else:
            column = sort
        try:
            rows = db.execute(f"SELECT * FROM shipments ORDER BY {column}").fetchall()  # noqa: S608
        except sqlite3.Error as error:
            return PlainTextResponse(f"500 Internal Server Error\n\n{type(error).__name__}: "
                                     f"{error}", 500)  # fmt: skip
        keys = ["tracking_number", "created_at", "eta", "status"]
        return JSONResponse(
            {"_embedded": {"items": [dict(zip(keys, r, strict=True)) for r in rows]}}
        )

    return Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
            Route("/shipments", listing),
        ]
    )


@pytest.mark.parametrize("flawed", [True, False], ids=["formatted", "allow-listed"])
def test_an_enum_sort_column_is_probed(tmp_path: Path, flawed: bool) -> None:
    """The formatted sort is an SQL injection; the allow-listed one is not."""
    with serving(app_of(flawed=flawed)) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "sql_injection")
    assert done.returncode < 2, done.stdout + done.stderr
    found = [(f["operation"], f["severity"]) for f in report["findings"]]
    assert found == ([("GET /shipments", "high")] if flawed else []), report["findings"]
