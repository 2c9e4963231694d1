"""Validation: the contract's schemas, compiled once, and strict parsing (I-JSON, media types)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from guard_app import echo_app

from apiward.guard import Guard, ResponsePolicy, SsrfPolicy, ValidatePolicy
from apiward.spec import load
from conftest import quiet_policy

pytestmark = pytest.mark.anyio
TYPE = "https://apiward.dev/problems/"
JSON = {"content-type": "application/json"}


def _problem(r: httpx.Response) -> tuple[int, str, str | None]:
    doc = r.json()
    return r.status_code, str(doc["type"]).removeprefix(TYPE), doc.get("field")


async def test_legitimate_body_passes(guarded: Callable[..., Any]) -> None:
    """A body that matches the contract reaches the app byte for byte."""
    body = b'{"name": "pen", "price": 1.5, "homepage": "https://93.184.215.14/x"}'
    async with guarded(response=ResponsePolicy(filter=False)) as http:
        r = await http.post("/items", content=body, headers=JSON)
    assert r.status_code == 201
    assert r.json()["seen"]["body"] == body.decode()


async def test_unknown_property_is_refused(guarded: Callable[..., Any]) -> None:
    """Mass assignment: a property the schema does not declare → 422 naming it."""
    async with guarded() as http:
        r = await http.post("/items", json={"name": "pen", "is_admin": True})
    assert _problem(r) == (422, "validate.invalid", "body/is_admin")


async def test_unknown_properties_can_be_allowed(guarded: Callable[..., Any]) -> None:
    """unknown_properties: allow leaves open schemas open."""
    async with guarded(validate=ValidatePolicy(unknown_properties="allow")) as http:
        r = await http.post("/items", json={"name": "pen", "is_admin": True})
    assert r.status_code == 201


async def test_read_only_property_is_refused(guarded: Callable[..., Any]) -> None:
    """A readOnly property (id) cannot be sent in a request."""
    async with guarded() as http:
        r = await http.post("/items", json={"name": "pen", "id": 1})
    assert _problem(r)[:2] == (422, "validate.invalid")
    assert _problem(r)[2] == "body/id"


async def test_duplicate_json_keys_are_refused(guarded: Callable[..., Any]) -> None:
    """{"name":"a","name":"b"}: two parsers, two answers → refused."""
    async with guarded() as http:
        r = await http.post("/items", content=b'{"name": "pen", "name": "admin"}', headers=JSON)
    assert _problem(r)[:2] == (400, "validate.duplicate-key")


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "pen", "price": NaN}',
        b'{"name": "pen", "price": 1e400}',
        b'{"name": "\\ud800"}',
        b"\xff\xfe",
    ],
    ids=["nan", "overflow", "lone-surrogate", "not-utf8"],
)
async def test_non_i_json_is_refused(guarded: Callable[..., Any], body: bytes) -> None:
    """NaN, overflowing numbers, lone surrogates and invalid UTF-8 never reach the app."""
    async with guarded() as http:
        r = await http.post("/items", content=body, headers=JSON)
    assert r.status_code in {400, 422}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
    ],
    ids=["text-plain-csrf", "form", "multipart", "lookalike"],
)
async def test_content_type_confusion_is_refused(
    guarded: Callable[..., Any], content_type: str
) -> None:
    """Only the media types the contract lists are accepted (415)."""
    async with guarded() as http:
        r = await http.post(
            "/items", content=b'{"name": "pen"}', headers={"content-type": content_type}
        )
    assert _problem(r)[:2] == (415, "validate.media-type")


async def test_body_on_an_operation_without_one_is_refused(guarded: Callable[..., Any]) -> None:
    """GET /items takes no body; sending one is refused."""
    async with guarded() as http:
        r = await http.request("GET", "/items", content=b'{"x": 1}', headers=JSON)
    assert r.status_code == 415


async def test_missing_required_body_is_refused(guarded: Callable[..., Any]) -> None:
    """POST /items requires a body."""
    async with guarded() as http:
        r = await http.post("/items")
    assert _problem(r)[:2] == (422, "validate.invalid")


@pytest.mark.parametrize(
    "query",
    ["tag=pe%1Bn", "tag=pe%C2%85n", "tag=cafe%CC%81", "tag=pen&tag=%7F"],
    ids=["escape", "c1", "not-nfc", "del-in-second"],
)
async def test_unsafe_strings_in_query_parameters_are_refused(
    guarded: Callable[..., Any], query: str
) -> None:
    """Query values are held to the same text rules as bodies, with the parameter named."""
    async with guarded() as http:
        r = await http.get(f"/items?{query}")
    assert _problem(r) == (422, "validate.unsafe-string", "query/tag")


async def test_plain_and_tabbed_query_values_pass(guarded: Callable[..., Any]) -> None:
    """Printable ASCII (and a tab, which the text rules allow) is not refused."""
    async with guarded() as http:
        r = await http.get("/items?tag=a%20b&tag=c%09d")
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("text", "why"),
    [("pe\u0000n", "nul"), ("pe\u001bn", "escape"), ("pe\u0085n", "c1"), ("cafe\u0301", "not-nfc")],
    ids=["nul", "escape", "c1", "not-nfc"],
)
async def test_unsafe_strings_are_refused(guarded: Callable[..., Any], text: str, why: str) -> None:
    """Control characters and non-NFC text are refused, with the field named."""
    async with guarded() as http:
        r = await http.post("/items", json={"name": "pen", "tags": [text]})
    assert _problem(r) == (422, "validate.unsafe-string", "/tags/0")


@pytest.mark.parametrize(
    "raw",
    [rb'"pe\bn"', rb'"pe\fn"', rb'"pe\u0000n"', rb'"pe\u007fn"', b'"pe\x7fn"', rb'"\ud800"'],
    ids=["backspace-escape", "formfeed-escape", "u0000", "u007f", "raw-del", "lone-surrogate"],
)
async def test_unsafe_strings_in_ascii_bodies_are_refused(
    guarded: Callable[..., Any], raw: bytes
) -> None:
    """An all-ASCII body still hides control characters in escapes: each one is refused."""
    body = b'{"name": "pen", "tags": [' + raw + b"]}"
    async with guarded() as http:
        r = await http.post("/items", content=body, headers=JSON)
    assert _problem(r) == (422, "validate.unsafe-string", "/tags/0")


async def test_nfc_text_passes(guarded: Callable[..., Any]) -> None:
    """Composed (NFC) non-ASCII text is fine where the schema allows it."""
    async with guarded() as http:
        r = await http.post("/items", json={"name": "pen", "tags": ["café", "tab\there"]})
    assert r.status_code == 201


async def test_query_bounds_are_enforced(guarded: Callable[..., Any]) -> None:
    """limit=1000 exceeds the contract's maximum of 100 (unbounded page size)."""
    async with guarded() as http:
        bad = await http.get("/items?limit=1000")
        good = await http.get("/items?limit=100")
    assert _problem(bad) == (422, "validate.invalid", "query/limit")
    assert good.status_code == 200


