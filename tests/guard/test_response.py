"""Response protection: filtering, headers, CORS, error bodies, Content-Digest (API3, API8)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from apiward.guard import CorsPolicy, ResponsePolicy

pytestmark = pytest.mark.anyio
CORS = ResponsePolicy(
    cors=CorsPolicy(allow_origins=("https://app.example",), allow_credentials=True)
)


async def test_undeclared_properties_are_removed(guarded: Callable[..., Any]) -> None:
    """secret_cost is not in the Item schema: it never leaves the guard (also inside arrays)."""
    async with guarded() as http:
        one = await http.get("/items/7")
        many = await http.get("/items")
    assert one.json() == {"id": 7, "name": "pen", "price": 1.5, "tags": ["a"]}
    assert all("secret_cost" not in item for item in many.json())


async def test_filtering_can_be_switched_off(guarded: Callable[..., Any]) -> None:
    """filter: false passes the app's JSON untouched."""
    async with guarded(response=ResponsePolicy(filter=False)) as http:
        r = await http.get("/items/7")
    assert "secret_cost" in r.json()


async def test_security_headers_are_set_and_win(guarded: Callable[..., Any]) -> None:
    """nosniff, no-store, DENY... replace whatever the app said."""
    async with guarded() as http:
        r = await http.get("/items/7")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"


async def test_default_security_headers_are_the_api_set(guarded: Callable[..., Any]) -> None:
    """By default only headers that matter for API answers: no Referrer-Policy, no CORP."""
    async with guarded() as http:
        r = await http.get("/items/7")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "referrer-policy" not in r.headers
    assert "cross-origin-resource-policy" not in r.headers


async def test_a_header_mapping_is_exactly_what_is_sent(guarded: Callable[..., Any]) -> None:
    """security_headers as a mapping sends exactly those headers, replacing the app's."""
    chosen = {"Referrer-Policy": "no-referrer", "Cache-Control": "private"}
    async with guarded(response=ResponsePolicy(security_headers=chosen)) as http:
        r = await http.get("/items/7")
    assert (r.headers["referrer-policy"], r.headers["cache-control"]) == ("no-referrer", "private")
    assert "x-frame-options" not in r.headers


async def test_refusals_carry_security_headers(guarded: Callable[..., Any]) -> None:
    """Problem documents get the same headers as answers."""
    async with guarded() as http:
        r = await http.get("/nope")
    assert (r.status_code, r.headers["x-content-type-options"]) == (404, "nosniff")
    assert r.headers["content-type"] == "application/problem+json"


async def test_cors_is_never_reflected(guarded: Callable[..., Any]) -> None:
    """An origin not in the policy gets no Access-Control headers, whatever the app sent."""
    async with guarded(response=CORS) as http:
        r = await http.get("/items/7", headers={"origin": "https://evil.example"})
    assert not [k for k in r.headers if k.startswith("access-control-")]


async def test_allowed_origin_gets_cors(guarded: Callable[..., Any]) -> None:
    """An allowed origin gets allow-origin (its own, never *) and credentials as configured."""
    async with guarded(response=CORS) as http:
        r = await http.get("/items/7", headers={"origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    assert r.headers["access-control-allow-credentials"] == "true"


async def test_preflight_is_answered_from_the_policy(guarded: Callable[..., Any]) -> None:
    """OPTIONS preflights: 204 for an allowed origin, 403 problem for others."""
    pre = {"access-control-request-method": "POST"}
    async with guarded(response=CORS) as http:
        ok = await http.options("/items", headers={**pre, "origin": "https://app.example"})
        bad = await http.options("/items", headers={**pre, "origin": "https://evil.example"})
    assert ok.status_code == 204
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert bad.status_code == 403


async def test_server_errors_lose_their_stack_traces(guarded: Callable[..., Any]) -> None:
    """A 5xx body is replaced by a generic problem document."""
    async with guarded() as http:
        r = await http.get("/boom")
    assert r.status_code == 500
    assert "Traceback" not in r.text
    assert r.json()["type"].endswith("response.upstream-error")


async def test_app_exceptions_become_a_generic_500(guarded: Callable[..., Any]) -> None:
    """An exception escaping the app is answered with a problem document, not a traceback."""

    async def crash(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("/srv/secret/path.py")

    async with guarded(crash) as http:
        r = await http.get("/items/7")
    assert r.status_code == 500
    assert "secret" not in r.text


async def test_content_digest_matches_the_body(guarded: Callable[..., Any]) -> None:
    """Content-Digest: sha-256 of exactly the bytes sent (RFC 9530)."""
    async with guarded() as http:
        r = await http.get("/items/7")
    digest = base64.b64encode(hashlib.sha256(r.content).digest()).decode()
    assert r.headers["content-digest"] == f"sha-256=:{digest}:"


async def test_non_json_downloads_stream_untouched(guarded: Callable[..., Any]) -> None:
    """A 1 MiB binary answer passes byte for byte, still with security headers."""
    async with guarded() as http:
        r = await http.get("/download")
    assert len(r.content) == 1 << 20
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_deprecated_operations_can_be_switched_off(guarded: Callable[..., Any]) -> None:
    """routes.deprecated: refuse answers deprecated operations with 410."""
    from apiward.guard import RoutesPolicy

    async with guarded(routes=RoutesPolicy(deprecated="refuse")) as http:
        old = await http.get("/old")
    async with guarded() as http:
        kept = await http.get("/old")
    assert (old.status_code, kept.status_code) == (410, 200)
