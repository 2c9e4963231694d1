"""bola on an object named by its bare noun, in a query filter and in a creation's body.

An allotment society's Falcon API: each gardener keeps beds (``/v2/beds/{bedId}``, UUIDs)
and records sowings in them. A sowing names its bed by the noun alone, as Django REST
Framework writes a foreign key: ``POST /v2/sowings {"bed": "<uuid>", ...}`` and
``GET /v2/sowings?bed=<uuid>``, no ``_id`` anywhere. The flawed society lists the sowings
of any bed and sows into any bed; the fixed one answers another's bed as it answers one
that does not exist. Either way the scan leaves the society as it found it.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import falcon
import falcon.asgi
import pytest
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {"pk-ana-5521": "ana", "pk-ben-7730": "ben"}
BEDS = {
    "7f1c0d2e-9a4b-4c61-8d3e-2b5f6a7c8d90": {"owner": "ana", "label": "North A1", "soil": "loam"},
    "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b": {"owner": "ben", "label": "South B4", "soil": "clay"},
}
SOWINGS = {
    1: {
        "id": 1,
        "bed": "7f1c0d2e-9a4b-4c61-8d3e-2b5f6a7c8d90",
        "crop": "heirloom tomato",
        "rows": 3,
    },
    2: {"id": 2, "bed": "7f1c0d2e-9a4b-4c61-8d3e-2b5f6a7c8d90", "crop": "purple basil", "rows": 1},
    3: {"id": 3, "bed": "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b", "crop": "winter leek", "rows": 4},
}
BED = {"type": "string", "format": "uuid"}
SOWING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "bed": BED,
        "crop": {"type": "string", "maxLength": 40},
        "rows": {"type": "integer", "minimum": 1, "maximum": 12},
    },
    "required": ["bed", "crop", "rows"],
}
BED_VIEW = {
    "type": "object",
    "properties": {"id": BED, "label": {"type": "string"}, "soil": {"type": "string"}},
}


def _data(schema: dict[str, Any], many: bool = False) -> dict[str, Any]:
    inner = {"type": "array", "items": schema} if many else schema
    body = {"type": "object", "properties": {"data": inner}}
    return {"description": "ok", "content": {"application/json": {"schema": body}}}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


CONTRACT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "allotments", "version": "2.0.0"},
    "components": {
        "securitySchemes": {"plotKey": {"type": "apiKey", "in": "header", "name": "X-Plot-Key"}}
    },
    "security": [{"plotKey": []}],
    "paths": {
        "/v2/beds": {"get": {"responses": {"200": _data(BED_VIEW, many=True)}}},
        "/v2/beds/{bedId}": {
            "get": {"parameters": [_path("bedId", BED)], "responses": {"200": _data(BED_VIEW)}}
        },
        "/v2/sowings": {
            "get": {
                "parameters": [{"name": "bed", "in": "query", "schema": BED}],
                "responses": {"200": _data(SOWING, many=True)},
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": SOWING}},
                },
                "responses": {"201": _data(SOWING)},
            },
        },
        "/v2/sowings/{sowingId}": {
            "get": {
                "parameters": [_path("sowingId", {"type": "integer"})],
                "responses": {"200": _data(SOWING)},
            },
            "delete": {
                "parameters": [_path("sowingId", {"type": "integer"})],
                "responses": {"204": {"description": "dug up"}},
            },
        },
    },
}
IDENTITIES = """\
identities:
  - name: ana
    role: gardener
    headers: {X-Plot-Key: pk-ana-5521}
  - name: ben
    role: gardener
    headers: {X-Plot-Key: pk-ben-7730}
