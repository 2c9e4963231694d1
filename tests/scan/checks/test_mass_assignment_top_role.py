"""The highest role setting a privilege field on an update only it may call is the operation's purpose.

The DRF trial's ``PATCH /api/users/{id}/`` is "Admin only." and its serializer lists
``is_superuser`` as writable. Members were refused, the admin was tried on its own record,
and "lets ada grant itself is_superuser" came out medium: an administrator managing users
is what the operation is for. Such fields are no longer probed as the file's highest role
when every lower one was refused there; a skip says so. Where a member may update its own
record, the same declared field set by the member is still reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from serving import serving

TOKENS = {"Bearer dh-ada-1": 1, "Bearer dh-alice-5": 5}
IDENTITIES = """\
identities:
  - {name: ada, role: admin, headers: {Authorization: Bearer dh-ada-1}}
  - {name: alice, role: member, headers: {Authorization: Bearer dh-alice-5}}
"""
_USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "username": {"type": "string", "readOnly": True},
        "first_name": {"type": "string", "maxLength": 150},
        "is_superuser": {"type": "boolean"},
    },
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _contract(members_write: bool) -> dict[str, Any]:
    who = "A user may update their own account." if members_write else "Admin only."
    return {
        "openapi": "3.0.3",
        "info": {"title": "Deskhub", "version": "1.0.0"},
        "components": {"securitySchemes": {"jwtAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"jwtAuth": []}],
        "paths": {
            "/api/me/": {"get": {"responses": {"200": {"description": "", "content": {
                "application/json": {"schema": _USER}}}}}},
            "/api/users/{id}/": {
                "get": {"parameters": _ID, "responses": {"200": {"description": "", "content": {
                    "application/json": {"schema": _USER}}}}},
                "patch": {"description": f"Update an account. {who}", "parameters": _ID,
                          "requestBody": {"content": {"application/json": {"schema": _USER}}},
                          "responses": {"200": {"description": "", "content": {
                              "application/json": {"schema": _USER}}}}},
            },
        },
    }  # fmt: skip


class Users:
    """Two accounts; ``members_write``: a member may update its own, else admins only."""

    def __init__(self, *, members_write: bool) -> None:
        self.members_write = members_write
        self.rows = {
            1: {"id": 1, "username": "ada", "first_name": "Ada", "is_superuser": False},
            5: {"id": 5, "username": "alice", "first_name": "Alice", "is_superuser": False},
        }
        self.app = self._app()

    def _app(self) -> flask.Flask:
        app = flask.Flask("deskhub")

        @app.get("/openapi.json")
        def contract() -> Any:
            return _contract(self.members_write)

        @app.get("/api/me/")
        def me() -> Any:
            key = TOKENS.get(flask.request.headers.get("Authorization", ""))
            if key is None:
                return {"detail": "Authentication credentials were not provided."}, 401
            return self.rows[key]

        @app.route("/api/users/<int:key>/", methods=["GET", "PATCH"])
        def one(key: int) -> Any:
            me = TOKENS.get(flask.request.headers.get("Authorization", ""))
            if me is None:
                return {"detail": "Authentication credentials were not provided."}, 401
            row = self.rows.get(key)
            if row is None or (me != 1 and me != key):
                return {"detail": "Not found."}, 404
            if flask.request.method == "PATCH":
                if me != 1 and not self.members_write:
                    return {"detail": "You do not have permission to perform this action."}, 403
                body = flask.request.get_json(silent=True) or {}
                row.update({k: v for k, v in body.items() if k in ("first_name", "is_superuser")})
            return row

        return app


@pytest.mark.parametrize("members_write", [False, True], ids=["admin-only", "own-record"])
def test_the_admin_setting_a_declared_field_is_no_finding(
    tmp_path: Path, members_write: bool
) -> None:
    """Admin only: no finding, a skip naming the field; members may write: alice's is reported."""
    users = Users(members_write=members_write)
    with serving(users.app, wsgi=True) as url:
        result, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--allow-private", "--checks", "mass_assignment"
        )
    assert result.returncode in (0, 1), result.stderr
    found = [f["title"] for f in report["findings"] if f["check"] == "mass_assignment"]
    if members_write:
        assert found == [
            "PATCH /api/users/{id}/ lets alice grant itself is_superuser "
            "(the contract declares it writable)"
        ]
    else:
        assert found == []
        skipped = [s["detail"] for s in report["skipped"] if s["check"] == "mass_assignment"]
        assert any("is_superuser" in s and "ada" in s for s in skipped), skipped
    assert all(not row["is_superuser"] for row in users.rows.values())