async def test_path_parameter_types_are_enforced(guarded: Callable[..., Any]) -> None:
    """item_id is an integer: /items/abc is refused."""
    async with guarded() as http:
        r = await http.get("/items/abc")
    assert _problem(r) == (422, "validate.invalid", "path/item_id")


async def test_declared_header_is_validated(guarded: Callable[..., Any]) -> None:
    """x-trace has maxLength 8."""
    async with guarded() as http:
        r = await http.get("/items", headers={"x-trace": "123456789"})
    assert _problem(r) == (422, "validate.invalid", "header/x-trace")


async def test_undeclared_query_parameter_is_refused(guarded: Callable[..., Any]) -> None:
    """?access_token=... on an operation that does not declare it → 400."""
    async with guarded() as http:
        r = await http.get("/items?access_token=abc")
    assert _problem(r) == (400, "validate.unknown-parameter", "query/access_token")


async def test_problem_documents_never_echo_the_value(guarded: Callable[..., Any]) -> None:
    """The refused value does not appear in the answer (no reflected markup)."""
    payload = "<script>alert(1)</script>" * 3
    async with guarded() as http:
        r = await http.post("/items", json={"name": payload})
    assert r.status_code == 422
    assert "script" not in r.text


async def test_redos_pattern_runs_in_linear_time(guarded: Callable[..., Any]) -> None:
    """The contract's (a+)+$ pattern on a hostile string is answered (linear regex engine)."""
    async with guarded() as http:
        r = await http.post("/items", json={"name": "a" * 39 + "!"})
    assert r.status_code == 422


