"""An expenses API written the Flask way: cookie sessions, string ids, a one-way approval.

Members file expenses (``POST /expenses``, answered 201 with the expense) and read,
amend and withdraw their own (``GET``/``PATCH``/``DELETE /expenses/{expense_ref}``); a
manager reads every expense and deletes any. ``POST /expenses/{expense_ref}/approve``
moves an expense's ``status`` from ``submitted`` to ``approved`` for good: nothing in the contract
takes it back (``status`` is read-only, and an approved expense can no longer be amended or
withdrawn by its member; only the manager may still delete it). Logging in
(``POST /session``) sets Flask's signed session cookie; errors are ``{"error": ...}``.

``Office(flawed=True)`` lets anyone logged in approve any expense, their own and other
members' (the planted flaw: BFLA and BOLA on a state-changing action); ``flawed=False``
is the fixed twin, where only the manager approves. ``deletable=False`` drops the DELETE
(expenses then stay for good). ``loose=True`` documents the contract the way Django REST
Framework's generator does: the approve action takes the expense's fields as its body and
a PATCH may set ``status``, so by the contract alone an approval could be written back;
the server still refuses any edit of an approved expense.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, jsonify, request, session

from serving import serving

PEOPLE = {
    "mona@office.test": ("till-receipts-4", "manager"),
    "alice@office.test": ("blue-ledger-88", "member"),
    "bob@office.test": ("green-stapler-21", "member"),
}
EXPENSES: dict[str, dict[str, Any]] = {
    "EXP-7Q2": {"owner": "alice@office.test", "purpose": "Train to Leeds", "amount_pence": 4850,
                "status": "submitted", "approved_by": None},
    "EXP-7Q3": {"owner": "alice@office.test", "purpose": "Client lunch", "amount_pence": 6120,
                "status": "approved", "approved_by": "mona@office.test"},
    "EXP-9K4": {"owner": "bob@office.test", "purpose": "Conference pass", "amount_pence": 29900,
                "status": "submitted", "approved_by": None},
    "EXP-9K5": {"owner": "bob@office.test", "purpose": "Taxi", "amount_pence": 1875,
                "status": "submitted", "approved_by": None},
}  # fmt: skip
IDENTITIES = """\
identities:
  - name: mona
    role: manager
    rank: 10
    login:
      operation: POST /session
      json: {email: mona@office.test, password: till-receipts-4}
  - name: alice
    role: member
    login:
      operation: POST /session
      json: {email: alice@office.test, password: blue-ledger-88}
  - name: bob
    role: member
    login:
      operation: POST /session
      json: {email: bob@office.test, password: green-stapler-21}
