"""SSRF: URL-valued inputs resolved and refused when not global (OWASP API7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apiward.guard import SsrfPolicy

pytestmark = pytest.mark.anyio
HOSTILE = [
    "http://127.0.0.1:8000/admin",
    "http://localhost/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/",
    "http://192.168.0.1/",
    "http://0.0.0.0/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
]
IDS = [
    "loopback",
    "localhost",
    "decimal",
    "octal",
    "hex",
    "ipv6-loopback",
    "ipv4-mapped",
    "metadata",
    "private-10",
    "private-192",
    "unspecified",
    "file",
    "gopher",
]
POLICY = SsrfPolicy(
    inputs={"POST /hooks": ("/target", "/events/*"), "POST /imports": ("/source_url",)}
)


@pytest.mark.parametrize("url", HOSTILE, ids=IDS)
async def test_contract_url_fields_are_checked(guarded: Callable[..., Any], url: str) -> None:
    """A format: uri property pointing inward is refused with 422 ssrf.non-global-address."""
    async with guarded() as http:
        r = await http.post("/items", json={"name": "pen", "homepage": url})
    assert r.status_code == 422
    assert r.json()["type"].endswith("ssrf.non-global-address")
    assert r.json()["field"] == "body/homepage"


@pytest.mark.parametrize("url", HOSTILE[:4], ids=IDS[:4])
async def test_policy_marked_inputs_are_checked(guarded: Callable[..., Any], url: str) -> None:
    """Fields the policy marks as URLs (here an array item) are checked too."""
    async with guarded(ssrf=POLICY) as http:
        r = await http.post("/hooks", json={"events": ["https://93.184.215.14/", url]})
    assert (r.status_code, r.json()["field"]) == (422, "body/events/1")


async def test_form_url_fields_are_checked(guarded: Callable[..., Any]) -> None:
    """urlencoded form fields marked as URLs are checked the same way."""
    async with guarded(ssrf=POLICY) as http:
        r = await http.post(
            "/imports",
            content=b"source_url=http%3A%2F%2F127.0.0.1%2Fx",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert r.status_code == 422


async def test_global_addresses_pass(guarded: Callable[..., Any]) -> None:
    """A URL on a global address reaches the app."""
    async with guarded(ssrf=POLICY) as http:
        r = await http.post("/hooks", json={"target": "https://93.184.215.14/hook"})
        plain = await http.post(
            "/items", json={"name": "pen", "homepage": "https://[2606:4700::1111]/"}
        )
    assert (r.status_code, plain.status_code) == (200, 201)
