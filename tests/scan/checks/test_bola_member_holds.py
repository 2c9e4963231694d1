"""A hold is its placer's, in an organiser both peers belong to, named by its memberships.

The NestJS trial's ``PATCH /organisers/{orgSlug}/holds/{holdId}`` checked membership of the
organiser, not the hold's placer (mia edits oscar's hold). Three things kept the scan away:

* its ``GET /users/me`` names the caller's organisers only inside ``memberships: [{"orgSlug":
  ...}]``, so every identity took the first organiser of the public catalogue, another
  tenant's for some (``fields.own_scalars``);
* any user may open an organiser, so each identity wrote under the one the scan had made
  for it, where a hold cannot be made (no ticket types), while its own seeded hold sat in
  the real one: the baseline now names an item under the parents it was seen under
  (``Harvest.baseline``), and a spare is made where the identity's own creations go;
* answers are ``{"data": ..., "meta": {}}``.

A Starlette API of that shape: the flawed build's PATCH is found, the fixed one's is not,
and every hold is as it was.
"""

import copy
import itertools
import secrets
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

PEOPLE = {"tk-oscar": "oscar", "tk-mia": "mia", "tk-nina": "nina"}
IDENTITIES = "identities:\n" + "".join(
    f"  - {{name: {n}, role: manager, headers: {{Authorization: Bearer {t}}}}}\n"
    for t, n in PEOPLE.items()
)
HOLD = "/organisers/{orgSlug}/holds/{holdId}"
SLUG = {"name": "orgSlug", "in": "path", "required": True, "schema": {"type": "string"}}
HOLD_ID = {"name": "holdId", "in": "path", "required": True, "schema": {"type": "integer"}}
TEXT, INT = {"type": "string"}, {"type": "integer"}


def _op(summary: str, *params: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "OK"}}}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        schema = {"type": "object", "properties": body, "required": list(body)[:1]}
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    return op


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "holds", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/users/me": {"get": _op("Your account and memberships")},
        "/organisers": {
            "get": _op("Every organiser (public catalogue)"),
            "post": _op("Open an organiser", body={"slug": TEXT, "name": TEXT}),
        },
        "/organisers/{orgSlug}/holds": {
            "get": _op("Your holds in the organiser", SLUG),
            "post": _op("Hold seats", SLUG, body={"ticketTypeId": INT, "quantity": INT}),
        },
        HOLD: {
            "get": _op("One of your holds", SLUG, HOLD_ID),
            "patch": _op("Change one of your holds", SLUG, HOLD_ID, body={"quantity": INT}),
            "delete": _op("Release one of your holds", SLUG, HOLD_ID),
        },
    },
}
SEEDED = {
    1: {"id": 1, "org": "acme", "placer": "oscar", "ticketTypeId": 1, "quantity": 2},
    2: {"id": 2, "org": "acme", "placer": "mia", "ticketTypeId": 1, "quantity": 4},
    3: {"id": 3, "org": "blue", "placer": "nina", "ticketTypeId": 2, "quantity": 1},
}


class Holds:
    """Organisers (slug → members), ticket types per organiser, holds, and the app."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.orgs = {"blue": {"nina"}, "acme": {"oscar", "mia"}}  # the catalogue: blue first
        self.types = {"acme": {1}, "blue": {2}}
        self.holds = copy.deepcopy(SEEDED)
        self.ids = itertools.count(10)

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/users/me", self.me),
                Route("/organisers", self.organisers, methods=["GET", "POST"]),
                Route("/organisers/{org}/holds", self.listing, methods=["GET", "POST"]),
                Route("/organisers/{org}/holds/{hold:int}", self.hold, methods=["GET", "PATCH", "DELETE"]),
            ]
        )  # fmt: skip

    @staticmethod
    def _data(data: Any, status: int = 200) -> JSONResponse:
        return JSONResponse({"data": data, "meta": {}}, status)

    async def _who(self, request: Request) -> tuple[str | None, dict[str, Any]]:
        who = PEOPLE.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        try:
            body = await request.json() if request.method in {"POST", "PATCH"} else {}
        except ValueError:
            body = None
        return who, body if isinstance(body, dict) else {"": "unparsable"}

    async def me(self, request: Request) -> Response:
        who, _ = await self._who(request)
        if who is None:
            return JSONResponse({"message": "Unauthorized"}, 401)
        mine = [{"orgSlug": s, "role": "manager"} for s, m in self.orgs.items() if who in m]
        return self._data({"username": who, "memberships": mine})

    async def organisers(self, request: Request) -> Response:
        who, body = await self._who(request)
        if who is None:
            return JSONResponse({"message": "Unauthorized"}, 401)
        if request.method == "GET":
            return self._data([{"slug": s, "name": s.title()} for s in self.orgs])
        slug = str(body.get("slug") or secrets.token_hex(3))
        if slug in self.orgs:
            return JSONResponse({"message": "taken"}, 409)
        self.orgs[slug], self.types[slug] = {who}, set()
        return self._data({"slug": slug, "name": body.get("name")}, 201)

    async def listing(self, request: Request) -> Response:
        who, body = await self._who(request)
        org = request.path_params["org"]
        if who is None or who not in self.orgs.get(org, set()):
            return JSONResponse({"message": "Not Found"}, 404)
        if request.method == "GET":
            mine = [h for h in self.holds.values() if h["org"] == org and h["placer"] == who]
            return self._data(mine)
        if body.get("ticketTypeId") not in self.types[org] or not isinstance(
            body.get("quantity"), int
        ):
            return JSONResponse(
                {"message": ["ticketTypeId must be a ticket type of this organiser"]}, 400
            )
        hold = {"id": next(self.ids), "org": org, "placer": who, **body}
        self.holds[hold["id"]] = hold
        return self._data(hold, 201)

    async def hold(self, request: Request) -> Response:
        who, body = await self._who(request)
        org, found = request.path_params["org"], self.holds.get(request.path_params["hold"])
        mine = found is not None and found["placer"] == who
        if (
            who is None
            or who not in self.orgs.get(org, set())
            or found is None
            or found["org"] != org
        ):
            return JSONResponse({"message": "Hold not found"}, 404)
        if not mine and (request.method != "PATCH" or not self.flawed):
            return JSONResponse({"message": "Hold not found"}, 404)
        if request.method == "GET":
            return self._data(found)
        if request.method == "DELETE":
            del self.holds[found["id"]]
            return Response(status_code=204)
        if not isinstance(body.get("quantity", 1), int):
            return JSONResponse({"message": ["quantity must be an integer"]}, 400)
        found.update({k: v for k, v in body.items() if k == "quantity"})
        return self._data(found)


@pytest.mark.parametrize("flawed", [True, False], ids=["membership-only", "placer-checked"])
def test_a_colleagues_hold_changed_in_their_organiser(tmp_path: Path, flawed: bool) -> None:
    """Flawed: bola high on the PATCH; fixed: none. The seeded holds as they were; no org left."""
    holds = Holds(flawed=flawed)
    with serving(holds.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode == 0, done.stderr
    serious = {"medium", "high", "critical"}
    found = {
        f["operation"]
        for f in report["findings"]
        if f["check"] == "bola" and f["severity"] in serious
    }
    assert found == ({f"PATCH {HOLD}"} if flawed else set()), found
    assert holds.holds == SEEDED
    assert set(holds.orgs) == {"acme", "blue"}
