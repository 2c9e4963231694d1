"""An item answered inside ``{"data": {...}, "meta": {}}`` is put back like any other.

The NestJS trial wraps every answer in ``data`` beside a ``meta`` object. The restore read
the admin's ``GET /users/me`` back and compared it whole, envelope and all: the only
field that differed was ``data``, which no write names, so the record was called as found
while the injection probes' display name, bio and avatar URL stayed on the platform's real
admin. Metadata beside the one object is an envelope now (``_objects.unwrap``), and the
record is written back.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: root, role: admin, headers: {Authorization: Bearer env-root-4410}}
"""
SEEDED = {"id": 1, "username": "root", "displayName": "Platform Admin", "bio": "Hi, I run it."}
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


class Change(BaseModel):
    displayName: str | None = None  # noqa: N815 - the API's own spelling
    bio: str | None = None


def _app() -> tuple[FastAPI, dict[str, Any]]:
    app, me = FastAPI(title="Enveloped"), dict(SEEDED)

    def caller(cred: HTTPAuthorizationCredentials | None) -> None:
        if cred is None or cred.credentials != "env-root-4410":
            raise HTTPException(401, "Unauthorized")

    @app.get("/users/me", summary="My account")
    def read(cred: Bearer) -> dict[str, Any]:
        caller(cred)
        return {"data": me, "meta": {}}

    @app.patch("/users/me", summary="Update my account")
    def change(body: Change, cred: Bearer) -> dict[str, Any]:
        caller(cred)
        me.update(body.model_dump(exclude_none=True))
        return {"data": me, "meta": {}}

    return app, me


def test_the_admins_own_record_is_written_back(tmp_path: Path) -> None:
    """Injection probes rewrote the record; the restore puts every field back and says so."""
    app, me = _app()
    checks = "sql_injection,template_injection"
    with serving(app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", checks)
    assert done.returncode == 0, done.stderr
    assert me == SEEDED
    rows = [r for r in report["tables"]["target_state"] if r["object"].endswith("/users/me")]
    assert rows, report["tables"]["target_state"]
    assert all(r["state"] == "restored" for r in rows), rows
