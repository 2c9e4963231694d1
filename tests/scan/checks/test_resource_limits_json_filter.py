"""resource_limits: a page size inside LoopBack's JSON ``filter`` query parameter.

LoopBack 4 lists a model at ``GET /vehicles?filter={"limit":10,"skip":0,"where":{...}}``:
one query parameter given by ``content: application/json``, its page size a property of
that object, never a parameter of its own. The scan only looked for ``?limit=``, so a
listing that hands out a whole collection in one page went untested (the LoopBack trial's
unbounded ``filter.limit``). Written in Falcon: the flawed fleet honours any limit, the
careful one clamps it to its page of 10.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: driver, headers: {Authorization: Bearer lb-alice}}
  - {name: bob, role: driver, headers: {Authorization: Bearer lb-bob}}
"""
TOKENS = {"Bearer lb-alice": "alice", "Bearer lb-bob": "bob"}
PAGE = 10
ROWS = [
    {"id": i, "owner": "alice" if i <= 150 else "bob", "plate": f"B-FL {i:03d}"}
    for i in range(1, 153)
]
FILTER = {
    "name": "filter",
    "in": "query",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "title": "Vehicle.Filter",
                "properties": {
                    "offset": {"type": "integer", "minimum": 0},
                    "limit": {"type": "integer", "minimum": 1, "example": 100},
                    "skip": {"type": "integer", "minimum": 0},
                    "where": {"type": "object", "additionalProperties": True},
                },
                "additionalProperties": False,
            }
        }
    },
}
VEHICLE = {"type": "object", "properties": {"id": {"type": "number"}, "plate": {"type": "string"}}}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "fleet", "version": "1.0.0"},
    "security": [{"jwt": []}],
    "components": {"securitySchemes": {"jwt": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/vehicles": {
            "get": {
                "operationId": "VehicleController.find",
                "parameters": [FILTER],
                "responses": {
                    "200": {
                        "description": "Array of Vehicle model instances",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": VEHICLE}}
                        },
                    }
                },
            }
        }
    },
}


def app_of(*, careful: bool) -> falcon.asgi.App:
    """The fleet; ``careful`` clamps ``filter.limit`` to a page of 10."""

    class Contract:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.media = CONTRACT

    class Vehicles:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            who = TOKENS.get(req.get_header("Authorization") or "")
            if who is None:
                raise falcon.HTTPUnauthorized(title="Unauthorized")
            try:
                wanted = json.loads(req.get_param("filter") or "{}")
            except ValueError:
                raise falcon.HTTPBadRequest(title="BadRequestError") from None
            limit = int(wanted.get("limit") or PAGE) if isinstance(wanted, dict) else PAGE
            skip = int(wanted.get("skip") or 0) if isinstance(wanted, dict) else 0
            if careful:
                limit = min(limit, PAGE)
            mine = [{"id": r["id"], "plate": r["plate"]} for r in ROWS if r["owner"] == who]
            resp.media = mine[skip : skip + limit]

    app = falcon.asgi.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/vehicles", Vehicles())
    return app


def _limits(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == "resource_limits"]


@pytest.mark.parametrize("careful", [False, True], ids=["honours-any-limit", "clamps-to-10"])
def test_a_page_size_inside_a_json_filter_is_probed(tmp_path: Path, careful: bool) -> None:
    """``filter={"limit": 1000}`` brings alice's 150 vehicles where her page holds 10: low,
    since the contract names no maximum; the clamping twin gives nothing."""
    with serving(app_of(careful=careful)) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "resource_limits"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    found = _limits(report)
    if careful:
        assert found == []
    else:
        assert [(f["operation"], f["severity"]) for f in found] == [("GET /vehicles", "low")]
        assert "filter.limit=1000" in found[0]["title"]
