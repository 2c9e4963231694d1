"""A DELETE that answered 2xx is checked by a read in every parent, not once per collection.

The Django Ninja trial retires rooms instead of erasing them. The restore read back one
room per creating operation: the newest, which sat under a space the scan had made and
closed, answered 404, and the rooms it had retired in the real spaces were never read and
were called deleted. Each parent's first object is read now (``scan.removal``).
"""

import asyncio
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request as Incoming
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.scan import removal
from apiward.scan.changes import State, What, change
from apiward.scan.entries import Created, Sender
from apiward.scan.ledger import Ledger
from apiward.scan.request import Request
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Transport
from apiward.spec import load
from serving import serving

SPEC = """
openapi: 3.0.3
info: {title: rooms, version: '1'}
paths:
  /spaces/{slug}/rooms:
    post:
      parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
      responses: {'201': {description: made}}
  /spaces/{slug}/rooms/{code}:
    parameters:
      - {name: slug, in: path, required: true, schema: {type: string}}
      - {name: code, in: path, required: true, schema: {type: string}}
    get: {responses: {'200': {description: a room}}}
    delete: {responses: {'204': {description: retired}}}
"""
RETIRED = {("lovelace", "R-1"), ("lovelace", "R-2")}
"""Rooms the scan made in a real space: retired, still read back. Under its own, closed
space (``apiward-space``) every room reads 404."""


async def _room(request: Incoming) -> JSONResponse:
    key = (request.path_params["slug"], request.path_params["code"])
    if key in RETIRED:
        return JSONResponse({"code": key[1], "active": False})
    return JSONResponse({"detail": "Not found."}, 404)


def _made(slug: str, code: str) -> Created:
    create = Request(
        method="POST",
        path="/spaces/{slug}/rooms",
        operation="POST /spaces/{slug}/rooms",
        path_params={"slug": slug},
    )
    return Created(id=code, create=create, creator=MARA, delete=None)


MARA = Sender(headers=(("Authorization", "Token m"),))
"""A creator known by the credentials its requests carried (a sign-up's)."""


def test_retired_rooms_in_a_real_space_are_left_whatever_was_read_first(tmp_path: Path) -> None:
    """The closed space's room comes first and reads 404; the real space's still read back."""
    (tmp_path / "spec.yaml").write_text(SPEC)
    app = Starlette(routes=[Route("/spaces/{slug}/rooms/{code}", _room)])
    made = [_made("apiward-space", "R-9"), _made("lovelace", "R-2"), _made("lovelace", "R-1")]

    async def read_back(url: str) -> list[State]:
        transport = Transport(url)
        try:
            ledger = Ledger(load(tmp_path / "spec.yaml"), Sessions(transport, ()))
            removed = [
                (c, change(What.CREATED, c.create, State.DELETED, c.creator, "")) for c in made
            ]
            return [row.state for _, row in await removal._read_after_delete(ledger, removed)]
        finally:
            await transport.close()

    with serving(app) as url:
        states = asyncio.run(read_back(url))
    assert states == [State.DELETED, State.LEFT, State.LEFT]
