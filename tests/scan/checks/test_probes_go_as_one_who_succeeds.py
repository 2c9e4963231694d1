"""Input probes go as an identity whose own request succeeds, not merely the first not refused.

The Go trial's admin, listed first, must name an ``orgId`` the contract does not declare:
``POST /v1/webhooks`` answered it ``400 {"error": "orgId is required"}``, every SSRF probe
went as the admin and was refused the same way, and the SSRF was missed (found once the
admin was listed last). A Flask fleet API written that way: registering a webhook fetches
its URL to verify it. The flawed build fetches any URL; the careful one only https.
"""

from __future__ import annotations

import itertools
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from tests.conftest import scan_with_identities

from serving import serving

USERS = {
    "Bearer fl-root-1": {"id": "u-1", "role": "admin", "orgId": None},
    "Bearer fl-dana-2": {"id": "u-2", "role": "dispatcher", "orgId": "acme"},
}
IDENTITIES = """\
identities:
  - {name: rosa, role: admin, rank: 10, headers: {Authorization: Bearer fl-root-1}}
  - {name: dana, role: dispatcher, rank: 5, headers: {Authorization: Bearer fl-dana-2}}
"""
HOOK = {
    "type": "object",
    "required": ["url", "event"],
    "properties": {
        "url": {"type": "string", "description": "Callback URL; verified on registration"},
        "event": {"type": "string", "enum": ["shipment.delivered", "shipment.delayed"]},
    },
}
SPEC: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "fleetline", "version": "1.0"},
    "basePath": "/v1",
    "securityDefinitions": {"Bearer": {"type": "apiKey", "name": "Authorization", "in": "header"}},
    "security": [{"Bearer": []}],
    "paths": {
        "/webhooks": {
            "get": {"summary": "List webhooks", "responses": {"200": {"description": "OK"}}},
            "post": {
                "summary": "Register a webhook",
                "consumes": ["application/json"],
                "parameters": [{"name": "body", "in": "body", "required": True, "schema": HOOK}],
                "responses": {"201": {"description": "Created"}},
            },
        },
        "/webhooks/{id}": {
            "delete": {
                "summary": "Remove a webhook",
                "parameters": [{"name": "id", "in": "path", "required": True, "type": "string"}],
                "responses": {"204": {"description": "No Content"}},
            }
        },
    },
}


class Fleet:
    """Webhooks per organisation; an admin belongs to none and must name one."""

    def __init__(self, *, careful: bool) -> None:
        self.careful = careful
        self.hooks: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.app = Flask("fleetline")
        self.app.add_url_rule("/openapi.json", "spec", lambda: SPEC)
        self.app.add_url_rule("/v1/webhooks", "list", self.listing)
        self.app.add_url_rule("/v1/webhooks", "add", self.add, methods=["POST"])
        self.app.add_url_rule("/v1/webhooks/<id>", "remove", self.remove, methods=["DELETE"])

    def _user(self) -> dict[str, Any] | None:
        return USERS.get(request.headers.get("Authorization", ""))

    def listing(self) -> ResponseReturnValue:
        user = self._user()
        if user is None:
            return {"error": "unauthorized"}, 401
        org = user["orgId"]
        return {"items": [h for h in self.hooks.values() if org is None or h["orgId"] == org]}

    def add(self) -> ResponseReturnValue:
        user, body = self._user(), request.get_json(silent=True) or {}
        if user is None:
            return {"error": "unauthorized"}, 401
        org = body.get("orgId") if user["role"] == "admin" else user["orgId"]
        if not org:
            return {"error": "orgId is required"}, 400
        url = body.get("url")
        if not isinstance(url, str) or body.get("event") not in HOOK["properties"]["event"]["enum"]:
            return {"error": "url and event are required"}, 400
        if self.careful and not url.startswith("https://"):
            return {"error": "url must be https"}, 400
        status = "unverified"
        if not self.careful:
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:  # the flaw: any URL
                    status = f"verified ({answer.status})"
            except OSError:
                status = "unreachable"
        hook = {"id": f"wh_{next(self._ids)}", "orgId": org, "url": url, "status": status}
        self.hooks[hook["id"]] = hook
        return hook, 201

    def remove(self, id: str) -> ResponseReturnValue:
        user, hook = self._user(), self.hooks.get(id)
        if user is None:
            return {"error": "unauthorized"}, 401
        if hook is None or (user["orgId"] is not None and hook["orgId"] != user["orgId"]):
            return "404 page not found\n", 404, {"Content-Type": "text/plain"}
        del self.hooks[id]
        return "", 204


@pytest.mark.parametrize("careful", [False, True], ids=["flawed", "careful"])
def test_ssrf_goes_as_the_identity_whose_registration_works(tmp_path: Path, careful: bool) -> None:
    """The admin's 400 is passed over for dana's 201: the flawed fetch is found, the careful
    build gives nothing, and every webhook the scan registered is gone."""
    fleet = Fleet(careful=careful)
    with serving(fleet.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "ssrf")
    assert done.returncode in {0, 1}, done.stdout[-3000:] + done.stderr[-3000:]
    found = [f for f in report["findings"] if f["check"] == "ssrf"]
    assert bool(found) is not careful, found
    assert fleet.hooks == {}
