"""Prefixed ids checked against the contract's pattern, and shares that name a role.

A document-sharing API shaped like the Connexion trial's, in Starlette: ids are
``doc_``/``shr_``/``usr_`` and twelve lower-case letters or digits, and the app refuses an id
that does not match with a 400 problem document before it looks anything up, as a
spec-first framework does. Sharing a document names the person it is for and the role
it grants (``viewer`` or ``editor``). The flawed twin checks neither who edits a
document nor who shares it; the fixed one checks both.

The scan used to name missing objects ``apiward-missing-doc_…``: refused 400, never read
back as absent, so every write probe was withheld as "could not be restored", and bfla
took both identities' 400 for a role check let through. A share's ``role`` was a
privilege field, so no share was ever sent, and alice sharing her own document with bob
was taken for alice changing bob's object.
"""

from __future__ import annotations

import copy
import re
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

IDENTITIES = """\
identities:
  - {name: alice, role: member, headers: {Authorization: Bearer sd-alice}}
  - {name: bob, role: member, headers: {Authorization: Bearer sd-bob}}
  - {name: root, role: admin, headers: {Authorization: Bearer sd-root}}
"""
USERS = {
    "usr_a1ice0000001": ("alice", "member"),
    "usr_b0b000000002": ("bob", "member"),
    "usr_r00t00000003": ("root", "admin"),
}
TOKENS = {f"Bearer sd-{name}": uid for uid, (name, _) in USERS.items()}
SEED: dict[str, dict[str, Any]] = {
    "documents": {
        "doc_q3roadmap001": {"owner": "usr_a1ice0000001", "title": "Q3 roadmap", "body": "ship"},
        "doc_bobbudget002": {"owner": "usr_b0b000000002", "title": "Budget", "body": "42k"},
    },
    "shares": {},
}
ID = r"^{}_[a-z0-9]{{12}}$"
PREFIXES = {"doc_id": "doc", "share_id": "shr"}


def _id(prefix: str) -> dict[str, Any]:
    return {"type": "string", "pattern": ID.format(prefix)}


def _path(name: str, prefix: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": _id(prefix)}]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/problem+json" if "title" in schema else "application/json": {}} | {
        "application/json": {"schema": schema}
    }


DOCUMENT = {
    "type": "object",
    "properties": {
        "id": {**_id("doc"), "readOnly": True},
        "title": {"type": "string", "maxLength": 80},
        "body": {"type": "string", "maxLength": 2000},
    },
    "required": ["title"],
}
SHARE = {
    "type": "object",
    "properties": {
        "id": {**_id("shr"), "readOnly": True},
        "user_id": _id("usr"),
        "role": {"type": "string", "enum": ["editor", "viewer"]},
    },
    "required": ["user_id", "role"],
}


def _answers(status: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    found = {"description": "ok"} | ({"content": _json(schema)} if schema else {})
    return {status: found, "400": {"description": "bad id"}, "404": {"description": "none"}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "signdesk", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/users": {"get": {"summary": "People to share with", "responses": _answers("200")}},
        "/documents": {
            "get": {"summary": "Your documents", "responses": _answers("200")},
            "post": {
                "requestBody": {"required": True, "content": _json(DOCUMENT)},
                "responses": _answers("201", DOCUMENT),
            },
        },
        "/documents/{doc_id}": {
            "parameters": _path("doc_id", "doc"),
            "get": {"responses": _answers("200", DOCUMENT)},
            "patch": {
                "requestBody": {"required": True, "content": _json(DOCUMENT)},
                "responses": _answers("200", DOCUMENT),
            },
            "delete": {"responses": _answers("204")},
        },
        "/documents/{doc_id}/shares": {
            "parameters": _path("doc_id", "doc"),
            "get": {"responses": _answers("200")},
            "post": {
                "summary": "Share the document with someone",
                "requestBody": {"required": True, "content": _json(SHARE)},
                "responses": _answers("201", SHARE),
            },
        },
        "/shares/{share_id}": {
            "parameters": _path("share_id", "shr"),
            "delete": {"responses": _answers("204")},
        },
    },
}


def _problem(status: int, detail: str) -> JSONResponse:
    body = {"type": "about:blank", "title": "Error", "detail": detail, "status": status}
    return JSONResponse(body, status, media_type="application/problem+json")


