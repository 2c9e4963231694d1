"""Requests the bank itself sends (avatars, webhooks, statement imports), and the SSRF check."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

import httpx
from fastapi import HTTPException

MAX_BYTES = 1_000_000
TIMEOUT = httpx.Timeout(5.0)


async def check_public(url: str) -> None:
    """Refuse URLs that are not http(s) or that resolve to a non-public address (422)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise HTTPException(422, "only http and https URLs are accepted")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or 443, type=socket.SOCK_STREAM
        )
    except OSError as error:
        raise HTTPException(422, "the URL's host does not resolve") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise HTTPException(422, "the URL points to a private or reserved address")


async def fetch(fixed: bool, url: str) -> httpx.Response:
    """GET a URL for the bank; when fixed, only public addresses and no redirects."""
    if fixed:
        await check_public(url)
    return await _send(fixed, "GET", url, None)


async def post_json(fixed: bool, url: str, payload: dict[str, object]) -> httpx.Response:
    """POST an event to a URL; when fixed, only public addresses and no redirects."""
    if fixed:
        await check_public(url)
    return await _send(fixed, "POST", url, payload)


async def _send(
    fixed: bool, method: str, url: str, payload: dict[str, object] | None
) -> httpx.Response:
    # A redirect could lead a checked public URL to a private one, so the fixed bank
    # follows none. (A complete defence also pins the checked address for the connection.)
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=not fixed) as client:
        try:
            response = await client.request(method, url, json=payload)
        except httpx.HTTPError as error:
            raise HTTPException(502, "the URL could not be fetched") from error
    if len(response.content) > MAX_BYTES:
        raise HTTPException(413, "the fetched document is too large")
    return response
