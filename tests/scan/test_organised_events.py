"""An event names its ``organiser``: it is that user's to delete, and anyone's to read.

A meetup API written in Falcon, the way the Express trial's ticketing was: everyone lists
and reads events (``security: []``), a signed-in user creates one, which names them as
its ``organiser``, and deletes it. ``organiser`` was no owner word, so the events looked
like a catalogue every member adds to, and bob deleting alice's event was never tried
(the trial's F3). As alice's, it is tried now; reading it, which anyone may, is no flaw
(the scan had taken bob reading alice's new event by its slug for a BOLA).
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import falcon
import falcon.asgi
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: user, headers: {Authorization: Bearer mu-alice}}
  - {name: bob, role: user, headers: {Authorization: Bearer mu-bob}}
"""
TOKENS = {"Bearer mu-alice": "alice", "Bearer mu-bob": "bob"}
SEED = {
    "rust-night": {"title": "Rust night", "organiser": "alice"},
    "go-lunch": {"title": "Go lunch", "organiser": "bob"},
}
EVENT = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "organiser": {"type": "string"},
    },
}
SLUG = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]


def _ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "OK", "content": {"application/json": {"schema": schema}}}}


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "meetups", "version": "1.0.0"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/events": {
            "get": {"security": [], "responses": _ok({"type": "array", "items": EVENT})},
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title"],
                                "properties": {"title": {"type": "string", "maxLength": 60}},
                            }
                        }
                    },
                },
                "responses": _ok(EVENT, "201"),
            },
        },
        "/events/{slug}": {
            "get": {"security": [], "parameters": SLUG, "responses": _ok(EVENT)},
            "delete": {
                "parameters": SLUG,
                "responses": {"204": {"description": "Deleted"}, "403": {"description": "No"}},
            },
        },
    },
}


def app_of(events: dict[str, dict[str, Any]], *, flawed: bool) -> falcon.asgi.App:
    """The meetups; ``flawed`` lets any signed-in user delete any event."""
    numbers = itertools.count(1)

    def caller(req: falcon.asgi.Request) -> str:
        who = TOKENS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="Unauthorized")
        return who

    def shown(slug: str) -> dict[str, Any]:
        return {"slug": slug, **events[slug]}

    class Contract:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.media = CONTRACT

    class Events:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.media = [shown(slug) for slug in events]

        async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            who = caller(req)
            body = await req.get_media()
            title = str(body.get("title", "")) if isinstance(body, dict) else ""
            slug = f"{'-'.join(title.lower().split())[:40] or 'event'}-{next(numbers)}"
            events[slug] = {"title": title, "organiser": who}
            resp.media, resp.status = shown(slug), falcon.HTTP_201

    class Event:
        async def on_get(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, slug: str
        ) -> None:
            if slug not in events:
                raise falcon.HTTPNotFound()
            resp.media = shown(slug)

        async def on_delete(
            self, req: falcon.asgi.Request, resp: falcon.asgi.Response, slug: str
        ) -> None:
            who = caller(req)
            if slug not in events:
                raise falcon.HTTPNotFound()
            if events[slug]["organiser"] != who and not flawed:
                raise falcon.HTTPForbidden(title="Only the organiser deletes an event")
            del events[slug]
            resp.status = falcon.HTTP_204

    app = falcon.asgi.App()
    app.add_route("/openapi.json", Contract())
    app.add_route("/events", Events())
    app.add_route("/events/{slug}", Event())
    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_deleting_anothers_event_is_found_and_reading_it_is_not(
    tmp_path: Path, flawed: bool
) -> None:
    """bola on the DELETE in the flawed twin only; never on the public read; seed kept."""
    events = copy.deepcopy(SEED)
    with serving(app_of(events, flawed=flawed)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    found = {f["operation"] for f in report["findings"] if f["check"] == "bola"}
    assert found == ({"DELETE /events/{slug}"} if flawed else set())
    assert events == SEED
