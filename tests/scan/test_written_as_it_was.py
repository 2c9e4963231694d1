"""A seeded object the scan wrote and that reads back as it was, but for its ``updatedAt``, is listed.

The Koa trial's mass-assignment probes wrote a resident's ticket seven times and put each
value back themselves: the restore found every field as it was but ``updatedAt`` (a field
the API moves on every write, never compared), and the target state did not name the
ticket at all. Now it is listed as restored, with the field that moved. A write that left
even ``updatedAt`` alone (the API does not stamp writes) is still no row.
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

from apiward.scan.changes import State, TargetChange, What
from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.request import BodyKind
from apiward.scan.request import Request as ScanRequest
from apiward.scan.restore import restore
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Transport
from apiward.spec import load

RON = Identity(name="ron", headers={"Authorization": "Bearer ron-22"})
_TICKET = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "priority": {"type": "string"}},
}
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "tickets", "version": "1"},
    "paths": {
        "/tickets/{ticketId}": {
            "parameters": [
                {"name": "ticketId", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {"responses": {"200": {"description": "the ticket"}}},
            "patch": {
                "requestBody": {"content": {"application/json": {"schema": _TICKET}}},
                "responses": {"200": {"description": "changed"}},
            },
        },
    },
}


class Tickets:
    """One seeded ticket; ``stamps``: every write moves its ``updatedAt``."""

    def __init__(self, *, stamps: bool) -> None:
        self.stamps = stamps
        self.clock = itertools.count(1)
        self.ticket = {
            "id": "tk_z2c7v5t9de",
            "title": "Dripping tap in the kitchen",
            "priority": "low",
            "updatedAt": "2024-09-06T07:05:00.000Z",
        }
        self.app = Starlette(routes=[Route("/tickets/{key}", self.one, methods=["GET", "PATCH"])])

    async def one(self, request: Request) -> Response:
        if request.method == "PATCH":
            self.ticket.update(await request.json())
            if self.stamps:
                self.ticket["updatedAt"] = f"2026-12-06T23:11:{next(self.clock):02d}.000Z"
        return JSONResponse(self.ticket)


async def _write_back(url: str, spec: Path) -> list[TargetChange]:
    transport = Transport(url)
    sessions = Sessions(transport, (RON,))
    ledger = Ledger(load(spec), sessions)
    try:
        await sessions.start()
        for priority in ("urgent", "low"):  # a probe's value, then the old one put back
            patch = ScanRequest(
                method="PATCH",
                path="/tickets/{ticketId}",
                operation="PATCH /tickets/{ticketId}",
                path_params={"ticketId": "tk_z2c7v5t9de"},
                body={"priority": priority},
                body_kind=BodyKind.JSON,
            )
            assert (await ledger.send(patch, as_=RON)).ok
        return await restore(ledger)
    finally:
        await transport.close()


@pytest.mark.parametrize("stamps", [True, False], ids=["stamped", "unstamped"])
def test_a_seeded_object_written_and_put_back_is_listed(
    serve: Callable[[Any], Any], tmp_path: Path, stamps: bool
) -> None:
    """Listed as restored, naming updatedAt, when the API stamped the writes; else no row."""
    tickets = Tickets(stamps=stamps)
    spec = tmp_path / "tickets.json"
    spec.write_text(json.dumps(SPEC))
    changes = asyncio.run(_write_back(serve(tickets.app).url, spec))
    if stamps:
        assert [(c.what, c.object, c.state) for c in changes] == [
            (What.WRITTEN, "/tickets/tk_z2c7v5t9de", State.RESTORED)
        ]
        assert "updatedAt" in changes[0].detail
    else:
        assert changes == []
