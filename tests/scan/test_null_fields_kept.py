"""A write to a seeded object goes where a restore can put it back: never onto a null.

A house-plant care log in Falcon (WSGI, under werkzeug): each gardener lists its plants,
newest first, and ``PATCH /plants/{plant_id}`` sets ``care_note`` (required), and the
optional ``nickname`` and ``repotted_on``. Like many validators (Fastify's coercion,
a form library's string field), the API stores a ``null`` it is sent as ``""``: a
field that held null can never be written back. The newest plant of each gardener has
no care note yet, and no plant was ever repotted. The flawed API forgot the owner check
on ``PATCH``: bob rewrites alice's plant.

The scan cannot make a plant of its own (no POST), so every write lands on a seeded
one: it must pick the plant whose care note is set, and leave ``repotted_on`` out of its
writes, so that every plant is as it was found; and the BOLA must still be found.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import falcon
import pytest
from tests.conftest import scan_with_identities

from serving import serving

TOKENS = {"Token gk-alice-7f": "alice", "Token gk-bob-3c": "bob"}
IDENTITIES = """\
identities:
  - name: alice
    headers: {Authorization: Token gk-alice-7f}
  - name: bob
    headers: {Authorization: Token gk-bob-3c}
"""
SEEDED: dict[str, dict[str, Any]] = {
    "pl-a1": {
        "id": "pl-a1",
        "gardener": "alice",
        "species": "Monstera deliciosa",
        "nickname": "Swiss",
        "care_note": "south window, water weekly",
        "repotted_on": None,
        "added": "2026-03-02",
    },
    "pl-a2": {
        "id": "pl-a2",
        "gardener": "alice",
        "species": "Pilea peperomioides",
        "nickname": "Coins",
        "care_note": None,
        "repotted_on": None,
        "added": "2026-11-20",
    },
    "pl-b1": {
        "id": "pl-b1",
        "gardener": "bob",
        "species": "Sansevieria",
        "nickname": "Snake",
        "care_note": "forget it for a month",
        "repotted_on": None,
        "added": "2026-01-15",
    },
    "pl-b2": {
        "id": "pl-b2",
        "gardener": "bob",
        "species": "Calathea",
        "nickname": "Drama",
        "care_note": None,
        "repotted_on": None,
        "added": "2026-10-30",
    },
}
NULLABLE = {"type": "string", "nullable": True}
PLANT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "gardener": {"type": "string"},
        "species": {"type": "string"},
        "nickname": {"type": "string"},
        "care_note": NULLABLE,
        "repotted_on": {**NULLABLE, "format": "date"},
        "added": {"type": "string", "format": "date"},
    },
}
CHANGES = {
    "type": "object",
    "required": ["care_note"],
    "properties": {
        "care_note": {"type": "string", "maxLength": 300},
        "nickname": {"type": "string", "maxLength": 40},
        "repotted_on": {"type": "string", "format": "date"},
    },
}
ID = [{"name": "plant_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "greenkeep", "version": "2.1"},
    "components": {"securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
    "security": [{"token": []}],
    "paths": {
        "/plants": {"get": {"summary": "Your plants", "responses": _ok({"type": "array", "items": PLANT})}},
        "/plants/{plant_id}": {
            "parameters": ID,
            "get": {"summary": "One of your plants", "responses": _ok(PLANT)},
            "patch": {
                "summary": "Update the care log of one of your plants",
                "requestBody": {"required": True, "content": {"application/json": {"schema": CHANGES}}},
                "responses": _ok(PLANT),
            },
        },
    },
}  # fmt: skip


class _Greenkeep:
    """The plants, by id; ``owner_check`` False forgets it on PATCH."""

    def __init__(self, *, owner_check: bool, notes: bool = True) -> None:
        self.plants = copy.deepcopy(SEEDED)
        for plant in self.plants.values():
            plant["care_note"] = plant["care_note"] if notes else None
        self.seeded = copy.deepcopy(self.plants)
        self.owner_check = owner_check
        self.patches: list[tuple[int, Any]] = []
        """Each PATCH's status and body."""

    def app(self) -> falcon.App:
        """The service as a WSGI app."""
        app = falcon.App()
        app.add_route("/openapi.json", self, suffix="contract")
        app.add_route("/plants", self, suffix="collection")
        app.add_route("/plants/{plant_id}", self)
        return app

    def on_get_contract(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = CONTRACT

    def on_get_collection(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = _gardener(req)
        mine = [p for p in self.plants.values() if p["gardener"] == who]
        resp.media = sorted(mine, key=lambda p: str(p["added"]), reverse=True)

    def on_get(self, req: falcon.Request, resp: falcon.Response, plant_id: str) -> None:
        resp.media = self._plant(plant_id, _gardener(req), check=True)

    def on_patch(self, req: falcon.Request, resp: falcon.Response, plant_id: str) -> None:
        body = req.get_media()
        try:
            self._patch(req, resp, plant_id, body)
        except falcon.HTTPError as refused:
            self.patches.append((int(refused.status_code), body))
            raise
        self.patches.append((200, body))

    def _patch(self, req: falcon.Request, resp: falcon.Response, plant_id: str, body: Any) -> None:
        plant = self._plant(plant_id, _gardener(req), check=self.owner_check)
        if not isinstance(body, dict) or "care_note" not in body:
            raise falcon.HTTPBadRequest(title="care_note is required")
        for field in ("care_note", "nickname", "repotted_on"):
            if field in body:
                plant[field] = "" if body[field] is None else str(body[field])  # a string field
        resp.media = plant

    def _plant(self, plant_id: str, who: str, *, check: bool) -> dict[str, Any]:
        plant = self.plants.get(plant_id)
        if plant is None or (check and plant["gardener"] != who):
            raise falcon.HTTPNotFound()
        return plant


def _gardener(req: falcon.Request) -> str:
    who = TOKENS.get(req.get_header("Authorization") or "")
    if who is None:
        raise falcon.HTTPUnauthorized(title="a Token is required")
    return who


def _scan(service: _Greenkeep, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    with serving(service.app(), wsgi=True) as url:
        result, _ = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola", *extra)
    # Read whatever the exit: a damaged target (3) writes its report too.
    assert (tmp_path / "report.json").exists(), result.stderr[-2000:]
    return result.returncode, json.loads((tmp_path / "report.json").read_text())


@pytest.mark.parametrize("owner_check", [False, True], ids=["flawed", "fixed"])
def test_writes_pick_what_a_restore_can_put_back(tmp_path: Path, owner_check: bool) -> None:
    """Bob changing alice's plant is found (not on the fixed twin); every plant is as found."""
    service = _Greenkeep(owner_check=owner_check)
    code, report = _scan(service, tmp_path)
    assert service.plants == SEEDED, report["tables"]["target_state"]
    assert code in {0, 1}, report["notes"]
    found = {(f["check"], f["operation"]) for f in report["findings"]}
    assert (("bola", "PATCH /plants/{plant_id}") in found) is not owner_check, found
    written = [r for r in report["tables"]["target_state"] if r["what"] == "object written"]
    assert written
    assert all(r["state"] == "restored" for r in written), written


def test_no_write_goes_where_no_restore_could_put_a_null_back(tmp_path: Path) -> None:
    """Every plant's care note is null, and the contract's PATCH takes only a string there:
    the writes are not sent (not tested), and every plant is as found."""
    service = _Greenkeep(owner_check=False, notes=False)
    code, report = _scan(service, tmp_path)
    assert service.plants == service.seeded, report["tables"]["target_state"]
    assert code in {0, 1}, report["notes"]
    assert not [p for p in service.patches if p[0] == 200], service.patches
    skipped = [s for s in report["skipped"] if s["operation"] == "PATCH /plants/{plant_id}"]
    assert skipped
    assert "could not be restored" in skipped[0]["detail"], skipped


def test_credentials_the_api_refuses_are_not_tried_again_by_the_restore(tmp_path: Path) -> None:
    """Under --aggressive the null notes are written and cannot be put back (exit 3); the
    restore's writes as a probe's own refused credentials (anonymous, forged) go once each."""
    service = _Greenkeep(owner_check=False, notes=False)
    code, report = _scan(service, tmp_path, "--checks", "auth_bypass,jwt", "--aggressive")
    assert code == 3, report["notes"]
    written = [r for r in report["tables"]["target_state"] if r["what"] == "object written"]
    assert written
    assert {r["state"] for r in written} == {"not restored"}, written
    # The restore writes the old values back: a null care note, which no probe sends.
    refused = [p for p in service.patches if p[0] == 401 and p[1].get("care_note", "") is None]
    assert len(refused) <= 2, refused
