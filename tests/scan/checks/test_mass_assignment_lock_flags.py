"""No made-up ``disabled: true``: a probe's control must not lock an account out.

The Fastify trial's admin update, ``PATCH /admin/users/{username}`` (JSON:API), takes
``displayName``, ``isAdmin`` and ``disabled``. The admin's list of users, which reads a user back
there, shows no ``disabled`` (the profile card does, undeclared), so mass assignment's control (the update "with the current values") kept
the synthesised one, ``true``, and the platform admin, updating its own record, locked
itself out for good: nothing the scan sent as it got through afterwards, its restore
included. A made-up boolean is now ``false`` where ``true`` keeps an account out, and the
control leaves out a gate the read does not show. The Falcon app below is written the
same way; the scan must leave every account able to sign in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import falcon
from tests.conftest import scan_with_identities

from apiward.scan.fields import locks_out
from apiward.scan.synthesis import Synthesizer
from apiward.spec import load
from serving import serving

USERS = {
    "root": {"displayName": "Root", "isAdmin": True, "disabled": False, "token": "tk-root-7"},
    "carol": {"displayName": "Carol", "isAdmin": False, "disabled": False, "token": "tk-carol-3"},
}
IDENTITIES = """\
identities:
  - {name: root, role: admin, rank: 10, headers: {Authorization: Bearer tk-root-7}}
  - {name: carol, role: agent, rank: 1, headers: {Authorization: Bearer tk-carol-3}}
"""
_ATTRIBUTES = {
    "displayName": {"type": "string", "maxLength": 80},
    "isAdmin": {"type": "boolean"},
    "disabled": {"type": "boolean"},
}


def _document(attributes: dict[str, Any], *, answer: bool = True) -> dict[str, Any]:
    resource = {"type": {"type": "string", "enum": ["users"]}, "attributes": {"type": "object"}}
    resource["attributes"]["properties"] = attributes
    if answer:
        resource["id"] = {"type": "string"}
    return {
        "type": "object",
        "properties": {
            "data": {
                "type": "object",
                "required": ["type", "attributes"],
                "properties": resource,
            }
        },
    }


def _spec() -> dict[str, Any]:
    name = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}
    card = _document(
        {
            "username": {"type": "string"},
            "displayName": {"type": "string"},
            "isAdmin": {"type": "boolean"},
        }
    )
    answer = {"description": "OK", "content": {"application/json": {"schema": card}}}
    rows = {"type": "object", "properties": {"data": {"type": "array", "items": {}}}}
    listing = {"description": "OK", "content": {"application/json": {"schema": rows}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Deskly", "version": "1.0.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/me": {"get": {"summary": "Your own card", "responses": {"200": answer}}},
            "/users/{username}": {
                "get": {
                    "summary": "A profile card",
                    "parameters": [name],
                    "responses": {"200": answer},
                }
            },
            "/admin/users": {
                "get": {
                    "summary": "Every user",
                    "description": "Platform administrators only.",
                    "tags": ["admin"],
                    "responses": {"200": listing},
                }
            },
            "/admin/users/{username}": {
                "patch": {
                    "summary": "Update any user",
                    "description": "Platform administrators only.",
                    "tags": ["admin"],
                    "parameters": [name],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": _document(_ATTRIBUTES, answer=False)}
                        },
                    },
                    "responses": {"200": answer},
                }
            },
        },
    }


class Deskly:
    """Users by name; a disabled user's token is refused everywhere."""

    def __init__(self) -> None:
        self.users = {name: dict(user) for name, user in USERS.items()}
        self.app = falcon.App(media_type="application/json")
        self.app.req_options.media_handlers["application/json"] = falcon.media.JSONHandler()
        self.app.resp_options.media_handlers["application/json"] = falcon.media.JSONHandler()
        self.app.add_route("/openapi.json", self, suffix="spec")
        self.app.add_route("/me", self, suffix="me")
        self.app.add_route("/users/{username}", self, suffix="card")
        self.app.add_route("/admin/users", self, suffix="users")
        self.app.add_route("/admin/users/{username}", self, suffix="admin")

    def _caller(self, req: falcon.Request) -> dict[str, Any]:
        token = (req.get_header("Authorization") or "").removeprefix("Bearer ")
        user = next((u for u in self.users.values() if u["token"] == token), None)
        if user is None or user["disabled"]:
            raise falcon.HTTPUnauthorized(title="Unauthorized")
        return user

    def _card(self, username: str, *, whole: bool = True) -> dict[str, Any]:
        """A user as JSON:API; ``whole``: every column, as the trial's card leaked them."""
        user = self.users.get(username)
        if user is None:
            raise falcon.HTTPNotFound()
        attributes = {"username": username, "displayName": user["displayName"]}
        attributes["isAdmin"] = user["isAdmin"]
        if whole:
            attributes["disabled"] = user["disabled"]
        return {"data": {"type": "users", "id": username, "attributes": attributes}}

    def on_get_spec(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.media = _spec()

    def on_get_me(self, req: falcon.Request, resp: falcon.Response) -> None:
        caller = self._caller(req)
        resp.media = self._card(next(n for n, u in self.users.items() if u is caller))

    def on_get_card(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        self._caller(req)
        resp.media = self._card(username)

    def on_get_users(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not self._caller(req)["isAdmin"]:
            raise falcon.HTTPForbidden(title="Platform administrators only")
        resp.media = {"data": [self._card(name, whole=False)["data"] for name in self.users]}

    def on_patch_admin(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        if not self._caller(req)["isAdmin"]:
            raise falcon.HTTPForbidden(title="Platform administrators only")
        target = self.users.get(username)
        if target is None:
            raise falcon.HTTPNotFound()
        sent = (req.get_media(default_when_empty={}) or {}).get("data", {}).get("attributes", {})
        target.update({k: v for k, v in sent.items() if k in _ATTRIBUTES})
        resp.media = self._card(username, whole=False)


def test_the_admin_updating_its_own_record_is_never_sent_a_disabling_flag(tmp_path: Path) -> None:
    """After the scan every account is enabled, and every identity still gets in."""
    desk = Deskly()
    with serving(desk.app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "mass_assignment"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    assert {name: user["disabled"] for name, user in desk.users.items()} == {
        "root": False,
        "carol": False,
    }
    assert not [r for r in report["tables"]["target_state"] if r["state"] == "no longer logs in"]


def test_a_flag_whose_true_keeps_an_account_out() -> None:
    """``disabled``, ``isLocked``, ``banned`` lock out when true; ``is_active`` does not."""
    assert locks_out("disabled")
    assert locks_out("isLocked")
    assert locks_out("account.banned")
    assert not locks_out("is_active")
    assert not locks_out("enabled")
    assert not locks_out("isAdmin")


def test_a_made_up_update_enables_every_account(tmp_path: Path) -> None:
    """The synthesised admin update sets ``disabled: false``; ``isAdmin`` keeps its ``true``."""
    contract = tmp_path / "openapi.json"
    contract.write_text(json.dumps(_spec()))
    api = load(str(contract))
    update = api.operation("PATCH", "/admin/users/{username}")
    assert update is not None
    body = Synthesizer(api, url="http://127.0.0.1:9").request(update).body
    assert body["data"]["attributes"]["disabled"] is False
    assert body["data"]["attributes"]["isAdmin"] is True
