"""A cinema club in Falcon: public promo codes, redeemed for credit with the code in the path.

Anyone lists the promo codes on the posters (``GET /promos``) and signs up
(``POST /signup``); a member logs in (``POST /login``), reads its own credit (``GET /me``)
and redeems a code at ``POST /promos/{code}/redeem``. Three builds:

* ``flawed``: every redemption pays the code's credit again (the Fastify trial's F12);
* ``fixed``: once per member, 409 after that;
* ``counted``: once per member too, but each code has a few uses for everybody, which the
  list shows as ``uses_left``: a redemption takes one from every other member.

The club keeps every redemption (``redemptions``: who, which code) and the promo codes as
they are, so a test can tell who redeemed and whether the shared codes moved.
"""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any

import falcon

JSON = "application/json"
MEMBERS = {"ana": "ana-pass-3141", "ben": "ben-pass-2718"}
PROMOS = [
    {"code": "REEL10", "title": "Ten off your next ticket", "credit_cents": 1000},
    {"code": "POPCORN5", "title": "Popcorn on us", "credit_cents": 500},
]


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def _answer(schema: dict[str, Any], what: str = "ok") -> dict[str, Any]:
    return {"200": {"description": what, "content": {JSON: {"schema": schema}}}}


def contract(*, counted: bool) -> dict[str, Any]:
    """The club's OpenAPI 3.0 contract."""
    text, number = {"type": "string"}, {"type": "integer"}
    promo = _object(code=text, title=text, credit_cents=number)
    if counted:
        promo["properties"]["uses_left"] = number
    credentials = _object(username=text, password={"type": "string", "format": "password"})
    credentials["required"] = ["username", "password"]
    code = {"name": "code", "in": "path", "required": True, "schema": text}
    body = {"required": True, "content": {JSON: {"schema": credentials}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Reel club", "version": "2.0",
                 "description": "Promo codes are printed on posters: anyone may list them."},
        "components": {"securitySchemes": {"member": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/signup": {"post": {"summary": "Become a member", "requestBody": body,
                                 "responses": {"201": {"description": "welcome"}}}},
            "/login": {"post": {"summary": "Log in", "requestBody": body,
                                "responses": _answer(_object(token=text))}},
            "/me": {"get": {"summary": "Your membership and credit", "security": [{"member": []}],
                            "responses": _answer(_object(username=text, credit_cents=number))}},
            "/promos": {"get": {"summary": "Promo codes on the posters (public)",
                                "responses": _answer({"type": "array", "items": promo})}},
            "/promos/{code}/redeem": {"post": {
                "summary": "Redeem a promo code (once per member)",
                "parameters": [code],
                "security": [{"member": []}],
                "responses": _answer(_object(code=text, credit_cents=number, balance_cents=number)),
            }},
        },
    }  # fmt: skip


class Club:
    """The club's state and its Falcon resources; ``build`` is flawed, fixed or counted."""

    def __init__(self, build: str) -> None:
        self.build = build
        self.passwords = dict(MEMBERS)
        self.credit = dict.fromkeys(MEMBERS, 0)
        self.promos = copy.deepcopy(PROMOS)
        if build == "counted":
            for promo in self.promos:
                promo["uses_left"] = 3
        self.redemptions: list[tuple[str, str]] = []
        self.tokens: dict[str, str] = {}

    def app(self) -> falcon.App:
        """The club as a WSGI app."""
        app = falcon.App()
        app.add_route("/openapi.json", _Contract(self.build == "counted"))
        app.add_route("/signup", _SignUp(self))
        app.add_route("/login", _Login(self))
        app.add_route("/me", _Me(self))
        app.add_route("/promos", _Promos(self))
        app.add_route("/promos/{code}/redeem", _Redeem(self))
        return app

    def member(self, req: falcon.Request) -> str:
        """The member the bearer token names; 401 without one."""
        token = (req.get_header("Authorization") or "").removeprefix("Bearer ")
        who = self.tokens.get(token)
        if who is None:
            raise falcon.HTTPUnauthorized(title="sign in first")
        return who

    def redeem(self, who: str, code: str) -> dict[str, Any]:
        """Pay ``code``'s credit to ``who``, as the build allows."""
        promo = next((p for p in self.promos if p["code"] == code), None)
        if promo is None:
            raise falcon.HTTPNotFound(title="no such promo code")
        if self.build != "flawed" and (who, code) in self.redemptions:
            raise falcon.HTTPConflict(title="you already redeemed this code")
        if self.build == "counted":
            if promo["uses_left"] < 1:
                raise falcon.HTTPGone(title="this code is used up")
            promo["uses_left"] -= 1
        self.redemptions.append((who, code))
        self.credit[who] += int(promo["credit_cents"])
        return {
            "code": code,
            "credit_cents": promo["credit_cents"],
            "balance_cents": self.credit[who],
        }


class _Contract:
    def __init__(self, counted: bool) -> None:
        self.counted = counted

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.text = json.dumps(contract(counted=self.counted))
        resp.content_type = JSON


def _credentials(req: falcon.Request) -> tuple[str, str]:
    body = req.get_media(default_when_empty={})
    name, password = (body or {}).get("username"), (body or {}).get("password")
    if not isinstance(name, str) or not isinstance(password, str) or not name or not password:
        raise falcon.HTTPBadRequest(title="username and password are required")
    return name, password


class _SignUp:
    def __init__(self, club: Club) -> None:
        self.club = club

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        name, password = _credentials(req)
        if name in self.club.passwords:
            raise falcon.HTTPConflict(title="that name is taken")
        self.club.passwords[name] = password
        self.club.credit[name] = 0
        resp.status = falcon.HTTP_201
        resp.media = {"username": name}


class _Login:
    def __init__(self, club: Club) -> None:
        self.club = club

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        name, password = _credentials(req)
        if self.club.passwords.get(name) != password:
            raise falcon.HTTPUnauthorized(title="wrong name or password")
        token = secrets.token_hex(12)
        self.club.tokens[token] = name
        resp.media = {"token": token}


class _Me:
    def __init__(self, club: Club) -> None:
        self.club = club

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self.club.member(req)
        resp.media = {"username": who, "credit_cents": self.club.credit[who]}


class _Promos:
    def __init__(self, club: Club) -> None:
        self.club = club

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.club.promos


class _Redeem:
    def __init__(self, club: Club) -> None:
        self.club = club

    def on_post(self, req: falcon.Request, resp: falcon.Response, code: str) -> None:
        resp.media = self.club.redeem(self.club.member(req), code)
