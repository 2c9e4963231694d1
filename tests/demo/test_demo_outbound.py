"""The demo bank never becomes a proxy: what it fetches is on 127.0.0.1 or ::1, or nothing.

No test here lets a connection leave the machine: the addresses are TEST-NET
(192.0.2.0/24, 198.51.100.0/24) or cloud-metadata literals, names resolve through a
stub, and every connection the bank opens goes through a recorder that refuses
anything but loopback — so a broken refusal fails the test instead of sending traffic.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import pytest
from demo_target import Target

from apiward.core import netsafe

OFF_MACHINE = [
    ("http://192.0.2.10/avatar.png", "TEST-NET literal"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://3221225994/avatar.png", "decimal spelling of 192.0.2.10"),
    ("http://[::ffff:192.0.2.10]/avatar.png", "IPv4-mapped IPv6"),
    ("http://[2001:db8::1]/avatar.png", "IPv6 documentation address"),
]


def _loopback(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name not resolved first: refuse it too
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address the bank's outbound client connects to; off-machine ones never open."""
    opened: list[str] = []
    real = httpcore.AnyIOBackend.connect_tcp

    async def recorded(self: httpcore.AnyIOBackend, host: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(host)
        if not _loopback(host):
            raise httpcore.ConnectError(f"test guard: no connection to {host}")
        return await real(self, host, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", recorded)
    return opened


@pytest.fixture(scope="module")
def bouncer() -> Iterator[str]:
    """A listener on 127.0.0.1 that redirects ``/?to=URL`` to URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", self.path.split("?to=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _avatar(bank: Target, url: str) -> tuple[int, str]:
    response = bank.send("PUT", "/api/v2/me/avatar", "alice", json={"url": url})
    return response.status_code, response.json().get("detail", "")


@pytest.mark.parametrize(("url", "spelling"), OFF_MACHINE, ids=[s for _, s in OFF_MACHINE])
def test_off_machine_urls_are_refused_before_connecting(
    url: str, spelling: str, either: Target, connections: list[str]
) -> None:
    """An avatar URL off the machine, however written, is refused (422) and never connected."""
    status, detail = _avatar(either, url)
    assert status == 422, detail
    assert connections == []


def test_a_name_resolving_off_machine_is_refused(
    vulnerable: Target, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host name is judged by what it resolves to at connect time, not by how it reads."""

    async def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("198.51.100.7", port))]

    monkeypatch.setattr(netsafe, "_async_getaddrinfo", resolve)
    status, detail = _avatar(vulnerable, "http://statements.bank.test/import.csv")
    assert (status, detail) == (
        422,
        "198.51.100.7 is not on this machine: the demo bank fetches loopback URLs only",
    )
    assert connections == []


def test_a_redirect_off_the_machine_is_refused(
    vulnerable: Target, bouncer: str, connections: list[str]
) -> None:
    """A loopback URL that redirects elsewhere is followed to the redirect, then refused."""
    status, detail = _avatar(vulnerable, f"{bouncer}/?to=http://192.0.2.10/avatar.png")
    assert status == 422, detail
    assert connections == ["127.0.0.1"]


def test_a_webhook_off_the_machine_is_stored_but_never_called(
    vulnerable: Target, connections: list[str]
) -> None:
    """The vulnerable bank still stores any webhook URL; testing it refuses to call it."""
    created = vulnerable.send(
        "POST", "/api/v2/webhooks", "alice", json={"url": "http://192.0.2.10/hook"}
    )
    assert created.status_code == 201, created.text
    fired = vulnerable.send("POST", f"/api/v2/webhooks/{created.json()['id']}/test", "alice")
    assert fired.status_code == 422, fired.text
    assert connections == []


def test_loopback_spellings_still_reach_the_vulnerable_bank(
    vulnerable: Target, connections: list[str]
) -> None:
    """The SSRF flaw stays real on this machine: 127.0.0.1 written in decimal is fetched."""
    port = vulnerable.canary.base.rsplit(":", 1)[1]
    url = f"http://2130706433:{port}/canary/decimal-loopback"
    form = {"source_url": url}
    response = vulnerable.send("POST", "/api/v2/statements/import", "alice", data=form)
    assert response.status_code == 200, response.text
    assert vulnerable.canary.hit("decimal-loopback")
    assert connections == ["127.0.0.1"]
