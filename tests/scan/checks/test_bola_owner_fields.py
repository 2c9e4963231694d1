"""bola on seeded objects every member lists, whose owner field names their owner.

An allotment API written as a bare WSGI app, the way a hand-rolled PHP or Express API
answers: ``{"success": true, "data": ...}``, ``{"status": "error", "message": ...}``,
a login that answers the user's own id (``data.user.id``) and a token sent as
``X-API-Key``. Every member lists every plot (``GET /api/plots``), each naming its
holder in ``owner_id``; a member edits its own plot's notes (``PATCH /api/plots/{id}``).
Nothing the scan could create tells it whose a plot is: only ``owner_id`` equal to a
member's own id does. The flawed twin lets any member edit any plot; the fixed twin
checks the holder. Both are left as found.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from ownership_support import scan_app
from werkzeug.wrappers import Request, Response

from apiward.scan import Identity
from apiward.scan.checks.bola import Bola
from apiward.scan.identities import Login
from serving import serving

USERS = {"alice": (1, "pw-alice-1"), "bob": (2, "pw-bob-2"), "carol": (3, "pw-carol-3")}
PLOTS = {
    1: {"code": "A-1", "owner_id": 1, "notes": "beans along the fence"},
    2: {"code": "A-2", "owner_id": 1, "notes": ""},
    3: {"code": "B-1", "owner_id": 2, "notes": "compost bin at the back"},
    4: {"code": "C-3", "owner_id": 3, "notes": "bees: knock first"},
}
IDENTITIES = tuple(
    Identity(
        name=name,
        role="gardener",
        login=Login(
            method="POST",
            path="/api/login",
            body={"username": name, "password": password},
            token="data.token",
            header="X-API-Key",
            prefix="",
        ),
    )
    for name, (_, password) in USERS.items()
)
PATCH = "PATCH /api/plots/{id}"
_PLOT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "owner_id": {"type": "integer"},
        "notes": {"type": "string"},
    },
}


def _envelope(schema: dict[str, Any]) -> dict[str, Any]:
    wrapped = {"type": "object", "properties": {"success": {"type": "boolean"}, "data": schema}}
    return {"description": "OK", "content": {"application/json": {"schema": wrapped}}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "GreenPlot", "version": "1.0"},
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    },
    "security": [{"key": []}],
    "paths": {
        "/api/login": {
            "post": {
                "security": [],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": _envelope({"type": "object"})},
            }
        },
        "/api/plots": {"get": {"responses": {"200": _envelope({"type": "array", "items": _PLOT})}}},
        "/api/plots/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"responses": {"200": _envelope(_PLOT)}},
            "patch": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"notes": {"type": "string"}},
                            }
                        }
                    }
                },
                "responses": {"200": _envelope(_PLOT)},
            },
        },
    },
}


class Allotments:
    """The API as a WSGI callable, with its own rows; ``flawed`` lets anyone edit any plot."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.plots = copy.deepcopy(PLOTS)
        self.tokens: dict[str, int] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.route(request)(environ, start_response)

    def route(self, request: Request) -> Response:
        if request.path == "/openapi.json":
            return _json(CONTRACT)
        if request.path == "/api/login" and request.method == "POST":
            return self.login(request)
        user = self.tokens.get(request.headers.get("X-API-Key", ""))
        if user is None:
            return _json({"status": "error", "message": "Invalid API key"}, 401)
        if request.path == "/api/plots" and request.method == "GET":
            rows = [{"id": i, **p} for i, p in self.plots.items()]
            return _json({"success": True, "data": rows})
        match = re.fullmatch(r"/api/plots/(\d+)", request.path)
        if match is None or int(match[1]) not in self.plots:
            return _json({"status": "error", "message": "Not found"}, 404)
        plot_id = int(match[1])
        plot = self.plots[plot_id]
        if request.method == "PATCH":
            if not self.flawed and plot["owner_id"] != user:
                return _json({"status": "error", "message": "Not your plot"}, 403)
            body = request.get_json(silent=True) or {}
            if isinstance(body.get("notes"), str):
                plot["notes"] = body["notes"]
        elif plot["owner_id"] != user:
            return _json({"status": "error", "message": "Not your plot"}, 403)
        return _json({"success": True, "data": {"id": plot_id, **plot}})

    def login(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        found = USERS.get(str(body.get("username")))
        if found is None or found[1] != body.get("password"):
            return _json({"status": "error", "message": "Wrong username or password"}, 401)
        token = f"tok-{body['username']}"
        self.tokens[token] = found[0]
        user = {"id": found[0], "username": body["username"]}
        return _json({"success": True, "data": {"token": token, "user": user}})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_plot_is_its_owner_ids_and_another_members_edit_is_found(flawed: bool) -> None:
    """bob editing alice's plot is found on the flawed twin, refused on the fixed; plots as found."""
    api = Allotments(flawed=flawed)
    with serving(api, wsgi=True) as url:
        results = scan_app(url, Bola(), IDENTITIES)
    found = [f for f in results.findings if f.operation == PATCH]
    assert len(found) == (1 if flawed else 0), [f.title for f in results.findings]
    assert PATCH not in {s.operation for s in results.skipped}, results.skipped
    assert api.plots == PLOTS
