"""A seed library in Flask whose generated Swagger 2.0 contract secures every route, as many
generators write it (one global ``security``), though joining, logging in and the seed
catalogue are open to anyone in the code.

``contract(declared_public=True)`` is the twin a careful author writes: ``security: []``
on those routes. Both twins serve the same code: members join (``POST /members/join``,
a user name, an e-mail and a password), log in for a bearer token, read the catalogue,
their profile and their loans; only the curator may remove a member
(``DELETE /staff/members/{memberId}``), which is how a scan's accounts go away. One real
flaw in both: ``GET /loans/{loanId}`` never asks who is calling, so anyone reads any
member's loan.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from typing import Any

from flask import Flask, Response, jsonify, request

_BODY = {"in": "body", "name": "body", "required": True}
_HANDLE = "^[A-Za-z0-9_.@-]{3,60}$"


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


MEMBER = _object(
    {"memberId": {"type": "integer"}, "handle": {"type": "string"}, "email": {"type": "string"}}
)
SEED = _object(
    {
        "seedId": {"type": "integer"},
        "variety": {"type": "string"},
        "species": {"type": "string"},
        "packets": {"type": "integer"},
    }
)
LOAN = _object(
    {
        "loanId": {"type": "integer"},
        "memberId": {"type": "integer"},
        "seedId": {"type": "integer"},
        "returnBy": {"type": "string"},
    }
)


def _ok(schema: dict[str, Any], code: str = "200") -> dict[str, Any]:
    return {code: {"description": "ok", "schema": schema}, "401": {"description": "no token"}}


def _path(name: str) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "type": "integer"}


def contract(*, declared_public: bool = False) -> dict[str, Any]:
    """The library's Swagger 2.0 document; ``declared_public`` marks its open routes open."""
    open_ = {"security": []} if declared_public else {}
    join = _object(
        {
            "handle": {"type": "string", "pattern": _HANDLE},
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string", "format": "password", "minLength": 8},
        },
        ["handle", "email", "password"],
    )
    login = _object(
        {"handle": {"type": "string"}, "password": {"type": "string"}}, ["handle", "password"]
    )
    return {
        "swagger": "2.0",
        "info": {"title": "seed library", "version": "1.0"},
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {
            "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
        },
        "security": [{"token": []}],
        "paths": {
            "/members/join": {
                "post": {
                    "summary": "Join the library",
                    "parameters": [{**_BODY, "schema": join}],
                    "responses": {**_ok(MEMBER, "201"), "400": {"description": "invalid"}},
                    **open_,
                }
            },
            "/members/login": {
                "post": {
                    "summary": "Log in",
                    "parameters": [{**_BODY, "schema": login}],
                    "responses": _ok(_object({"token": {"type": "string"}})),
                    **open_,
                }
            },
            "/seeds": {
                "get": {
                    "summary": "The catalogue",
                    "responses": _ok({"type": "array", "items": SEED}),
                    **open_,
                }
            },
            "/seeds/{seedId}": {
                "get": {
                    "summary": "One seed of the catalogue",
                    "parameters": [_path("seedId")],
                    "responses": {**_ok(SEED), "404": {"description": "no such seed"}},
                    **open_,
                }
            },
            "/profile": {"get": {"summary": "The caller's own record", "responses": _ok(MEMBER)}},
            "/loans": {
                "get": {
                    "summary": "The caller's loans",
                    "responses": _ok({"type": "array", "items": LOAN}),
                }
            },
            "/loans/{loanId}": {
                "get": {
                    "summary": "One of the caller's loans",
                    "parameters": [_path("loanId")],
                    "responses": {**_ok(LOAN), "404": {"description": "no such loan"}},
                }
            },
            "/staff/members/{memberId}": {
                "delete": {
                    "summary": "Remove a member",
                    "description": "Curator only.",
                    "parameters": [_path("memberId")],
                    "responses": {
                        "204": {"description": "removed"},
                        "403": {"description": "not the curator"},
                        "404": {"description": "no such member"},
                    },
                }
            },
        },
    }


PASSWORDS = {"curator": "curates-seeds-1", "alice": "grows-beans-22", "bob": "grows-kale-333"}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: {'curator' if name == 'curator' else 'member'}\n"
    f"    login: {{operation: POST /members/login, json: {{handle: {name}, "
    f"password: {password}}}, token: token}}\n"
    for name, password in PASSWORDS.items()
)