async def test_form_bodies_are_validated(guarded: Callable[..., Any]) -> None:
    """urlencoded bodies are parsed strictly: unknown and repeated fields refused."""
    form = {"content-type": "application/x-www-form-urlencoded"}
    async with guarded(ssrf=SsrfPolicy(enabled=False)) as http:
        ok = await http.post("/imports", content=b"source_url=x", headers=form)
        extra = await http.post("/imports", content=b"source_url=x&role=admin", headers=form)
        twice = await http.post("/imports", content=b"source_url=x&source_url=y", headers=form)
    assert ok.status_code == 200
    assert _problem(extra)[:2] == (422, "validate.invalid")
    assert _problem(twice)[:2] == (400, "transport.duplicate-parameter")


REQUIRED = """
openapi: 3.1.0
info: {title: required parameters, version: "1"}
paths:
  /search:
    get:
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
        - {name: x-tenant, in: header, required: true, schema: {type: string}}
        - {name: session, in: cookie, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
"""


@pytest.mark.parametrize(
    ("query", "headers", "missing"),
    [
        ("", {"x-tenant": "a", "cookie": "session=s"}, "query"),
        ("?q=pen", {"cookie": "session=s"}, "header"),
        ("?q=pen", {"x-tenant": "a"}, "cookie"),
    ],
    ids=["query", "header", "cookie"],
)
async def test_missing_required_parameter_is_refused(
    tmp_path: Path, query: str, headers: dict[str, str], missing: str
) -> None:
    """A required parameter absent from its location is refused, in every location."""
    spec = tmp_path / "required.yaml"
    spec.write_text(REQUIRED)
    guard = Guard(echo_app, policy=quiet_policy(tmp_path), api=load(spec))
    transport = httpx.ASGITransport(app=guard)
    async with httpx.AsyncClient(transport=transport, base_url="http://guarded") as http:
        r = await http.get(f"/search{query}", headers=headers)
        whole = await http.get("/search?q=pen", headers={"x-tenant": "a", "cookie": "session=s"})
    await guard.aclose()
    assert (r.status_code, r.json()["field"].split("/")[0]) == (422, missing)
    assert whole.status_code == 200


async def test_an_exploded_query_object_is_validated_field_by_field(tmp_path: Path) -> None:
    """feathers-swagger's ``filter`` object: ?channelId=1&$limit=10 passes, each field checked."""
    contract = {
        "openapi": "3.0.3",
        "info": {"title": "chat", "version": "1"},
        "paths": {
            "/messages": {
                "get": {
                    "parameters": [
                        {
                            "name": "filter",
                            "in": "query",
                            "style": "form",
                            "explode": True,
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "channelId": {"type": "integer"},
                                    "$limit": {"type": "integer", "maximum": 50},
                                },
                            },
                        }
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    (tmp_path / "chat.json").write_text(json.dumps(contract))
    guard = Guard(echo_app, policy=quiet_policy(tmp_path), api=load(str(tmp_path / "chat.json")))
    transport = httpx.ASGITransport(app=guard, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://guarded") as http:
        ok = await http.get("/messages?channelId=1&$limit=10")
        too_many = await http.get("/messages?channelId=1&$limit=500")
        stray = await http.get("/messages?filter=channelId")
    await guard.aclose()
    assert ok.status_code == 200
    assert _problem(too_many) == (422, "validate.invalid", "query/$limit")
    assert _problem(stray) == (400, "validate.unknown-parameter", "query/filter")


async def test_a_value_breaking_its_format_is_refused_unless_formats_are_allowed(
    guarded: Callable[..., Any],
) -> None:
    """homepage is ``format: uri``: "not a url" is 422 by default; ``formats: allow`` lets it by."""
    body = {"name": "pen", "homepage": "not a url"}
    off = SsrfPolicy(enabled=False)  # the SSRF stage refuses what is no URL on its own
    async with guarded(ssrf=off) as http:
        refused = await http.post("/items", json=body)
    async with guarded(ssrf=off, validate=ValidatePolicy(formats="allow")) as http:
        allowed = await http.post("/items", json=body)
    assert _problem(refused) == (422, "validate.invalid", "body/homepage")
    assert allowed.status_code == 201
