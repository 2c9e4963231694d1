"""The SSRF guard: every resolved address is checked at connect time, on every hop."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from apiward.core import netsafe
from apiward.core.errors import UnsafeAddressError


async def hello(request: Request) -> Response:
    return PlainTextResponse(f"hello {request.headers['host']}")


async def bounce(request: Request) -> Response:
    return RedirectResponse(request.query_params["to"])


APP = Starlette(routes=[Route("/", hello), Route("/bounce", bounce)])


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "not a global"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_non_global_addresses_are_refused(address: str, kind: str) -> None:
    """Loopback, private, link-local, multicast, reserved and mapped addresses are refused."""
    reason = netsafe.refusal(address)
    assert reason is not None
    assert kind in reason


def test_global_address_is_allowed() -> None:
    """A global unicast address passes the check."""
    assert netsafe.refusal("93.184.216.34") is None
    assert netsafe.refusal("2606:2800:220:1:248:1893:25c8:1946") is None


def test_loopback_url_is_refused_before_any_connection() -> None:
    """A URL to 127.0.0.1 raises UnsafeAddressError naming the URL."""
    with netsafe.client() as http, pytest.raises(UnsafeAddressError) as caught:
        http.get("http://127.0.0.1:9/x.yaml")
    assert str(caught.value) == (
        "http://127.0.0.1:9/x.yaml: refusing to fetch: 127.0.0.1 is a loopback address"
        " (allow with --allow-private)"
    )


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name resolving to one public and one private address is refused."""

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(netsafe, "_getaddrinfo", resolve)
    with (
        netsafe.client() as http,
        pytest.raises(UnsafeAddressError, match=r"10\.0\.0\.7 is a private"),
    ):
        http.get("http://mixed.test/")


def test_connects_to_the_checked_address(
    serve: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socket goes to the address that was checked, and the Host header keeps the name."""
    server = serve(APP)
    calls: list[str] = []

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(netsafe, "_getaddrinfo", resolve)
    monkeypatch.setattr(netsafe, "refusal", lambda address: None)
    with netsafe.client() as http:
        response = http.get(f"http://api.test:{server.port}/")
    assert response.text == f"hello api.test:{server.port}"
    assert calls == ["api.test"]  # resolved once, by the checking backend


def test_redirects_are_checked_at_every_hop(
    serve: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A redirect to a refused address is refused even when the first hop was allowed."""
    server = serve(APP)
    monkeypatch.setattr(
        netsafe,
        "refusal",
        lambda a: "127.0.0.2 is a loopback address" if a == "127.0.0.2" else None,
    )
    target = f"http://127.0.0.2:{server.port}/"
    with netsafe.client() as http, pytest.raises(UnsafeAddressError) as caught:
        http.get(f"{server.url}/bounce", params={"to": target})
    assert caught.value.source == target


def test_only_http_and_https(serve: Callable[[Any], Any]) -> None:
    """Other schemes are refused, even with allow_private."""
    with pytest.raises(UnsafeAddressError, match="not http or https"):
        netsafe.check_url("ftp://example.com/x")
    server = serve(APP)
    with netsafe.client(allow_private=True) as http, pytest.raises(UnsafeAddressError):
        http.get(f"{server.url}/bounce", params={"to": "ftp://127.0.0.1/x"})


def test_environment_proxies_are_ignored(
    serve: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY from the environment is not used (it would bypass the check)."""
    server = serve(APP)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:1")
    with netsafe.client(allow_private=True) as http:
        assert http.get(f"{server.url}/").status_code == 200


def test_async_client_refuses_and_allows(serve: Callable[[Any], Any]) -> None:
    """The async client refuses loopback by default and reaches it with allow_private."""
    server = serve(APP)

    async def main() -> httpx.Response:
        async with netsafe.async_client() as http:
            with pytest.raises(UnsafeAddressError, match="loopback"):
                await http.get(f"{server.url}/")
        async with netsafe.async_client(allow_private=True) as http:
            return await http.get(f"{server.url}/")

    assert anyio.run(main).status_code == 200


def test_unresolvable_name_is_a_connect_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that does not resolve is an httpx.ConnectError, not a bare socket error."""

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(netsafe, "_getaddrinfo", resolve)
    with netsafe.client() as http, pytest.raises(httpx.ConnectError, match="cannot resolve"):
        http.get("http://nowhere.test/")


def test_a_trusted_origin_is_reached_and_nothing_else(serve: Callable[[Any], Any]) -> None:
    """Exactly the trusted scheme, host and port skip the check; redirects elsewhere do not."""
    server = serve(APP)
    with netsafe.client(trusted_origins=(f"{server.url}/",)) as http:
        assert http.get(f"{server.url}/").status_code == 200
        elsewhere = f"http://127.0.0.2:{server.port}/"
        with pytest.raises(UnsafeAddressError, match=r"127\.0\.0\.2 is a loopback"):
            http.get(f"{server.url}/bounce", params={"to": elsewhere})
        with pytest.raises(UnsafeAddressError, match="not http or https"):
            http.get(f"{server.url}/bounce", params={"to": f"ftp://127.0.0.1:{server.port}/"})
    with (
        netsafe.client(trusted_origins=(f"http://127.0.0.1:{server.port + 1}",)) as http,
        pytest.raises(UnsafeAddressError, match=r"127\.0\.0\.1 is a loopback"),
    ):
        http.get(f"{server.url}/")