class SeedLibrary:
    """The library's state, and the Flask app serving it with one contract or the other."""

    def __init__(self) -> None:
        self.members: dict[int, dict[str, Any]] = {
            n: {"memberId": n, "handle": h, "email": f"{h}@seeds.test"}
            for n, h in enumerate(PASSWORDS, start=1)
        }
        self.passwords = {n: PASSWORDS[m["handle"]] for n, m in self.members.items()}
        self.seeded = json.dumps(self.members, sort_keys=True)
        self.seeds = {
            1: {"seedId": 1, "variety": "Cherokee Trail", "species": "bean", "packets": 4},
            2: {"seedId": 2, "variety": "Lacinato", "species": "kale", "packets": 2},
            3: {"seedId": 3, "variety": "Brandywine", "species": "tomato", "packets": 7},
        }
        self.loans = {
            1: {"loanId": 1, "memberId": 2, "seedId": 1, "returnBy": "2026-10-01"},
            2: {"loanId": 2, "memberId": 3, "seedId": 2, "returnBy": "2026-11-15"},
        }
        self.serial = itertools.count(4)
        self.tokens: dict[str, int] = {}

    def _caller(self) -> int | None:
        header = request.headers.get("Authorization", "")
        number = self.tokens.get(header.removeprefix("Bearer "))
        return number if number in self.members else None

    def app(self, *, declared_public: bool) -> Flask:
        """The library, documenting its open routes as open or not."""
        app = Flask(__name__)
        document = contract(declared_public=declared_public)

        def refused() -> Any:
            return jsonify(error="missing or invalid token"), 401

        @app.get("/openapi.json")
        def _contract() -> Response:
            return jsonify(document)

        @app.post("/members/join")
        def _join() -> Any:
            body = request.get_json(silent=True) or {}
            handle, password = str(body.get("handle", "")), str(body.get("password", ""))
            if (
                not re.fullmatch(_HANDLE, handle)
                or len(password) < 8
                or "@" not in str(body.get("email", ""))
            ):
                return jsonify(error="invalid handle, e-mail or password"), 400
            if any(m["handle"] == handle for m in self.members.values()):
                return jsonify(error="handle taken"), 409
            number = next(self.serial)
            self.members[number] = {"memberId": number, "handle": handle, "email": body["email"]}
            self.passwords[number] = password
            return jsonify(self.members[number]), 201

        @app.post("/members/login")
        def _login() -> Any:
            body = request.get_json(silent=True) or {}
            for number, member in self.members.items():
                if (member["handle"], self.passwords[number]) == (
                    body.get("handle"),
                    body.get("password"),
                ):
                    token = secrets.token_hex(16)
                    self.tokens[token] = number
                    return jsonify(token=token)
            return jsonify(error="wrong handle or password"), 401

        @app.get("/seeds")
        def _seeds() -> Any:
            return jsonify(list(self.seeds.values()))

        @app.get("/seeds/<int:seed_id>")
        def _seed(seed_id: int) -> Any:
            seed = self.seeds.get(seed_id)
            return jsonify(seed) if seed else (jsonify(error="no such seed"), 404)

        @app.get("/profile")
        def _profile() -> Any:
            caller = self._caller()
            return jsonify(self.members[caller]) if caller else refused()

        @app.get("/loans")
        def _loans() -> Any:
            caller = self._caller()
            if caller is None:
                return refused()
            return jsonify([x for x in self.loans.values() if x["memberId"] == caller])

        @app.get("/loans/<int:loan_id>")
        def _loan(loan_id: int) -> Any:
            loan = self.loans.get(loan_id)  # the flaw: nobody is asked who they are
            return jsonify(loan) if loan else (jsonify(error="no such loan"), 404)

        @app.delete("/staff/members/<int:member_id>")
        def _remove(member_id: int) -> Any:
            caller = self._caller()
            if caller is None:
                return refused()
            if self.members[caller]["handle"] != "curator":
                return jsonify(error="only the curator removes members"), 403
            if self.members.pop(member_id, None) is None:
                return jsonify(error="no such member"), 404
            return "", 204

        return app
