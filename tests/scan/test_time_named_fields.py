"""A string field named like a time gets a time, though its schema says only ``type: string``.

The Fastify trial's ``PATCH /v2/bookings/{bookingId}`` declared ``starts_at`` and
``ends_at`` as bare strings, and the API parsed them as dates: every legitimate update
went out with ``"starts_at": "apiwardstartsat"``, was answered 500, and the object-level
flaw on it was never tried. A room-booking API written the Falcon way (its default error
pages, ``bk_`` ids): bare-string times on the creation and the update, parsed with
``datetime.fromisoformat``, which raises on anything else. The flawed twin forgets the
owner check on the update.
"""

from __future__ import annotations

import itertools
import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import falcon
import pytest
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {"Bearer tok-alice-4": "alice", "Bearer tok-bob-5": "bob"}
IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer tok-alice-4}}
  - {name: bob, role: member, headers: {Authorization: Bearer tok-bob-5}}
"""
_TEXT = {"type": "string"}
_BOOKING = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "room": _TEXT,
        "notes": {"type": "string", "maxLength": 200},
        "starts_at": _TEXT,
        "ends_at": _TEXT,
    },
}
_ID = [{"name": "booking_id", "in": "path", "required": True, "schema": _TEXT}]


def _json(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _BOOKING}}}


def _body(*required: str) -> dict[str, Any]:
    schema = {**_BOOKING, "required": list(required)}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "rooms", "version": "1.0.0"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/bookings": {
            "get": {"responses": {"200": _json("your bookings")}},
            "post": {
                "requestBody": _body("room", "starts_at", "ends_at"),
                "responses": {"201": _json("booked")},
            },
        },
        "/bookings/{booking_id}": {
            "parameters": _ID,
            "get": {"responses": {"200": _json("the booking"), "404": {"description": "no"}}},
            "patch": {
                "requestBody": _body(),
                "responses": {"200": _json("moved"), "404": {"description": "no"}},
            },
            "delete": {"responses": {"204": {"description": "cancelled"}}},
        },
    },
}


def _seed(zone: str = "+00:00") -> dict[str, dict[str, Any]]:
    times = {"starts_at": f"2027-03-01T09:00:00{zone}", "ends_at": f"2027-03-01T10:00:00{zone}"}
    return {
        "bk_a1": {"owner": "alice", "room": "Loft", "notes": "standup", **times},
        "bk_b1": {"owner": "bob", "room": "Attic", "notes": "1:1", **times},
    }


class Rooms:
    """Bookings by id; ``flawed`` lets anyone move anyone's booking."""

    def __init__(self, *, flawed: bool, day_first: bool = False, js: bool = False) -> None:
        self.flawed = flawed
        self.day_first = day_first
        self.js = js  # times written back as JavaScript's toISOString() spells them
        self.bookings = _seed("Z" if js else "+00:00")
        self.serial = itertools.count(1)
        self.app = falcon.App()
        self.app.add_route("/openapi.json", self, suffix="contract")
        self.app.add_route("/bookings", self, suffix="collection")
        self.app.add_route("/bookings/{booking_id}", self, suffix="item")

    def on_get_contract(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = SPEC

    def _who(self, req: falcon.Request) -> str:
        who = KEYS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="Unauthorized")
        return who

    def _mine(self, booking_id: str, who: str, *, checked: bool = True) -> dict[str, Any]:
        found = self.bookings.get(booking_id)
        if found is None or (checked and found["owner"] != who):
            raise falcon.HTTPNotFound()
        return found

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self._who(req)
        resp.media = [_out(k, b) for k, b in self.bookings.items() if b["owner"] == who]

    def on_post_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self._who(req)
        body = req.get_media()
        booking = {"owner": who, "room": str(body.get("room", "")), "notes": ""}
        booking |= _times(body, {}, js=self.js)
        key = f"bk_{secrets.token_hex(4)}{next(self.serial)}"
        self.bookings[key] = booking
        resp.status, resp.media = falcon.HTTP_201, _out(key, booking)

    def on_get_item(self, req: falcon.Request, resp: falcon.Response, booking_id: str) -> None:
        resp.media = _out(booking_id, self._mine(booking_id, self._who(req)))

    def on_patch_item(self, req: falcon.Request, resp: falcon.Response, booking_id: str) -> None:
        found = self._mine(booking_id, self._who(req), checked=not self.flawed)
        body = req.get_media()
        if self.day_first:  # "15/01/2026 10:00" only: nothing the scan sends will do
            for key in ("starts_at", "ends_at"):
                datetime.strptime(str(body.get(key, "")), "%d/%m/%Y %H:%M")
        found |= _times(body, found, js=self.js)
        if "notes" in body:
            found["notes"] = str(body["notes"])[:200]
        resp.media = _out(booking_id, found)

    def on_delete_item(self, req: falcon.Request, resp: falcon.Response, booking_id: str) -> None:
        self._mine(booking_id, self._who(req))
        del self.bookings[booking_id]
        resp.status = falcon.HTTP_204


def _times(body: dict[str, Any], current: dict[str, Any], *, js: bool) -> dict[str, str]:
    """The booking's times, each parsed as a date: anything else raises (a 500)."""
    return {
        k: _spelt(datetime.fromisoformat(str(body[k])), js=js) if k in body else current[k]
        for k in ("starts_at", "ends_at")
    }


def _spelt(when: datetime, *, js: bool) -> str:
    if not js:
        return when.isoformat()
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _out(key: str, booking: dict[str, Any]) -> dict[str, Any]:
    return {"id": key, **{k: v for k, v in booking.items() if k != "owner"}}


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_the_update_is_sent_with_times_and_its_flaw_found(flawed: bool, tmp_path: Path) -> None:
    """The legitimate update goes through, so bob moving alice's booking is tried: found only when it works."""
    rooms = Rooms(flawed=flawed)
    with serving(rooms.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = {f["operation"] for f in report["findings"] if f["check"] == "bola"}
    assert ("PATCH /bookings/{booking_id}" in found) is flawed, json.dumps(report["skipped"])
    assert rooms.bookings == _seed()


def test_an_update_nobody_can_send_is_a_skip_not_a_clean_run(tmp_path: Path) -> None:
    """Every identity's own update fails (500): bola says so, it does not list the operation as run."""
    rooms = Rooms(flawed=True, day_first=True)
    with serving(rooms.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    [skip] = [
        s
        for s in report["skipped"]
        if s["check"] == "bola" and s["operation"] == "PATCH /bookings/{booking_id}"
    ]
    assert skip["reason"] == "no identity gets a 2xx from its own legitimate request", skip
    assert "alice: 500" in skip["detail"], skip


def test_a_time_written_back_in_another_spelling_is_restored(tmp_path: Path) -> None:
    """``09:00:00Z`` written back reads ``09:00:00.000Z``: the same instant, so restored, and
    no damage (the hapi trial's default scan exited 3 over it)."""
    rooms = Rooms(flawed=True, js=True)
    with serving(rooms.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    rows = [r for r in report["tables"]["target_state"] if r["state"] == "not restored"]
    assert not rows, rows
    moved = rooms.bookings["bk_a1"]
    assert moved["starts_at"] == "2027-03-01T09:00:00.000Z", "bob's probe never moved it"
