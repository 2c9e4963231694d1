"""An allotment society's API written the Falcon way, with a "stay logged in" cookie of its own.

``POST /auth/login`` takes ``{username, password, stay_logged_in}`` and sets ``sid``, a
random session id kept on the server. Members read their own record (``GET
/members/me``); the society's admin lists every member with e-mail and plot (``GET
/admin/members``). Two cookies of the app's own say who the caller is when no session
does:

* ``allotment_keep``, set when ``stay_logged_in`` is true: ``remember="json"`` writes
  it as unpadded base64url of ``{"member": "<username>", "role": "<role>"}`` and trusts
  both fields (the flaw: anyone writes anyone's, the admin's role included);
  ``remember="signed"`` appends ``.`` and an HMAC-SHA256 of that payload under a random
  key and trusts only what it signed (the fixed twin);
* ``uid``, the member's number in plain (``uid=3``), set by every login for the front
  end's "member #3": ``uid="trusted"`` takes it as the member (the second flaw),
  ``uid="shown"`` never reads it.

``Society`` records every login's flag, so a test can tell the remember cookie was asked for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any, Literal

import falcon

MEMBERS: dict[str, dict[str, Any]] = {
    "olga": {"id": 1, "email": "olga@allotments.test", "role": "admin", "plot": "A1"},
    "ann": {"id": 3, "email": "ann@allotments.test", "role": "member", "plot": "B4"},
    "ben": {"id": 4, "email": "ben@allotments.test", "role": "member", "plot": "C2"},
}
PASSWORDS = {"olga": "compost-heap-91", "ann": "runner-beans-22", "ben": "rhubarb-crown-5"}
IDENTITIES = """\
identities:
  - name: ann
    role: member
    login: {operation: POST /auth/login, json: {username: ann, password: runner-beans-22}}
  - name: ben
    role: member
    login: {operation: POST /auth/login, json: {username: ben, password: rhubarb-crown-5}}
  - name: olga
    role: admin
    rank: 10
    login: {operation: POST /auth/login, json: {username: olga, password: compost-heap-91}}
"""
KEEP = "allotment_keep"

_MEMBER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "email": {"type": "string"},
        "role": {"type": "string"},
        "plot": {"type": "string"},
    },
}
_LOGIN = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "username": {"type": "string"},
        "password": {"type": "string"},
        "stay_logged_in": {"type": "boolean", "description": "Keep me logged in for a month"},
    },
}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Allotment society", "version": "2"},
    "components": {"securitySchemes": {"sid": {"type": "apiKey", "in": "cookie", "name": "sid"}}},
    "security": [{"sid": []}],
    "paths": {
        "/auth/login": {
            "post": {
                "security": [],
                "requestBody": {"content": {"application/json": {"schema": _LOGIN}}},
                "responses": {"200": _ok({"type": "object"}), "401": {"description": "no"}},
            }
        },
        "/members/me": {"get": {"responses": {"200": _ok(_MEMBER)}}},
        "/admin/members": {
            "get": {
                "description": "Every member, with e-mail and plot. Admins only.",
                "responses": {
                    "200": _ok({"type": "object", "properties": {"members": {"type": "array", "items": _MEMBER}}}),
                    "403": {"description": "not an admin"},
                },
            }
        },
    },
}  # fmt: skip


class Society:
    """The app's state: live sessions, the signing key, and what each login asked for."""

    def __init__(
        self, *, remember: Literal["json", "signed"], uid: Literal["trusted", "shown"]
    ) -> None:
        self.remember = remember
        self.uid = uid
        self.key = secrets.token_bytes(32)
        self.sessions: dict[str, str] = {}
        self.stayed: list[str] = []
        """Members whose login asked to stay logged in."""

    def app(self) -> falcon.App:
        """The Falcon WSGI app."""
        app = falcon.App()
        app.add_route("/openapi.json", _Contract())
        app.add_route("/auth/login", _Login(self))
        app.add_route("/members/me", _Me(self))
        app.add_route("/admin/members", _Everyone(self))
        return app

    def keep(self, name: str) -> str:
        """The ``allotment_keep`` value for member ``name``."""
        payload = json.dumps({"member": name, "role": MEMBERS[name]["role"]}).encode()
        text = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return text if self.remember == "json" else f"{text}.{self._mac(text)}"

    def caller(self, req: falcon.Request) -> tuple[str, str]:
        """The member asking and the role it acts with; 401 when nobody is logged in."""
        name = self.sessions.get(req.cookies.get("sid", ""))
        if name is not None:
            return name, MEMBERS[name]["role"]
        kept = self._kept(req.cookies.get(KEEP, ""))
        if kept is not None:
            return kept
        if self.uid == "trusted":
            number = req.cookies.get("uid", "")
            for name, member in MEMBERS.items():
                if str(member["id"]) == number:
                    return name, member["role"]
        raise falcon.HTTPUnauthorized(title="log in first")

    def _kept(self, value: str) -> tuple[str, str] | None:
        if not value:
            return None
        if self.remember == "signed":
            value, _, mac = value.partition(".")
            if not hmac.compare_digest(mac, self._mac(value)):
                return None
        try:
            data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        except ValueError:
            return None
        name = data.get("member") if isinstance(data, dict) else None
        if name not in MEMBERS:
            return None
        # The flawed twin takes the role from the cookie too, as it wrote it there.
        return name, data.get("role") if self.remember == "json" else MEMBERS[name]["role"]

    def _mac(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()


def _record(name: str) -> dict[str, Any]:
    return {"username": name, **MEMBERS[name]}


class _Contract:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = SPEC


class _Login:
    def __init__(self, society: Society) -> None:
        self.society = society

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = req.get_media(default_when_empty={})
        name = body.get("username") if isinstance(body, dict) else None
        if not isinstance(name, str) or PASSWORDS.get(name) != body.get("password"):
            raise falcon.HTTPUnauthorized(title="wrong username or password")
        sid = secrets.token_urlsafe(24)
        self.society.sessions[sid] = name
        resp.set_cookie("sid", sid, secure=False, path="/")
        resp.set_cookie("uid", str(MEMBERS[name]["id"]), secure=False, path="/")
        if body.get("stay_logged_in") is True:
            self.society.stayed.append(name)
            resp.set_cookie(KEEP, self.society.keep(name), secure=False, path="/")
        resp.media = {"welcome": name}


class _Me:
    def __init__(self, society: Society) -> None:
        self.society = society

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        name, _ = self.society.caller(req)
        resp.media = _record(name)


class _Everyone:
    def __init__(self, society: Society) -> None:
        self.society = society

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _, role = self.society.caller(req)
        if role != "admin":
            raise falcon.HTTPForbidden(title="admins only")
        resp.media = {"members": [_record(name) for name in MEMBERS]}
