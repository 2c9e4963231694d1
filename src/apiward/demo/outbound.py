"""Requests the bank itself sends (avatars, webhooks, statement imports), and the SSRF check."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import httpx
from fastapi import HTTPException

from apiward.core import netsafe
from apiward.core.errors import UnsafeAddressError

MAX_BYTES = 1_000_000
TIMEOUT = 5.0


async def check_public(url: str) -> None:
    """Refuse URLs that are not http(s) or that resolve to a non-public address (422).

    An early, friendly refusal when a URL is stored; the fixed bank checks again at
    connect time (netsafe), since what a name resolves to can change in between.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise HTTPException(422, "only http and https URLs are accepted")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or 443, type=socket.SOCK_STREAM
        )
    except OSError as error:
        raise HTTPException(422, "the URL's host does not resolve") from error
    if any(netsafe.refusal(str(info[4][0])) for info in infos):
        raise HTTPException(422, "the URL points to a private or reserved address")


async def fetch(fixed: bool, url: str) -> httpx.Response:
    """GET a URL for the bank; when fixed, only public addresses, at every redirect hop."""
    return await _send(fixed, "GET", url, None)


async def post_json(fixed: bool, url: str, payload: dict[str, object]) -> httpx.Response:
    """POST an event to a URL; when fixed, only public addresses, at every redirect hop."""
    return await _send(fixed, "POST", url, payload)


def _client(fixed: bool) -> httpx.AsyncClient:
    if fixed:
        return netsafe.async_client(timeout=TIMEOUT)
    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True)


async def _send(
    fixed: bool, method: str, url: str, payload: dict[str, object] | None
) -> httpx.Response:
    async with _client(fixed) as client:
        try:
            response = await client.request(method, url, json=payload)
        except UnsafeAddressError as error:
            raise HTTPException(422, "the URL points to a private or reserved address") from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise HTTPException(502, "the URL could not be fetched") from error
    if len(response.content) > MAX_BYTES:
        raise HTTPException(413, "the fetched document is too large")
    return response
