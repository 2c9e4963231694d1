"""What a scan does not send: probes whose answer an earlier one already decided.

Each test scans a tiny API of one shape and asserts a *bound* on the requests a check
sends there (``stats["requests.<check>"]``), beside what it must still find.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, HTTPException, Query
from injection_support import found
from injection_support import scan_app as scan_anonymously
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tiny_support import app, caller, operation, scan_app

from apiward.core.findings import Severity
from apiward.scan import Results
from apiward.scan.checks._discovery import collections
from apiward.scan.checks.auth_bypass import AuthBypass
from apiward.scan.checks.command_injection import CommandInjection
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.scan.checks.nosql_injection import NoSqlInjection
from apiward.scan.checks.path_traversal import PathTraversal
from apiward.scan.checks.shadow import DebugEndpoints, ShadowEndpoints
from apiward.scan.checks.sql_injection import SqlInjection
from apiward.scan.checks.template_injection import TemplateInjection
from apiward.scan.checks.token_in_url import TokenInUrl
from apiward.spec import Api, load

INJECTIONS = ("sql_injection", "command_injection", "template_injection")


def _requests(results: Results, *checks: str) -> int:
    return sum(int(results.stats.get(f"requests.{check}", 0)) for check in checks)


def _db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE tags (slug TEXT)")
    db.executemany("INSERT INTO tags VALUES (?)", [("tea",), ("mugs",)])
    return db


def _tags(*, enforced: bool) -> FastAPI:
    """``GET /tags?slug=`` whose contract says ``^[a-z]+$``; FastAPI enforces it, or not."""
    api = FastAPI()
    db = _db()
    declared = {"pattern": "^[a-z]+$", "type": "string"}

    def lookup(slug: str) -> list[dict[str, Any]]:
        try:  # pasted into SQL: the injection the unenforced twin has
            rows = db.execute(f"SELECT slug FROM tags WHERE slug = '{slug}'").fetchall()  # noqa: S608
        except sqlite3.Error as error:
            raise HTTPException(500, f"sqlite3.OperationalError: {error}") from None
        return [{"slug": row[0]} for row in rows]

    if enforced:

        @api.get("/tags")
        async def strict(slug: Annotated[str, Query(pattern="^[a-z]+$")]) -> list[dict[str, Any]]:
            return lookup(slug)

    else:

        @api.get(
            "/tags",
            openapi_extra={
                "parameters": [
                    {"name": "slug", "in": "query", "required": True, "schema": declared}
                ]
            },
        )
        async def loose(request: Request) -> list[dict[str, Any]]:
            return lookup(request.query_params.get("slug", ""))

    return api


def test_an_enforced_pattern_decides_every_later_probe_that_breaks_it() -> None:
    """Once a quote was refused by the input's validation, no payload that breaks the pattern goes out."""
    checks = [SqlInjection(delay=0.5), CommandInjection(delay=0.5), TemplateInjection()]
    results = scan_anonymously(_tags(enforced=True), checks)
    # The baseline, an ordinary value and one refused quote; without the rule, over 25.
    assert _requests(results, *INJECTIONS) <= 5
    assert results.findings == []


def test_a_pattern_the_api_does_not_enforce_is_still_probed() -> None:
    """The contract declares the pattern, the code pastes the value into SQL: found."""
    results = scan_anonymously(_tags(enforced=False), [SqlInjection(delay=0.5)])
    assert [f.operation for f in found(results, "sql_injection")] == ["GET /tags"]


class Credentials(BaseModel):
    """Typed credentials: an object where a string is declared is refused (422)."""

    username: str = Field(max_length=64)
    password: str


def test_a_refused_operator_ends_the_input_and_spares_the_group() -> None:
    """One $eq for all the fields, refused naming each: nothing more is sent."""
    api = FastAPI()

    @api.post("/login")
    async def login(body: Credentials) -> dict[str, str]:
        raise HTTPException(401, "invalid credentials")

    results = scan_anonymously(api, [NoSqlInjection()])
    assert _requests(results, "nosql_injection") <= 2  # the baseline and one $eq (3 before)
    assert results.findings == []


