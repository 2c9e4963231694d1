"""Accounts a scan signs up are deleted by the admin's DELETE, whatever wraps the sign-up's answer.

A choir's roster in Falcon (WSGI): ``POST /auth/register`` answers 201 with the new
singer wrapped in ``user`` beside its token (``{"user": {"id": 7, ...}, "token": ...}``),
and only the choir's admin may remove a singer, under ``/admin/``: by user name in one
contract, by id in the other. The creator of each account (anonymous, or an identity
whose token rode along) is refused that DELETE; the admin is not. Every account the
scan signed up is gone at the end, and no seeded singer is touched.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from typing import Any

import falcon
import pytest
from tests.conftest import scan_with_identities

from serving import serving

SINGER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "email": {"type": "string"},
        "voice": {"type": "string"},
    },
}
REGISTER = {
    "type": "object",
    "required": ["username", "email", "password"],
    "properties": {
        "username": {"type": "string", "pattern": "^[a-z0-9_.-]{3,40}$"},
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "format": "password", "minLength": 8},
        "voice": {"type": "string"},
    },
}
LOGIN = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}


def _answer(code: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {code: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def contract(by: str) -> dict[str, Any]:
    """The roster's contract; its admin removes a singer ``by`` user name or by id."""
    param = {"username": "username", "id": "member_id"}[by]
    kind = {"username": "string", "id": "integer"}[by]
    wrapped = {"type": "object", "properties": {"user": SINGER, "token": {"type": "string"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "choir roster", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/auth/register": {
                "post": {
                    "security": [],
                    "requestBody": _body(REGISTER),
                    "responses": {**_answer("201", wrapped), "422": {"description": "invalid"}},
                }
            },
            "/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": _body(LOGIN),
                    "responses": _answer("200", {"type": "object", "properties": {"token": {}}}),
                }
            },
            "/me": {"get": {"responses": _answer("200", SINGER)}},
            f"/admin/members/{{{param}}}": {
                "delete": {
                    "summary": "Remove a member",
                    "description": "Admin only.",
                    "parameters": [
                        {"name": param, "in": "path", "required": True, "schema": {"type": kind}}
                    ],
                    "responses": {
                        "204": {"description": "removed"},
                        "403": {"description": "not the admin"},
                    },
                }
            },
        },
    }


class Roster:
    """The choir's singers, served by Falcon."""

    def __init__(self, by: str) -> None:
        self.by = by
        self.singers: dict[int, dict[str, Any]] = {
            1: {"id": 1, "username": "alto", "email": "alto@choir.test", "voice": "alto"},
            2: {"id": 2, "username": "bass", "email": "bass@choir.test", "voice": "bass"},
            3: {"id": 3, "username": "maestro", "email": "m@choir.test", "voice": "tenor"},
        }
        self.passwords = {1: "alto-sings-1", 2: "bass-sings-2", 3: "maestro-leads-3"}
        self.seeded = json.dumps(self.singers, sort_keys=True)
        self.serial = itertools.count(4)
        self.tokens: dict[str, int] = {}

    def _issue(self, number: int) -> str:
        token = secrets.token_hex(12)
        self.tokens[token] = number
        return token

    def _caller(self, req: falcon.Request) -> int:
        number = self.tokens.get((req.get_header("Authorization") or "")[7:])
        if number is None or number not in self.singers:
            raise falcon.HTTPUnauthorized(title="Authentication required")
        return number

    def on_post_register(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = req.get_media()
        name = str(body.get("username", ""))
        if not re.fullmatch(r"[a-z0-9_.-]{3,40}", name) or len(str(body.get("password"))) < 8:
            raise falcon.HTTPUnprocessableEntity(description="invalid username or password")
        if any(s["username"] == name for s in self.singers.values()):
            raise falcon.HTTPConflict(description="username taken")
        number = next(self.serial)
        singer = {"id": number, "username": name, "email": str(body.get("email")), "voice": ""}
        self.singers[number] = singer
        self.passwords[number] = str(body["password"])
        resp.status = falcon.HTTP_201
        resp.media = {"user": singer, "token": self._issue(number)}

    def on_post_login(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = req.get_media()
        for number, singer in self.singers.items():
            same = (singer["username"], self.passwords[number])
            if same == (body.get("username"), body.get("password")):
                resp.media = {"token": self._issue(number)}
                return
        raise falcon.HTTPUnauthorized(title="Wrong username or password")

    def on_get_me(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.singers[self._caller(req)]

    def on_delete_singer(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        if self.singers[self._caller(req)]["username"] != "maestro":
            raise falcon.HTTPForbidden(description="Only the admin may remove singers")
        field = "username" if self.by == "username" else "id"
        found = [n for n, s in self.singers.items() if str(s[field]) == key]
        if not found:
            raise falcon.HTTPNotFound()
        del self.singers[found[0]]
        resp.status = falcon.HTTP_204

    def app(self) -> falcon.App:
        """The roster as a WSGI app."""
        app = falcon.App()
        document = contract(self.by)

        class _Contract:
            def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
                resp.media = document

        app.add_route("/openapi.json", _Contract())
        app.add_route("/auth/register", self, suffix="register")
        app.add_route("/auth/login", self, suffix="login")
        app.add_route("/me", self, suffix="me")
        app.add_route("/admin/members/{key}", self, suffix="singer")
        return app


IDENTITIES = """\
identities:
  - name: maestro
    role: admin
    login: {operation: POST /auth/login, json: {username: maestro, password: maestro-leads-3}, token: token}
  - name: alto
    role: singer
    login: {operation: POST /auth/login, json: {username: alto, password: alto-sings-1}, token: token}
  - name: bass
    role: singer
    login: {operation: POST /auth/login, json: {username: bass, password: bass-sings-2}, token: token}
"""


@pytest.fixture(scope="module", params=["username", "id"], ids=["by-name", "by-id"])
def scanned(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Roster, Any, dict[str, Any]]:
    """One default scan of the roster, its admin removing singers by name or by id."""
    roster = Roster(request.param)
    folder = tmp_path_factory.mktemp("roster")
    with serving(roster.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder)
    return roster, result, report


def test_every_account_the_scan_signed_up_is_deleted(
    scanned: tuple[Roster, Any, dict[str, Any]],
) -> None:
    """The admin's DELETE removes each sign-up, its id or name read from inside ``user``."""
    roster, result, report = scanned
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    assert rows, "the scan signed nobody up"
    assert [r for r in rows if r["state"] != "deleted"] == []
    assert sorted(roster.singers) == [1, 2, 3]


def test_no_seeded_singer_is_touched(scanned: tuple[Roster, Any, dict[str, Any]]) -> None:
    """Only what the scan signed up is removed: the seeded singers stay as they were."""
    roster, _, _ = scanned
    seeded = {k: v for k, v in roster.singers.items() if k <= 3}
    assert json.dumps({str(k): v for k, v in seeded.items()}, sort_keys=True) == roster.seeded
