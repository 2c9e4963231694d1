"""bfla's write on the caller's own record changes the probed field and nothing else.

A Flask API written as the Ninja trial's was: ``PATCH /admin/users/{user_id}`` ("Change
a user's plan or invoice limit, or deactivate the account") forgets its staff check, and
an inactive account's token is refused. The probe sent alice's own record with its
``plan`` changed, and beside it a made-up value for every other field of the body:
``is_active: false`` deactivated alice, her read-back was refused, and the restore, sent
with the same made-up body as the admin, deactivated her again. Now every other field
goes as the record holds it: the flaw is found, and every account is as it was.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: user, headers: {Authorization: Bearer iv-alice}}
  - {name: bob, role: user, headers: {Authorization: Bearer iv-bob}}
  - {name: ada, role: admin, headers: {Authorization: Bearer iv-ada}}
"""
TOKENS = {"Bearer iv-alice": 2, "Bearer iv-bob": 3, "Bearer iv-ada": 1}
USERS = {
    1: {"username": "ada", "is_staff": True, "is_active": True, "plan": "business", "limit": 1000},
    2: {"username": "alice", "is_staff": False, "is_active": True, "plan": "free", "limit": 5},
    3: {"username": "bob", "is_staff": False, "is_active": True, "plan": "pro", "limit": 100},
}
NULLABLE = {
    "is_active": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
    "plan": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    "monthly_invoice_limit": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
}
USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "is_active": {"type": "boolean"},
        "plan": {"type": "string"},
        "monthly_invoice_limit": {"type": "integer"},
    },
}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}


CONTRACT = {
    "openapi": "3.1.0",
    "info": {"title": "invoicer", "version": "1.0.0"},
    "security": [{"BearerAuth": []}],
    "components": {"securitySchemes": {"BearerAuth": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/me": {"get": {"responses": _ok(USER)}},
        "/api/admin/users": {
            "get": {
                "description": "All accounts on the platform. Staff only.",
                "tags": ["admin"],
                "responses": _ok({"type": "array", "items": USER}),
            }
        },
        "/api/admin/users/{user_id}": {
            "patch": {
                "description": "Change a user's plan or invoice limit, or deactivate the account.",
                "tags": ["admin"],
                "parameters": [
                    {
                        "in": "path",
                        "name": "user_id",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": NULLABLE}}
                    },
                },
                "responses": _ok(USER),
            }
        },
    },
}


def app_of(
    users: dict[int, dict[str, Any]], deactivated: list[int], *, nested: bool = False
) -> flask.Flask:
    """The API: any active user may patch any account (the flaw), inactive ones get 401.

    Every account a write deactivates is noted in ``deactivated``."""
    app = flask.Flask("invoicer")
    app.json.sort_keys = False  # type: ignore[attr-defined]  # Ninja keeps the schema's order

    def caller() -> int:
        key = TOKENS.get(flask.request.headers.get("Authorization", ""))
        if key is None or not users[key]["is_active"]:
            flask.abort(flask.make_response({"detail": "Unauthorized"}, 401))
        return key

    def shown(key: int) -> dict[str, Any]:
        user = users[key]
        return {
            "id": key,
            "username": user["username"],
            "is_active": user["is_active"],
            "plan": user["plan"],
            "monthly_invoice_limit": user["limit"],
        }

    @app.get("/openapi.json")
    def contract() -> Any:
        return CONTRACT

    @app.get("/api/me")
    def me() -> Any:
        record = shown(caller())
        if not nested:
            return record
        billing = {k: record.pop(k) for k in ("plan", "monthly_invoice_limit")}
        return {**record, "profile": billing}  # Ninja's MeOut nests the profile

    @app.get("/api/admin/users")
    def every() -> Any:
        if not users[caller()]["is_staff"]:
            return {"detail": "Staff only"}, 403
        return [shown(k) for k in users]

    @app.patch("/api/admin/users/<int:key>")
    def update(key: int) -> Any:
        caller()  # the staff check is missing
        if key not in users:
            return {"detail": "Not Found"}, 404
        body = flask.request.get_json(silent=True) or {}
        if body.get("is_active") is False:
            deactivated.append(key)
        for field in ("is_active", "plan"):
            if body.get(field) is not None:
                users[key][field] = body[field]
        if body.get("monthly_invoice_limit") is not None:
            users[key]["limit"] = body["monthly_invoice_limit"]
        return shown(key)

    return app


@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested-profile"])
def test_the_flaw_is_found_and_every_account_is_left_as_it_was(
    tmp_path: Path, nested: bool
) -> None:
    """A bfla finding on the PATCH; no account was ever deactivated, and each is as it was.

    ``/api/me`` may nest the fields the PATCH takes flat (``{"profile": {"plan": …}}``):
    they are the record's all the same."""
    users, deactivated = copy.deepcopy(USERS), []
    with serving(app_of(users, deactivated, nested=nested), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bfla")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    assert deactivated == []
    assert users == USERS
    found = {f["operation"] for f in report["findings"] if f["check"] == "bfla"}
    assert "PATCH /api/admin/users/{user_id}" in found
