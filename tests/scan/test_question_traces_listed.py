"""An action that only asks still leaves its trace on what it names, and the report says so.

The Rails trial's ``POST /webhooks/{id}/test`` sends a test delivery and stores nothing of
its own, so the scan sent it to a seeded webhook as an action that changes nothing; the
webhook kept the test's ``last_status`` and the report said "left as found". A Flask
webhook service: the test records the delivery's outcome on the webhook. The object such
an action names is read before it and compared at the end, and the change is *left*.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: rita, role: recruiter, headers: {Authorization: Bearer wh-rita}}
"""
SEEDED = {
    1: {"id": 1, "url": "https://hooks.acme.example/hireloop", "event": "application.created",
        "last_status": None},
}  # fmt: skip
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
SPEC: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "webhooks", "version": "v1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/webhooks": {"get": {"summary": "List your company's webhooks", "responses": {"200": {"description": "OK"}}}},
        "/webhooks/{id}": {"get": {"parameters": ID, "responses": {"200": {"description": "OK"}}}},
        "/webhooks/{id}/test": {
            "post": {"summary": "Send a test event", "parameters": ID,
                     "responses": {"202": {"description": "queued"}}}
        },
    },
}  # fmt: skip


class Hooks:
    def __init__(self) -> None:
        self.hooks = copy.deepcopy(SEEDED)
        self.app = Flask("hooks")
        self.app.add_url_rule("/openapi.json", "spec", lambda: SPEC)
        self.app.add_url_rule("/webhooks", "list", self.listing)
        self.app.add_url_rule("/webhooks/<int:id>", "show", self.show)
        self.app.add_url_rule("/webhooks/<int:id>/test", "test", self.test, methods=["POST"])

    def _refused(self) -> ResponseReturnValue | None:
        if request.headers.get("Authorization") != "Bearer wh-rita":
            return {"error": "unauthorized"}, 401
        return None

    def listing(self) -> ResponseReturnValue:
        return self._refused() or {"webhooks": list(self.hooks.values())}

    def show(self, id: int) -> ResponseReturnValue:
        hook = self.hooks.get(id)
        return self._refused() or ({"webhook": hook} if hook else ({"error": "not found"}, 404))

    def test(self, id: int) -> ResponseReturnValue:
        refused, hook = self._refused(), self.hooks.get(id)
        if refused is not None:
            return refused
        if hook is None:
            return {"error": "not found"}, 404
        hook["last_status"] = 0  # the delivery to an unreachable host failed
        return {"queued": True}, 202


def test_a_test_delivery_on_a_seeded_webhook_is_listed_left(tmp_path: Path) -> None:
    """The webhook's ``last_status`` moved: one *left* row on it, and no "as found"."""
    hooks = Hooks()
    with serving(hooks.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "auth_bypass")
    assert done.returncode in {0, 1}, done.stdout[-3000:] + done.stderr[-3000:]
    assert hooks.hooks[1]["last_status"] == 0, "the scan sent no test: nothing below could fail"
    rows = [r for r in report["tables"]["target_state"] if r["object"] == "/webhooks/1"]
    assert [r["state"] for r in rows] == ["left"], report["tables"]["target_state"]
    assert "last_status" in rows[0]["detail"]
    assert not any("left as found" in note for note in report["notes"]), report["notes"]
