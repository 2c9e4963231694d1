"""Transport: client address, HTTPS, sizes and ambiguity (pollution, bombs, smuggling)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from apiward.guard import RateLimitPolicy, TransportPolicy

pytestmark = pytest.mark.anyio
TYPE = "https://apiward.dev/problems/"


def _type(response: httpx.Response) -> str:
    return str(response.json()["type"]).removeprefix(TYPE)


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(guarded: Callable[..., Any]) -> None:
    """A client that sends X-Forwarded-For itself does not choose its address."""
    async with guarded(transport=TransportPolicy(trusted_proxies=("10.0.0.0/8",))) as http:
        r = await http.get("/hooks-nope", headers={"x-forwarded-for": "1.2.3.4"})
        assert r.status_code == 404
        seen = await http.post(
            "/hooks", json={"target": "x"}, headers={"x-forwarded-for": "1.2.3.4"}
        )
    assert seen.json()["client"] == "203.0.113.9"


async def test_right_most_untrusted_hop_is_the_client(guarded: Callable[..., Any]) -> None:
    """Behind trusted proxies, the right-most hop that is not a proxy is the client."""
    policy = TransportPolicy(trusted_proxies=("10.0.0.0/8",))
    async with guarded(client_ip="10.0.0.2", transport=policy) as http:
        r = await http.post(
            "/hooks", json={}, headers={"x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.0.0.1"}
        )
    assert r.json()["client"] == "198.51.100.7"


async def test_spoofed_forwarded_for_does_not_dodge_rate_limits(
    guarded: Callable[..., Any],
) -> None:
    """Rotating X-Forwarded-For values all count against the real client."""
    async with guarded(ratelimit=RateLimitPolicy(limits=("3/minute",))) as http:
        codes = [
            (
                await http.post("/hooks", json={}, headers={"x-forwarded-for": f"9.9.9.{i}"})
            ).status_code
            for i in range(5)
        ]
    assert codes == [200, 200, 200, 429, 429]


async def test_plain_http_is_refused_when_https_is_required(guarded: Callable[..., Any]) -> None:
    """require_https answers http with 426 and a problem document."""
    async with guarded(transport=TransportPolicy(require_https=True)) as http:
        r = await http.get("/items")
    assert (r.status_code, _type(r)) == (426, "transport.https-required")


async def test_https_answers_carry_hsts(guarded: Callable[..., Any]) -> None:
    """Over HTTPS the answer carries Strict-Transport-Security."""
    async with guarded(scheme="https", transport=TransportPolicy(require_https=True)) as http:
        r = await http.get("/items")
    assert r.status_code == 200
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_forwarded_proto_counts_only_from_trusted_proxies(
    guarded: Callable[..., Any],
) -> None:
    """X-Forwarded-Proto: https from an untrusted client does not satisfy require_https."""
    async with guarded(
        transport=TransportPolicy(require_https=True, trusted_proxies=("10.0.0.0/8",))
    ) as http:
        r = await http.get("/items", headers={"x-forwarded-proto": "https"})
    assert r.status_code == 426


async def test_declared_oversized_body_is_refused(guarded: Callable[..., Any]) -> None:
    """Content-Length over the cap is refused with 413 before reading."""
    async with guarded(transport=TransportPolicy(max_body_bytes=100)) as http:
        r = await http.post(
            "/hooks", content=b"{" + b" " * 200 + b"}", headers={"content-type": "application/json"}
        )
    assert (r.status_code, _type(r)) == (413, "transport.body-too-large")


async def test_chunked_oversized_body_is_refused_while_streaming(
    guarded: Callable[..., Any],
) -> None:
    """A body without Content-Length is counted as it streams in."""

    async def chunks() -> Any:
        for _ in range(10):
            yield b" " * 50

    async with guarded(transport=TransportPolicy(max_body_bytes=100)) as http:
        r = await http.post(
            "/hooks", content=chunks(), headers={"content-type": "application/json"}
        )
    assert (r.status_code, _type(r)) == (413, "transport.body-too-large")


async def test_too_many_headers_are_refused(guarded: Callable[..., Any]) -> None:
    """More headers than max_headers → 431."""
    async with guarded(transport=TransportPolicy(max_headers=10)) as http:
        r = await http.get("/items", headers={f"x-h{i}": "v" for i in range(20)})
    assert r.status_code == 431


async def test_oversized_headers_are_refused(guarded: Callable[..., Any]) -> None:
    """Headers over max_header_bytes → 431."""
    async with guarded(transport=TransportPolicy(max_header_bytes=1000)) as http:
        r = await http.get("/items", headers={"x-big": "a" * 2000})
    assert r.status_code == 431


@pytest.mark.parametrize("name", ["authorization", "content-type", "host"])
async def test_duplicate_singleton_headers_are_refused(
    guarded: Callable[..., Any], name: str
) -> None:
    """Two Authorization (or Content-Type, Host) headers are ambiguous: refused."""
    async with guarded() as http:
        r = await http.get("/items", headers=[(name, "a"), (name, "b")])
    assert (r.status_code, _type(r)) == (400, "transport.duplicate-header")


async def test_content_length_with_transfer_encoding_is_refused(
    guarded: Callable[..., Any],
) -> None:
    """CL and TE together (request smuggling) → 400."""
    async with guarded() as http:
        r = await http.post(
            "/hooks",
            content=b"{}",
            headers={"transfer-encoding": "chunked", "content-type": "application/json"},
        )
    assert _type(r) == "transport.ambiguous-length"


async def test_compressed_request_bodies_are_refused(guarded: Callable[..., Any]) -> None:
    """Content-Encoding on a request (decompression bombs) → 415."""
    async with guarded() as http:
        r = await http.post(
            "/hooks",
            content=b"{}",
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )
    assert _type(r) == "transport.content-encoding"


async def test_repeated_scalar_query_parameter_is_refused(guarded: Callable[..., Any]) -> None:
    """?limit=1&limit=100 (parameter pollution) → 400."""
    async with guarded() as http:
        r = await http.get("/items?limit=1&limit=100")
    assert (r.status_code, _type(r), r.json()["field"]) == (
        400,
        "transport.duplicate-parameter",
        "query/limit",
    )


async def test_repeated_array_query_parameter_is_allowed(guarded: Callable[..., Any]) -> None:
    """?tag=a&tag=b is fine where the contract says tag is an array."""
    async with guarded() as http:
        r = await http.get("/items?tag=a&tag=b&limit=5")
    assert r.status_code == 200


async def test_deeply_nested_json_is_refused(guarded: Callable[..., Any]) -> None:
    """JSON nesting deeper than max_json_depth → 400, before any parser recurses."""
    async with guarded(transport=TransportPolicy(max_json_depth=20)) as http:
        r = await http.post(
            "/hooks", content=b"[" * 50 + b"]" * 50, headers={"content-type": "application/json"}
        )
        ok = await http.post(
            "/hooks",
            content=b'{"target": "[[[[[[[[[[[[[[[[[[[[[[[[["}',
            headers={"content-type": "application/json"},
        )
    assert _type(r) == "validate.too-deep"
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "named",
    ["authorization", "Cookie", "keep-alive, X-Forwarded-For", "host", "content-length", "x-trace"],
)
async def test_connection_may_not_name_a_header_the_guard_relies_on(
    named: str, guarded: Callable[..., Any]
) -> None:
    """A proxy drops what Connection names: a request may not ask it to drop credentials."""
    async with guarded() as http:
        r = await http.get(
            "/items", headers={"connection": named, "authorization": "Bearer x", "x-trace": "t"}
        )
    assert r.status_code == 400
    assert _type(r) == "transport.connection-names-header"


async def test_connection_may_name_other_headers(guarded: Callable[..., Any]) -> None:
    """keep-alive, close and a header of nobody's concern pass."""
    async with guarded() as http:
        r = await http.get("/items", headers={"connection": "keep-alive, x-hop-note"})
    assert r.status_code == 200
