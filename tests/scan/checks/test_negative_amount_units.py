"""negative_amount on goods counted in a unit: tonnes of grain withdrawn from a silo.

A grain co-op API in Falcon, its contract written by hand: a grower withdraws grain
(``POST /withdrawals`` with ``silo`` and ``tonnes``), which takes the tonnes from the
silo's stock and from the grower's credit. The careless twin takes a negative number of
tonnes, so the withdrawal adds to the grower's credit; the careful twin refuses it. A
parcel's ``weight_kg`` is a measure of a thing, not goods that move: never probed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import falcon
import pytest
from tiny_support import IDENTITIES, TOKENS

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.negative_amount import NegativeAmount
from apiward.spec import load
from serving import serving

WITHDRAWAL = {
    "type": "object",
    "required": ["silo", "tonnes"],
    "properties": {"silo": {"type": "string", "example": "NORTH"}, "tonnes": {"type": "number", "example": 2.5}},
}  # fmt: skip
PARCEL = {
    "type": "object",
    "required": ["label", "weight_kg"],
    "properties": {"label": {"type": "string"}, "weight_kg": {"type": "number", "example": 4}},
}  # fmt: skip
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "silos", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/withdrawals": {
            "post": {
                "summary": "Withdraw grain from a silo against one's credit",
                "requestBody": {"content": {"application/json": {"schema": WITHDRAWAL}}},
                "responses": {"201": {"description": "Withdrawn"}},
            }
        },
        "/parcels": {
            "post": {
                "summary": "Register a sample parcel",
                "requestBody": {"content": {"application/json": {"schema": PARCEL}}},
                "responses": {"201": {"description": "Registered"}},
            }
        },
    },
}


def silo_app(*, careful: bool) -> falcon.App:
    """The silo API; ``careful`` refuses a withdrawal of no more than zero tonnes."""
    stock = {"NORTH": 400.0}
    credit = {"alice": 50.0, "bob": 50.0}

    def caller(req: falcon.Request) -> str:
        who = TOKENS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized()
        return who

    class Contract:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.text = json.dumps(CONTRACT)

    class Withdrawals:
        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            who = caller(req)
            body = req.get_media()
            tonnes = body.get("tonnes")
            if not isinstance(tonnes, int | float) or body.get("silo") not in stock:
                raise falcon.HTTPBadRequest(title="bad withdrawal")
            if (careful and tonnes <= 0) or tonnes > credit[who]:
                raise falcon.HTTPUnprocessableEntity(title="not allowed")
            stock[body["silo"]] -= tonnes
            credit[who] -= tonnes
            resp.status = falcon.HTTP_201
            resp.media = {"silo": body["silo"], "tonnes": tonnes, "credit_left": credit[who]}

    class Parcels:
        def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
            caller(req)
            resp.status = falcon.HTTP_201
            resp.media = {**req.get_media(), "id": 1}

    app = falcon.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/withdrawals", Withdrawals())
    app.add_route("/parcels", Parcels())
    return app


def _scan(careful: bool) -> Results:
    """--aggressive: nothing deletes a withdrawal, so a default scan makes none."""
    with serving(silo_app(careful=careful), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        checks = Registry[AnyCheck]("check", [("negative_amount", NegativeAmount())])
        config = ScanConfig(target=url, identities=IDENTITIES, aggressive=True)
        return asyncio.run(scan(api, config, checks))


@pytest.mark.parametrize("careful", [False, True], ids=["careless", "careful"])
def test_negative_tonnes_withdrawn_are_found_and_a_parcels_weight_is_no_amount(
    careful: bool,
) -> None:
    """Found (medium or above) on the careless twin only; the parcel's weight is never probed."""
    results = _scan(careful)
    found = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    assert [f.operation for f in found] == ([] if careful else ["POST /withdrawals"])
    skipped = {s.operation: s.detail for s in results.skipped}
    assert skipped.get("POST /parcels") == "no numeric amount in the body"