"""

_REF = {"name": "expense_ref", "in": "path", "required": True, "schema": {"type": "string"}}
_EXPENSE = {
    "type": "object",
    "properties": {
        "ref": {"type": "string", "readOnly": True},
        "owner": {"type": "string", "readOnly": True},
        "purpose": {"type": "string", "maxLength": 120},
        "amount_pence": {"type": "integer", "minimum": 1, "maximum": 500_000},
        "status": {"type": "string", "enum": ["submitted", "approved"], "readOnly": True},
        "approved_by": {"type": ["string", "null"], "readOnly": True},
    },
}
_ERROR = {
    "description": "refused",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _ok(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _takes(schema: dict[str, Any], *required: str) -> dict[str, Any]:
    body = {**schema, "required": list(required)} if required else schema
    return {"required": True, "content": {"application/json": {"schema": body}}}


def contract(*, deletable: bool = True, loose: bool = False) -> dict[str, Any]:
    """The contract served: without the DELETE, or documented loosely (see the module doc)."""
    spec = copy.deepcopy(SPEC)
    item = spec["paths"]["/expenses/{expense_ref}"]
    if not deletable:
        del item["delete"]
    if loose:
        expense = copy.deepcopy(_EXPENSE)
        del expense["properties"]["status"]["readOnly"]
        item["patch"]["requestBody"] = _takes(expense)
        spec["paths"]["/expenses/{expense_ref}/approve"]["post"]["requestBody"] = _takes(expense)
    return spec


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Office expenses", "version": "2"},
    "components": {
        "securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": "session"}}
    },
    "security": [{"cookie": []}],
    "paths": {
        "/session": {
            "post": {
                "operationId": "logIn",
                "security": [],
                "requestBody": _takes(
                    {
                        "type": "object",
                        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
                    },
                    "email",
                    "password",
                ),
                "responses": {"200": _ok({"type": "object"}, "logged in"), "401": _ERROR},
            }
        },
        "/me": {"get": {"operationId": "whoAmI", "responses": {"200": _ok({"type": "object"})}}},
        "/expenses": {
            "get": {
                "operationId": "listExpenses",
                "summary": "The caller's expenses (every expense, for a manager)",
                "responses": {"200": _ok({"type": "array", "items": _EXPENSE})},
            },
            "post": {
                "operationId": "fileExpense",
                "requestBody": _takes(_EXPENSE, "purpose", "amount_pence"),
                "responses": {"201": _ok(_EXPENSE, "filed"), "422": _ERROR},
            },
        },
        "/expenses/{expense_ref}": {
            "parameters": [_REF],
            "get": {
                "operationId": "getExpense",
                "responses": {"200": _ok(_EXPENSE), "404": _ERROR},
            },
            "patch": {
                "operationId": "amendExpense",
                "requestBody": _takes(_EXPENSE),
                "responses": {"200": _ok(_EXPENSE), "404": _ERROR, "409": _ERROR},
            },
            "delete": {
                "operationId": "withdrawExpense",
                "responses": {"204": {"description": "withdrawn"}, "404": _ERROR, "409": _ERROR},
            },
        },
        "/expenses/{expense_ref}/approve": {
            "parameters": [_REF],
            "post": {
                "operationId": "approveExpense",
                "summary": "Approve an expense for payment",
                "responses": {"200": _ok(_EXPENSE, "approved"), "403": _ERROR, "404": _ERROR},
            },
        },
    },
}


class Office:
    """One instance of the API with its own state."""

    def __init__(self, *, flawed: bool, deletable: bool = True, loose: bool = False) -> None:
        self.flawed = flawed
        self.deletable = deletable
        self.spec = contract(deletable=deletable, loose=loose)
        self.expenses = copy.deepcopy(EXPENSES)
        self.approvals: list[str] = []
        """The ref of every expense an approval reached, in order."""
        self.serial = itertools.count(100)
        self.lock = threading.Lock()

    def state(self) -> dict[str, dict[str, Any]]:
        """Every expense as it stands now (a deep copy)."""
        with self.lock:
            return copy.deepcopy(self.expenses)

    def app(self) -> Flask:
        """The service as a WSGI app."""
        web = Flask("expense_expenses")
        web.secret_key = secrets.token_hex(32)

        def refuse(status: int, why: str) -> Any:
            return jsonify(error=why), status

        def caller() -> tuple[str, str] | None:
            email = session.get("email")
            return (email, PEOPLE[email][1]) if email in PEOPLE else None

        def shown(ref: str, expense: dict[str, Any]) -> dict[str, Any]:
            return {"ref": ref, **expense}

        def visible(ref: str, who: tuple[str, str]) -> dict[str, Any] | None:
            expense = self.expenses.get(ref)
            if expense is None or (who[1] != "manager" and expense["owner"] != who[0]):
                return None
            return expense

        @web.get("/openapi.json")
        def served_contract() -> Any:
            return jsonify(self.spec)

        @web.post("/session")
        def log_in() -> Any:
            body = request.get_json(silent=True) or {}
            email, password = str(body.get("email")), body.get("password")
            if email not in PEOPLE or PEOPLE[email][0] != password:
                return refuse(401, "wrong e-mail or password")
            session["email"] = email
            return jsonify(email=email, role=PEOPLE[email][1])

        @web.get("/me")
        def me() -> Any:
            who = caller()
            if who is None:
                return refuse(401, "log in first")
            return jsonify(email=who[0], role=who[1])

        @web.get("/expenses")
        def listing() -> Any:
            who = caller()
            if who is None:
                return refuse(401, "log in first")
            with self.lock:
                rows = [shown(r, c) for r, c in self.expenses.items() if visible(r, who)]
            return jsonify(rows)

        @web.post("/expenses")
        def file_expense() -> Any:
            who = caller()
            if who is None:
                return refuse(401, "log in first")
            body = request.get_json(silent=True) or {}
            purpose, amount = body.get("purpose"), body.get("amount_pence")
            if not isinstance(purpose, str) or not isinstance(amount, int) or amount < 1:
                return refuse(422, "purpose and a positive amount_pence are required")
            with self.lock:
                ref = f"EXP-{next(self.serial)}X"
                self.expenses[ref] = {"owner": who[0], "purpose": purpose[:120],
                                    "amount_pence": amount, "status": "submitted",
                                    "approved_by": None}  # fmt: skip
                return jsonify(shown(ref, self.expenses[ref])), 201

        @web.get("/expenses/<ref>")
        def read(ref: str) -> Any:
            who = caller()
            if who is None:
                return refuse(401, "log in first")
            with self.lock:
                expense = visible(ref, who)
                return jsonify(shown(ref, expense)) if expense else refuse(404, "no such expense")

        @web.patch("/expenses/<ref>")
        def amend(ref: str) -> Any:
            who = caller()
            if who is None:
                return refuse(401, "log in first")
            body = request.get_json(silent=True) or {}
            with self.lock:
                expense = self.expenses.get(ref)
                if expense is None or expense["owner"] != who[0]:
                    return refuse(404, "no such expense")
                if expense["status"] != "submitted":
                    return refuse(409, "an approved expense is closed")
                if isinstance(body.get("purpose"), str):
                    expense["purpose"] = body["purpose"][:120]
                amount = body.get("amount_pence")
                if isinstance(amount, int) and amount >= 1:
                    expense["amount_pence"] = amount
                return jsonify(shown(ref, expense))

        @web.delete("/expenses/<ref>")
        def withdraw(ref: str) -> Any:
            who = caller()
            if who is None:
                return refuse(401, "log in first")
            if not self.deletable:
                return refuse(405, "expenses are kept for the auditors")
            with self.lock:
                expense = visible(ref, who)
                if expense is None:
                    return refuse(404, "no such expense")
                if who[1] != "manager" and expense["status"] != "submitted":
                    return refuse(409, "an approved expense is closed: ask your manager")
                del self.expenses[ref]
                return "", 204

        @web.post("/expenses/<ref>/approve")
        def approve(ref: str) -> Any:
            who = caller()
            if who is None:
                return refuse(401, "log in first")
            with self.lock:
                self.approvals.append(ref)
                # planted (flawed): no role check and no owner check, any expense by its ref
                expense = self.expenses.get(ref) if self.flawed else visible(ref, who)
                if expense is None:
                    return refuse(404, "no such expense")
                if not self.flawed and who[1] != "manager":
                    return refuse(403, "only a manager approves expenses")
                expense["status"], expense["approved_by"] = "approved", who[0]
                return jsonify(shown(ref, expense))

        return web


@contextmanager
def served(*, flawed: bool, **how: bool) -> Iterator[tuple[Office, str]]:
    """The API (flawed or fixed; ``how``: see :class:`Office`) on 127.0.0.1; yields it and its URL."""
    office = Office(flawed=flawed, **how)
    with serving(office.app(), wsgi=True) as url:
        yield office, url
