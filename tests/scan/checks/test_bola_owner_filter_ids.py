"""``?owner=<user id>`` on rows that show the owner's name: the filter takes people's ids.

The DRF trial's tickets show ``owner: "alice"`` (a ``SlugRelatedField``), and "Admins ...
can filter them by author with ``?owner=<user id>``": an integer. The filter honoured the
parameter for anyone (its F4). Read as a filter of the rows' ``owner`` field, it took only
names, which an integer does not fit, so nothing was sent. A numeric query parameter named
as an owner takes the identities' own ids (each one's ``GET /api/me/``) as well. Flask,
DRF-style pages; the twin honours the filter for admins only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

PEOPLE = {
    "Bearer dh-ada-1": {"id": 1, "username": "ada", "role": "admin"},
    "Bearer dh-alice-5": {"id": 5, "username": "alice", "role": "member"},
    "Bearer dh-andy-6": {"id": 6, "username": "andy", "role": "member"},
}
IDENTITIES = """\
identities:
  - {name: ada, role: admin, headers: {Authorization: Bearer dh-ada-1}}
  - {name: alice, role: member, headers: {Authorization: Bearer dh-alice-5}}
  - {name: andy, role: member, headers: {Authorization: Bearer dh-andy-6}}
"""
TICKETS = [
    {"id": 1, "owner": "alice", "subject": "Locker 14 will not open", "priority": "high"},
    {"id": 2, "owner": "alice", "subject": "Invoice question", "priority": "normal"},
    {"id": 3, "owner": "andy", "subject": "Wi-Fi drops on floor 2", "priority": "low"},
]
_TICKET = {"type": "object", "properties": {
    "id": {"type": "integer"}, "owner": {"type": "string"}, "subject": {"type": "string"},
    "priority": {"type": "string"}}}  # fmt: skip
_PAGE = {"type": "object", "properties": {
    "count": {"type": "integer"}, "next": {"type": "string", "nullable": True},
    "previous": {"type": "string", "nullable": True},
    "results": {"type": "array", "items": _TICKET}}}  # fmt: skip
_USER = {"type": "object", "properties": {"id": {"type": "integer"},
                                          "username": {"type": "string"}}}  # fmt: skip
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Deskhub", "version": "1.0.0"},
    "components": {"securitySchemes": {"jwtAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"jwtAuth": []}],
    "paths": {
        "/api/me/": {"get": {"responses": {"200": {"description": "", "content": {
            "application/json": {"schema": _USER}}}}}},
        "/api/users/{id}/": {"get": {"description": "Admin only.", "parameters": _ID,
                                     "responses": {"200": {"description": ""}}}},
        "/api/tickets/": {"get": {
            "description": "Your support tickets. Admins see every ticket and can filter them "
                           "by author with `?owner=<user id>`.",
            "parameters": [{"in": "query", "name": "owner", "schema": {"type": "integer"},
                            "description": "Admins: only the tickets of this user."}],
            "responses": {"200": {"description": "", "content": {
                "application/json": {"schema": _PAGE}}}}}},
    },
}  # fmt: skip


def _app(careless: bool) -> flask.Flask:
    app = flask.Flask("deskhub")

    def caller() -> dict[str, Any]:
        who = PEOPLE.get(flask.request.headers.get("Authorization", ""))
        if who is None:
            flask.abort(flask.make_response({"detail": "Not authenticated."}, 401))
        return who

    @app.get("/openapi.json")
    def contract() -> Any:
        return CONTRACT

    @app.get("/api/me/")
    def me() -> Any:
        who = caller()
        return {"id": who["id"], "username": who["username"]}

    @app.get("/api/users/<int:key>/")
    def user(key: int) -> Any:
        if caller()["role"] != "admin":
            return {"detail": "You do not have permission to perform this action."}, 403
        found = [p for p in PEOPLE.values() if p["id"] == key]
        return found[0] if found else ({"detail": "Not found."}, 404)

    @app.get("/api/tickets/")
    def tickets() -> Any:
        who = caller()
        owner = flask.request.args.get("owner", type=int)
        rows = (
            TICKETS
            if who["role"] == "admin"
            else [t for t in TICKETS if t["owner"] == who["username"]]
        )
        if owner is not None and (careless or who["role"] == "admin"):
            name = next((p["username"] for p in PEOPLE.values() if p["id"] == owner), "")
            rows = [t for t in TICKETS if t["owner"] == name]
        return {"count": len(rows), "next": None, "previous": None, "results": rows}

    return app


@pytest.mark.parametrize("careless", [True, False], ids=["careless", "twin"])
def test_a_member_filtering_by_another_users_id(tmp_path: Path, careless: bool) -> None:
    """andy reads alice's tickets through ?owner=5 in the careless build; the twin: nothing."""
    with serving(_app(careless), wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--allow-private", "--checks", "bola"
        )
    assert result.returncode in (0, 1), result.stderr
    found = [
        (f["severity"], f["title"]) for f in report["findings"]
        if f["operation"] == "GET /api/tickets/"
    ]  # fmt: skip
    if careless:
        [(severity, title)] = found
        assert severity == "high"
        assert title.endswith("through query owner")
    else:
        assert found == []