def app_of(rows: dict[str, dict[str, Any]], *, flawed: bool) -> Starlette:
    """The desk over ``rows``; ``flawed`` checks neither who edits nor who shares."""
    docs, shares = rows["documents"], rows["shares"]

    def caller(request: Request) -> str | None:
        return TOKENS.get(request.headers.get("authorization", ""))

    def may_read(uid: str, key: str) -> bool:
        shared = any(s["doc"] == key and s["user_id"] == uid for s in shares.values())
        return docs[key]["owner"] == uid or shared

    async def endpoint(request: Request) -> Response:
        uid = caller(request)
        if uid is None:
            return _problem(401, "No authorization token provided")
        for name, value in request.path_params.items():
            if not re.match(ID.format(PREFIXES[name]), value):
                return _problem(400, f"'{value}' does not match '{ID}' - '{name}'")
        route, method = request.scope["route"].path, request.method
        key = request.path_params.get("doc_id", "")
        careless = flawed and method in {"PATCH", "POST"}
        if key and (key not in docs or not (may_read(uid, key) or careless)):
            return _problem(404, f"Document '{key}' does not exist")
        data = await request.json() if method in {"POST", "PATCH"} else {}
        if route == "/users":
            return JSONResponse([{"id": u, "username": n} for u, (n, _) in USERS.items()])
        if route == "/documents" and method == "GET":
            mine = [{"id": k, **d} for k, d in docs.items() if d["owner"] == uid]
            return JSONResponse(mine)
        if route == "/documents":
            new = f"doc_{secrets.token_hex(6)}"
            docs[new] = {"owner": uid, "title": data["title"], "body": data.get("body", "")}
            return JSONResponse({"id": new, **docs[new]}, 201)
        mine = bool(key) and docs[key]["owner"] == uid
        if route == "/documents/{doc_id}" and method == "GET":
            return JSONResponse({"id": key, **docs[key]})
        if route == "/documents/{doc_id}" and method == "PATCH":
            if not (mine or flawed):
                return _problem(403, "Only the owner edits")
            docs[key].update({k: v for k, v in data.items() if k in {"title", "body"}})
            return JSONResponse({"id": key, **docs[key]})
        if route == "/documents/{doc_id}" and method == "DELETE":
            if not mine:
                return _problem(403, "Only the owner deletes")
            del docs[key]
            return Response(status_code=204)
        if route == "/documents/{doc_id}/shares" and method == "GET":
            return JSONResponse([{"id": s, **v} for s, v in shares.items() if v["doc"] == key])
        if route == "/documents/{doc_id}/shares":
            if not (mine or flawed):
                return _problem(403, "Only the owner shares")
            if data.get("user_id") not in USERS or data.get("role") not in {"editor", "viewer"}:
                return _problem(422, f"User '{data.get('user_id')}' does not exist")
            new = f"shr_{secrets.token_hex(6)}"
            shares[new] = {"doc": key, "user_id": data["user_id"], "role": data["role"], "by": uid}
            return JSONResponse({"id": new, **shares[new]}, 201)
        share = shares.get(request.path_params.get("share_id", ""))
        if share is None or uid not in {share["by"], docs.get(share["doc"], {}).get("owner")}:
            return _problem(404, "Share does not exist")
        del shares[request.path_params["share_id"]]
        return Response(status_code=204)

    async def contract(request: Request) -> JSONResponse:
        return JSONResponse(CONTRACT)

    routes = [Route("/openapi.json", contract)] + [
        Route(path, endpoint, methods=[m.upper() for m in ops if m != "parameters"])
        for path, ops in CONTRACT["paths"].items()
    ]
    return Starlette(routes=routes)


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_patterned_ids_and_shares_are_probed_and_left_as_found(
    tmp_path: Path, flawed: bool
) -> None:
    """bola on the edit and the share (flawed only), none on whom a share names; as found."""
    rows = copy.deepcopy(SEED)
    with serving(app_of(rows, flawed=flawed)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola,bfla")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    serious = {
        (f["check"], f["operation"], f["key"])
        for f in report["findings"]
        if f["severity"] in {"low", "medium", "high", "critical"}
    }
    expected = {
        ("bola", "PATCH /documents/{doc_id}", "path:doc_id"),
        ("bola", "POST /documents/{doc_id}/shares", "path:doc_id"),
    }
    assert serious == (expected if flawed else set()), serious
    unrestorable = [s for s in report["skipped"] if "could not be restored" in s["detail"]]
    assert unrestorable == [], unrestorable
    assert rows == SEED, report["tables"]["target_state"]
