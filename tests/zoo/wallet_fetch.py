"""The wallet's URL fetcher, which in the zoo only ever connects to 127.0.0.1 or ::1.

The vulnerable wallet fetches whatever URL it is given; to keep every test on this
machine, anything that does not name the loopback (``127.0.0.1``, ``::1``, ``localhost``,
``2130706433``, ``[::ffff:127.0.0.1]``) is refused here, before any connection or lookup.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import httpx

LOOPBACK = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
MAX_BYTES = 1_000_000


def loopback_address(host: str) -> str | None:
    """The loopback address ``host`` names, or None when it names anything else."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(int(host) if host.isdigit() else host)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    if address not in LOOPBACK:
        return None
    return f"[{address}]" if address.version == 6 else str(address)


async def fetch_loopback(url: str) -> tuple[str, int] | None:
    """GET ``url`` on the loopback: its content type and size, or None if refused or failed."""
    parts = urlsplit(url)
    address = loopback_address(parts.hostname or "")
    if parts.scheme not in ("http", "https") or address is None:
        return None
    netloc = f"{address}:{parts.port}" if parts.port else address
    target = parts._replace(netloc=netloc).geturl()
    async with httpx.AsyncClient(timeout=3, trust_env=False, follow_redirects=False) as client:
        try:
            host = parts.netloc.rpartition("@")[2]
            answer = await client.get(target, headers={"Host": host})
        except httpx.HTTPError:
            return None
    return answer.headers.get("content-type", ""), len(answer.content[:MAX_BYTES])
