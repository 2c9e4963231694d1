"""A write withheld after its object was read leaves nothing to put back.

A fleet API written the LoopBack way, in Falcon: ``PATCH /vehicles`` updates every
vehicle a ``where`` filter matches (LoopBack's ``updateAll``) and reads back only through
the listing, ``GET /vehicles``. Its body moves ``status``, so the scan withholds it — after
the ledger has read the listing to snapshot it. The scan's own vehicles, made meanwhile,
are in that listing until the restore deletes them, so the listing "changed": the report
used to call it written and not restored, and the scan exited 3 over a write it never sent
(the LoopBack trial's ``/vehicles`` row).
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: driver, headers: {Authorization: Bearer fl-alice}}
  - {name: bob, role: driver, headers: {Authorization: Bearer fl-bob}}
"""
TOKENS = {"Bearer fl-alice": "alice", "Bearer fl-bob": "bob"}
SEED = {
    1: {"id": 1, "owner": "alice", "plate": "B-AM 101", "status": "active", "odometerKm": 1200},
    2: {"id": 2, "owner": "bob", "plate": "B-BL 202", "status": "active", "odometerKm": 800},
}
VEHICLE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "plate": {"type": "string", "maxLength": 12},
        "status": {"type": "string", "enum": ["active", "maintenance", "retired"]},
        "odometerKm": {"type": "integer", "minimum": 0},
    },
}
JSON = {"application/json": {"schema": VEHICLE}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
WHERE = {
    "name": "where",
    "in": "query",
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "fleet", "version": "1.0.0"},
    "security": [{"jwt": []}],
    "components": {"securitySchemes": {"jwt": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/vehicles": {
            "get": {"responses": {"200": {"description": "Array of Vehicle"}}},
            "post": {
                "requestBody": {"content": JSON},
                "responses": {"200": {"description": "Vehicle", "content": JSON}},
            },
            "patch": {
                "parameters": [WHERE],
                "requestBody": {"content": JSON},
                "responses": {"200": {"description": "Vehicle PATCH success count"}},
            },
        },
        "/vehicles/{id}": {
            "parameters": ID,
            "get": {"responses": {"200": {"description": "Vehicle", "content": JSON}}},
            "patch": {
                "requestBody": {"content": JSON},
                "responses": {"204": {"description": "Vehicle PATCH success"}},
            },
            "delete": {"responses": {"204": {"description": "Vehicle DELETE success"}}},
        },
    },
}


def app_of(rows: dict[int, dict[str, Any]]) -> falcon.asgi.App:
    """The fleet over ``rows``: each driver sees and changes only its own vehicles."""
    ids = itertools.count(100)

    def caller(req: falcon.asgi.Request) -> str:
        who = TOKENS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="Authorization header not found")
        return who

    def fields(body: Any) -> dict[str, Any]:
        allowed = {"plate", "status", "odometerKm"}
        if not isinstance(body, dict) or set(body) - allowed:
            raise falcon.HTTPUnprocessableEntity(title="ValidationError")
        return dict(body)

    class Contract:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.media = CONTRACT

    class Vehicles:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            who = caller(req)
            resp.media = [
                {k: v for k, v in r.items() if k != "owner"}
                for r in rows.values()
                if r["owner"] == who
            ]

        async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            who = caller(req)
            key = next(ids)
            rows[key] = {"id": key, "owner": who, "status": "active", "odometerKm": 0, "plate": ""}
            rows[key].update(fields(await req.get_media()))
            resp.media = {k: v for k, v in rows[key].items() if k != "owner"}

        async def on_patch(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            who = caller(req)
            change = fields(await req.get_media())
            mine = [r for r in rows.values() if r["owner"] == who]
            for row in mine:
                row.update(change)
            resp.media = {"count": len(mine)}

    class Vehicle:
        def _row(self, req: falcon.asgi.Request, key: int) -> dict[str, Any]:
            row = rows.get(key)
            if row is None or row["owner"] != caller(req):
                raise falcon.HTTPNotFound(title="Entity not found")
            return row

        async def on_get(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key: int
        ) -> None:
            resp.media = {k: v for k, v in self._row(req, key).items() if k != "owner"}

        async def on_patch(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key: int
        ) -> None:
            self._row(req, key).update(fields(await req.get_media()))
            resp.status = falcon.HTTP_204

        async def on_delete(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, key: int
        ) -> None:
            self._row(req, key)
            del rows[key]
            resp.status = falcon.HTTP_204

    app = falcon.asgi.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/vehicles", Vehicles())
    app.add_route("/vehicles/{key:int}", Vehicle())
    return app


def test_a_listing_read_for_a_withheld_write_is_not_a_write_left_undone(tmp_path: Path) -> None:
    """The bulk PATCH is withheld; no "/vehicles" row, exit 0, every vehicle as found."""
    rows = copy.deepcopy(SEED)
    with serving(app_of(rows)) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "mass_assignment,sql_injection"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    collection = [r for r in report["tables"]["target_state"] if r["object"] == "/vehicles"]
    assert collection == []
    assert any(
        "status" in s["detail"] for s in report["skipped"] if s["operation"] == "PATCH /vehicles"
    )
    assert rows == SEED