def _open_and_closed() -> Any:
    """``/me`` needs a token; ``/catalogue`` says it does but answers anyone."""

    async def me(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "no"}, status_code=401)
        return JSONResponse({"username": who, "email": f"{who}@example.com"})

    async def catalogue(_: Request) -> Response:
        return JSONResponse([{"sku": "tea-01", "price": 4}, {"sku": "mug-02", "price": 9}])

    user = {"type": "object", "properties": {"username": {"type": "string"}}}
    paths = {
        "/me": {"get": operation(user)},
        "/catalogue": {"get": operation({"type": "array", "items": {"type": "object"}})},
    }
    return app(paths, [Route("/me", me), Route("/catalogue", catalogue)])


def test_an_operation_open_to_anyone_gets_no_token_in_its_url() -> None:
    """The stripped request auth_bypass sent is answered: token_in_url tries no names there."""
    results = scan_app(_open_and_closed(), [AuthBypass(), TokenInUrl()])
    sent = [
        f.operation
        for f in results.findings
        if f.check == "auth_bypass" and f.severity > Severity.INFO
    ]
    assert sent == ["GET /catalogue"]  # with no credential; garbage would say nothing more
    # /me: its token under every name at once, refused; /catalogue: nothing (five each before).
    assert _requests(results, "token_in_url") <= 2


def _answering(schema: dict[str, Any]) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok", "content": _json(schema)}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _api(folder: Path, paths: dict[str, Any]) -> Api:
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}
    (folder / "openapi.json").write_text(json.dumps(document))
    return load(folder / "openapi.json")


def test_only_collections_of_records_are_hidden_resource_names(tmp_path: Path) -> None:
    """``users`` (items) and ``orders`` (a listing) are collections; ``me`` and ``auth`` are not."""
    listing = _answering({"type": "array"})
    one = _answering({"type": "object"})
    api = _api(
        tmp_path,
        {
            "/v1/users/{id}": {"get": one},
            "/v1/orders": {"get": listing},
            "/v1/me": {"get": one},
            "/v1/auth/login": {"post": one},
        },
    )
    assert sorted(collections(api)) == ["orders", "users"]


def test_web_server_files_are_looked_for_at_the_root_only(tmp_path: Path) -> None:
    """``.env`` and ``.git/config`` are asked at ``/``, never under ``/v1``."""
    api = _api(tmp_path, {"/v1/users": {"get": {"responses": {"200": {"description": "ok"}}}}})
    paths = list(DebugEndpoints().candidates(api))
    assert "/.env" in paths
    assert "/.git/config" in paths
    assert not any(p.startswith("/v1/.") for p in paths)
    assert "/v1/debug/config" in paths


class Note(BaseModel):
    """A note as a writer sends it: three free-text fields."""

    title: str
    body: str
    tag: str


def _notes() -> FastAPI:
    """``POST /notes`` stores a note with bound parameters and answers it whole (201)."""
    api = FastAPI()
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT, tag TEXT)")

    @api.post("/notes", status_code=201)
    async def create(note: Note) -> dict[str, Any]:
        cursor = db.execute(
            "INSERT INTO notes (title, body, tag) VALUES (?, ?, ?)",
            (note.title, note.body, note.tag),
        )
        return {"id": cursor.lastrowid, **note.model_dump()}

    return api


def test_an_operation_with_several_inputs_is_screened_once_per_family() -> None:
    """Three free-text inputs that reach no SQL, shell or template: each family's screen goes
    to all of them at once, and no delay is sent where the quotes were stored intact."""
    checks = [SqlInjection(delay=0.5), CommandInjection(delay=0.5), TemplateInjection()]
    results = scan_anonymously(_notes(), checks)
    assert results.findings == []
    # Before the screens were shared, over 50: quotes, conditions and delays per input.
    assert _requests(results, "sql_injection") <= 10  # 3 quotes, 3 ordinary values, 2 screens
    assert _requests(results, "command_injection") <= 2
    assert _requests(results, "template_injection") <= 2