"""


class Society:
    """Beds each gardener keeps, sowings recorded in them."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.beds = copy.deepcopy(BEDS)
        self.sowings = copy.deepcopy(SOWINGS)
        self.serial = itertools.count(100)

    def _gardener(self, req: falcon.asgi.Request) -> str:
        who = KEYS.get(req.get_header("X-Plot-Key") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="unknown plot key")
        return who

    def _bed(self, who: str, bed: object, *, anyones: bool) -> str:
        """The bed ``bed`` names, when it is the gardener's own (or anyone's, ``anyones``)."""
        found = self.beds.get(str(bed))
        if found is None or (found["owner"] != who and not anyones):
            raise falcon.HTTPNotFound(title="no such bed")
        return str(bed)

    def _own_sowing(self, who: str, sowing_id: int) -> dict[str, Any]:
        found = self.sowings.get(sowing_id)
        if found is None or self.beds[found["bed"]]["owner"] != who:
            raise falcon.HTTPNotFound(title="no such sowing")
        return found

    async def on_get_contract(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = CONTRACT

    async def on_get_beds(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        who = self._gardener(req)
        resp.media = {"data": [_bed_view(k, b) for k, b in self.beds.items() if b["owner"] == who]}

    async def on_get_bed(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, bed_id: str
    ) -> None:
        key = self._bed(self._gardener(req), bed_id, anyones=False)
        resp.media = {"data": _bed_view(key, self.beds[key])}

    async def on_get_sowings(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        who = self._gardener(req)
        bed = req.get_param("bed")
        if bed is not None:
            key = self._bed(who, bed, anyones=self.flawed)
            rows = [s for s in self.sowings.values() if s["bed"] == key]
        else:
            rows = [s for s in self.sowings.values() if self.beds[s["bed"]]["owner"] == who]
        resp.media = {"data": rows}

    async def on_post_sowings(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        who = self._gardener(req)
        body = await req.get_media()
        crop, rows = body.get("crop"), body.get("rows")
        if not isinstance(crop, str) or not isinstance(rows, int) or not 1 <= rows <= 12:
            raise falcon.HTTPUnprocessableEntity(title="crop and 1-12 rows, please")
        key = self._bed(who, body.get("bed"), anyones=self.flawed)
        sowing = {"id": next(self.serial), "bed": key, "crop": crop[:40], "rows": rows}
        self.sowings[sowing["id"]] = sowing
        resp.status = falcon.HTTP_201
        resp.media = {"data": sowing}

    async def on_get_sowing(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, sowing_id: int
    ) -> None:
        resp.media = {"data": self._own_sowing(self._gardener(req), sowing_id)}

    async def on_delete_sowing(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, sowing_id: int
    ) -> None:
        del self.sowings[self._own_sowing(self._gardener(req), sowing_id)["id"]]
        resp.status = falcon.HTTP_204

    def app(self) -> falcon.asgi.App:
        """The society as an ASGI app."""
        app = falcon.asgi.App()
        app.add_route("/openapi.json", self, suffix="contract")
        app.add_route("/v2/beds", self, suffix="beds")
        app.add_route("/v2/beds/{bed_id}", self, suffix="bed")
        app.add_route("/v2/sowings", self, suffix="sowings")
        app.add_route("/v2/sowings/{sowing_id:int}", self, suffix="sowing")
        return app


def _bed_view(key: str, bed: dict[str, str]) -> dict[str, str]:
    return {"id": key, "label": bed["label"], "soil": bed["soil"]}


@pytest.fixture(scope="module", params=[True, False], ids=["flawed", "fixed"])
def scanned(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[bool, set[tuple[str, str]]]:
    """A bola scan of a fresh society through the CLI: whether flawed, and its findings."""
    society = Society(flawed=request.param)
    with serving(society.app()) as url:
        folder = tmp_path_factory.mktemp("allotments")
        result, report = scan_with_identities(url, IDENTITIES, folder, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert society.sowings == SOWINGS, "the scan left the sowings changed"
    assert society.beds == BEDS
    return request.param, {(f["operation"], f["title"]) for f in report["findings"]}


def test_listing_the_sowings_of_anothers_bed_by_its_noun_is_found_on_the_flawed_twin_only(
    scanned: tuple[bool, set[tuple[str, str]]],
) -> None:
    """``?bed=`` names a bed of ``/v2/beds``: a peer's bed there listing its sowings is BOLA."""
    flawed, findings = scanned
    reads = {title for op, title in findings if op == "GET /v2/sowings"}
    if not flawed:
        assert not reads, findings
        return
    assert len(reads) == 1, findings
    assert next(iter(reads)).endswith("through query bed")


def test_sowing_into_anothers_bed_named_in_the_body_is_found_on_the_flawed_twin_only(
    scanned: tuple[bool, set[tuple[str, str]]],
) -> None:
    """``{"bed": ...}`` in a creation names a bed: a peer sowing into it is BOLA."""
    flawed, findings = scanned
    writes = {title for op, title in findings if op == "POST /v2/sowings"}
    if not flawed:
        assert not writes, findings
        return
    assert len(writes) == 1, findings
    assert next(iter(writes)).endswith("through body bed")
