"""What a DELETE answered 2xx for but that still reads back is listed left, not deleted.

The DRF trial's ``BookingViewSet.destroy`` only cancels: ``204``, and the booking stays with
``status: cancelled``. The scan's twelve bookings stayed in the database, and the target
state called them deleted. The restore now reads back the first object of each creation it
deleted; where that still reads, each one is read, and one that does is *left*. An API
whose DELETE removes is read back once, and its objects stay *deleted*.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.scan.changes import State, TargetChange
from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.request import BodyKind
from apiward.scan.request import Request as ScanRequest
from apiward.scan.restore import restore
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Transport
from apiward.spec import load

ALICE = Identity(name="alice", headers={"Authorization": "Bearer alice-5"})
_BOOKING = {"type": "object", "properties": {"title": {"type": "string"}}}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "bookings", "version": "1"},
    "paths": {
        "/api/bookings/": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": _BOOKING}}},
                "responses": {"201": {"description": "booked"}},
            }
        },
        "/api/bookings/{id}/": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"responses": {"200": {"description": "the booking"}}},
            "delete": {"responses": {"204": {"description": "cancelled"}}},
        },
    },
}


class Bookings:
    """Bookings by id; ``soft``: a DELETE only cancels."""

    def __init__(self, *, soft: bool) -> None:
        self.soft = soft
        self.rows: dict[int, dict[str, Any]] = {}
        self.serial = itertools.count(89)
        self.app = Starlette(
            routes=[
                Route("/api/bookings/", self.book, methods=["POST"]),
                Route("/api/bookings/{key:int}/", self.one, methods=["GET", "DELETE"]),
            ]
        )

    async def book(self, request: Request) -> Response:
        key = next(self.serial)
        title = (await request.json()).get("title", "")
        self.rows[key] = {"id": key, "title": title, "status": "confirmed"}
        return JSONResponse(self.rows[key], status_code=201)

    async def one(self, request: Request) -> Response:
        row = self.rows.get(request.path_params["key"])
        if row is None:
            return JSONResponse({"detail": "Not found."}, status_code=404)
        if request.method == "DELETE":
            if self.soft:
                row["status"] = "cancelled"
            else:
                del self.rows[row["id"]]
            return Response(status_code=204)
        return JSONResponse(row)


async def _book_and_restore(url: str, spec: Path) -> list[TargetChange]:
    transport = Transport(url)
    sessions = Sessions(transport, (ALICE,))
    ledger = Ledger(load(spec), sessions)
    try:
        await sessions.start()
        for title in ("apiward-desk-1", "apiward-desk-2"):
            book = ScanRequest(
                method="POST", path="/api/bookings/", operation="POST /api/bookings/",
                body={"title": title}, body_kind=BodyKind.JSON,
            )  # fmt: skip
            assert (await ledger.send(book, as_=ALICE)).status == 201
        return await restore(ledger)
    finally:
        await transport.close()


@pytest.mark.parametrize("soft", [True, False], ids=["cancels", "deletes"])
def test_a_delete_that_only_cancels_leaves_the_booking(
    serve: Callable[[Any], Any], tmp_path: Path, soft: bool
) -> None:
    """Two bookings: left where the DELETE only cancels, deleted where it removes."""
    bookings = Bookings(soft=soft)
    spec = tmp_path / "bookings.json"
    spec.write_text(json.dumps(SPEC))
    changes = asyncio.run(_book_and_restore(serve(bookings.app).url, spec))
    states = [(c.state, c.object) for c in changes]
    if soft:
        assert states == [(State.LEFT, "2 made by POST /api/bookings/")]
        assert "still reads back" in changes[0].detail
    else:
        assert states == [(State.DELETED, "2 made by POST /api/bookings/")]
        assert bookings.rows == {}