def test_a_blind_input_beside_safe_ones_is_still_found_by_its_delay() -> None:
    """The delay goes to every input at once; the one that slows the answer is named alone."""
    api = FastAPI()

    @api.get("/audit")
    async def audit(actor: str, action: str, place: str) -> dict[str, bool]:
        if match := re.search(r"'; SELECT pg_sleep\(([\d.]+)\)", action):
            await asyncio.sleep(float(match[1]))
        return {"logged": True}

    results = scan_anonymously(api, [SqlInjection(delay=0.5)])
    [finding] = found(results, "sql_injection")
    assert finding.key == "query:action"
    assert "PostgreSQL" in finding.title


def _lookup_api(folder: Path) -> Api:
    listing = _answering({"type": "array"})
    one = _answering({"type": "object"})
    return _api(
        folder,
        {
            "/v1/users": {"get": listing},
            "/v1/users/{id}": {"get": one},
            "/v1/orders": {"get": listing},
            "/v1/orders/{id}": {"get": one},
        },
    )


def test_discovery_lists_stay_bounded(tmp_path: Path) -> None:
    """Two collections under /v1: one word per idea (it was 70 shadow and 43 debug paths; the
    users' export named export-first, /v1/admin/export/users, is three more)."""
    api = _lookup_api(tmp_path)
    assert len(list(ShadowEndpoints().candidates(api))) <= 48
    assert len(list(DebugEndpoints().candidates(api))) <= 30


class Profile(BaseModel):
    """What the owner of a profile may change."""

    full_name: str


def test_a_profile_is_not_about_files() -> None:
    """A name field of an operation that describes a profile gets no traversal payload."""
    api = FastAPI()

    @api.patch("/me", description="Your profile.")
    async def edit(profile: Profile) -> dict[str, str]:
        return {"full_name": profile.full_name}

    @api.get("/me")
    async def read() -> dict[str, str]:
        return {"full_name": "Alice"}

    results = scan_anonymously(api, [PathTraversal()])
    assert _requests(results, "path_traversal") <= 1  # the baseline at most, no payload


def _wallet(*, vulnerable: bool) -> Starlette:
    """``GET/PATCH /me``: a name the owner may change, a balance, credits and a flag it may not.

    The vulnerable twin copies the whole ``PATCH /me`` body onto the user.
    """
    users = {
        who: {"id": n, "name": who.title(), "balance": 10, "credits": 5, "is_admin": False}
        for n, who in enumerate(("alice", "bob"), 1)
    }
    kinds = {"id": "integer", "name": "string", "balance": "integer", "credits": "integer"}
    user = {
        "type": "object",
        "properties": {
            **{k: {"type": v} for k, v in kinds.items()},
            "is_admin": {"type": "boolean"},
        },
    }
    name = {"type": "object", "properties": {"name": {"type": "string"}}}

    async def me(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "sign in"}, 401)
        if request.method == "PATCH":
            sent = await request.json()
            users[who].update(sent if vulnerable else {"name": sent.get("name", "")})
        return JSONResponse(users[who])

    body = {"required": True, "content": {"application/json": {"schema": name}}}
    paths = {"/me": {"get": operation(user), "patch": operation(user, requestBody=body)}}
    return app(paths, [Route("/me", me, methods=["GET", "PATCH"])])


@pytest.mark.parametrize("vulnerable", [False, True], ids=["secure", "vulnerable"])
def test_mass_assignment_restores_only_what_changed(vulnerable: bool) -> None:
    """A field that still shows its old value after the probe needs no restore nor re-read.

    The secure twin cost 15 requests: a restore and a second read-back for each field.
    """
    results = scan_app(_wallet(vulnerable=vulnerable), [MassAssignment()])
    kept = {f.key for f in results.findings if f.check == "mass_assignment"}
    assert kept == ({"body:balance", "body:credits", "body:is_admin"} if vulnerable else set())
    assert _requests(results, "mass_assignment") <= (15 if vulnerable else 9)
