"""Requests the bank itself sends (avatars, webhooks, statement imports), and the SSRF check.

Whoever drives the demo, it never becomes a proxy: every request it sends, in both
modes, may reach loopback addresses only (127.0.0.0/8, ::1), checked at connect time
on every redirect hop by :mod:`apiward.core.netsafe` — so a name that resolves
elsewhere, a redirect off the machine, a decimal or IPv4-mapped spelling of another
host, or the cloud metadata address are all refused (422) before any connection.
The vulnerable bank's SSRF flaws stay real, against services on 127.0.0.1; the fixed
bank refuses loopback as well, so it fetches nothing at all.
"""

from __future__ import annotations

import asyncio
import ipaddress
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
    """GET a URL for the bank (loopback only; when fixed, nothing), at every redirect hop."""
    return await _send(fixed, "GET", url, None)


async def post_json(fixed: bool, url: str, payload: dict[str, object]) -> httpx.Response:
    """POST an event to a URL (loopback only; when fixed, nothing), at every redirect hop."""
    return await _send(fixed, "POST", url, payload)


def off_machine(address: str) -> str | None:
    """Why the demo must not contact ``address``: it is not a loopback address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None
    return f"{ip} is not on this machine: the demo bank fetches loopback URLs only"


def _fixed_policy(address: str) -> str | None:
    if netsafe.refusal(address) is not None:
        return "the URL points to a private or reserved address"
    return off_machine(address)


def _client(fixed: bool) -> httpx.AsyncClient:
    policy = _fixed_policy if fixed else off_machine
    return netsafe.async_client(policy=policy, timeout=TIMEOUT, max_redirects=20)


async def _send(
    fixed: bool, method: str, url: str, payload: dict[str, object] | None
) -> httpx.Response:
    async with _client(fixed) as client:
        try:
            response = await client.request(method, url, json=payload)
        except UnsafeAddressError as error:
            raise HTTPException(422, error.message.removeprefix("refusing to fetch: ")) from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise HTTPException(502, "the URL could not be fetched") from error
    if len(response.content) > MAX_BYTES:
        raise HTTPException(413, "the fetched document is too large")
    return response
