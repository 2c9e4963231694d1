"""The restore phase answers for what its writes could change, not for what a page embeds.

A community-garden API in Falcon, its contract written by hand: a garden's page
(``GET /gardens/{slug}``) counts its views and embeds its plots, and the steward edits
its name and description (``PATCH /gardens/{slug}``). After the scan writes the garden
and puts it back, the page still differs from the snapshot: the view counter went up
with every read, a field no PATCH sets and no probe named. That is not damage the scan
left, and the one write the restore could offer (a PATCH of nothing) would not undo it.
A field the PATCH may set and the scan changed is still answered for.
"""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import falcon

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.spec import load
from serving import serving

STEWARD = Identity(name="sam", role="steward", headers={"X-Token": "tk-sam"})
GARDENS = {
    "hilltop": {
        "name": "Hilltop commons",
        "description": "South-facing, clay soil",
        "views": 0,
        "plots": [{"number": "B1", "holder": "carol"}, {"number": "B2", "holder": "alice"}],
    }
}
PATCHED = {"name": {"type": "string"}, "description": {"type": "string"}}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "gardens", "version": "1"},
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "X-Token"}}
    },
    "paths": {
        "/gardens": {
            "get": {
                "security": [],
                "responses": {
                    "200": {
                        "description": "Every garden",
                        "content": {"application/json": {"schema": {"type": "array"}}},
                    }
                },
            }
        },
        "/gardens/{slug}": {
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "security": [],
                "responses": {
                    "200": {
                        "description": "The garden's page",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            },
            "patch": {
                "security": [{"token": []}],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": PATCHED}}
                    }
                },
                "responses": {"200": {"description": "Updated"}},
            },
        },
    },
}


def gardens_app(gardens: dict[str, dict[str, Any]], *, keeps_anything: bool) -> falcon.App:
    """The gardens API; ``keeps_anything`` stores whatever field a PATCH sends (mass assignment)."""

    class Contract:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.text = json.dumps(CONTRACT)

    class Gardens:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = [{"slug": slug, "name": g["name"]} for slug, g in gardens.items()]

    class Garden:
        def on_get(self, req: falcon.Request, resp: falcon.Response, slug: str) -> None:
            if slug not in gardens:
                raise falcon.HTTPNotFound()
            gardens[slug]["views"] += 1
            resp.media = {"slug": slug, **gardens[slug]}

        def on_patch(self, req: falcon.Request, resp: falcon.Response, slug: str) -> None:
            if req.get_header("X-Token") != "tk-sam":
                raise falcon.HTTPForbidden()
            if slug not in gardens:
                raise falcon.HTTPNotFound()
            body = req.get_media() or {}
            allowed = body if keeps_anything else {k: body[k] for k in PATCHED if k in body}
            gardens[slug].update({k: v for k, v in allowed.items() if k not in {"views", "plots"}})
            resp.media = {"slug": slug, **gardens[slug]}

    app = falcon.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/gardens", Gardens())
    app.add_route("/gardens/{slug}", Garden())
    return app


def _scan(url: str) -> Results:
    api = load(f"{url}/openapi.json", allow_private=True)
    checks = Registry[AnyCheck]("check", [("mass_assignment", MassAssignment())])
    return asyncio.run(scan(api, ScanConfig(target=url, identities=(STEWARD,)), checks))


def test_a_view_counter_the_patch_cannot_set_is_not_left_damaged() -> None:
    """The garden is written and put back: its rising view count is no 'not restored' row."""
    gardens = copy.deepcopy(GARDENS)
    with serving(gardens_app(gardens, keeps_anything=True), wsgi=True) as url:
        results = _scan(url)
    patched = [r for r in results.requests if r.method == "PATCH" and r.status == 200]
    assert patched, "the scan never wrote the garden: the oracle below could not fail"
    assert gardens["hilltop"]["views"] > 1
    assert not results.damaged, [(c.object, c.state, c.detail) for c in results.target_state]
    assert gardens["hilltop"]["name"] == GARDENS["hilltop"]["name"]
    assert gardens["hilltop"]["description"] == GARDENS["hilltop"]["description"]
