"""Outbound HTTP that cannot be pointed at private networks (the SSRF guard).

Use :func:`client` (or :func:`async_client`) for every request whose URL came from
outside: a spec URL, a remote ``$ref``, a scan target's links, a webhook. ::

    with netsafe.client(timeout=10) as http:
        response = http.get(url)      # raises UnsafeAddressError for 127.0.0.1, 10/8, ...

The check happens at connect time, inside the transport: the host name is
resolved once, *every* address it resolves to must be global, and the socket is
then opened to the checked address itself. A DNS answer that changes between
the check and the connect (rebinding) therefore cannot slip through, and each
redirect hop goes through the same transport. Only ``http`` and ``https`` are
allowed, and proxies from the environment are ignored (``trust_env=False``):
a proxy would make the connect-time check meaningless.

Which addresses pass is a :data:`Policy` (by default: global ones only). Origins the
user named themselves (``trusted_origins``, e.g. the scan target whose own
``/openapi.json`` is the spec) are reached without the check, and only they: a
redirect or ``$ref`` elsewhere is checked as usual.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import anyio
import httpcore
import httpx

from apiward.core.errors import UnsafeAddressError

ALLOWED_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Policy = Callable[[str], str | None]
"""Why an address (an IP literal) must not be contacted, or None when it may be."""

Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Looked up through these names so tests can stand in for DNS without patching socket.
_getaddrinfo = socket.getaddrinfo
_async_getaddrinfo = anyio.getaddrinfo


def refusal(address: str) -> str | None:
    """Why ``address`` (an IP literal) must not be contacted, or None when it is global."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1 on the wire
    for kind, flag in (
        ("an unspecified", ip.is_unspecified),
        ("a loopback", ip.is_loopback),
        ("a link-local (cloud metadata)", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("a reserved", ip.is_reserved),
        ("a private", ip.is_private),
    ):
        if flag:
            return f"{ip} is {kind} address"
    return None if ip.is_global else f"{ip} is not a global address"


def _global_only(address: str) -> str | None:
    """The default policy: :func:`refusal`, with the way to lift it."""
    reason = refusal(address)
    return None if reason is None else f"{reason} (allow with --allow-private)"


def origin(url: str | httpx.URL) -> Origin:
    """The (scheme, host, port) of a URL, default ports written out."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port or _DEFAULT_PORTS.get(parsed.scheme, 0)


def check_url(url: str | httpx.URL) -> None:
    """Refuse a URL whose scheme is not http or https (addresses are checked at connect)."""
    scheme = (url if isinstance(url, httpx.URL) else httpx.URL(url)).scheme
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeAddressError(
            f"refusing to fetch: scheme {scheme or '(none)'!r} is not http or https",
            source=str(url),
        )


def _checked_addresses(infos: Iterable[tuple[Any, ...]], host: str, policy: Policy) -> list[str]:
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        reason = policy(address)
        if reason is not None:
            raise UnsafeAddressError(f"refusing to fetch: {reason}", source=host)
    return addresses


class _SafeBackend(httpcore.NetworkBackend):
    """Resolves, checks every address, then connects to a checked address."""

    def __init__(self, policy: Policy) -> None:
        self._inner = httpcore.SyncBackend()
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = _getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error.strerror}") from None
        last: Exception | None = None
        for address in _checked_addresses(infos, host, self._policy):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                last = error
        raise last or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise UnsafeAddressError("refusing to connect to a unix socket")


class _AsyncSafeBackend(httpcore.AsyncNetworkBackend):
    """The async twin of :class:`_SafeBackend`."""

    def __init__(self, policy: Policy) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._policy = policy

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await _async_getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error.strerror}") from None
        last: Exception | None = None
        for address in _checked_addresses(infos, host, self._policy):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                last = error
        raise last or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise UnsafeAddressError("refusing to connect to a unix socket")


def _sourced(error: UnsafeAddressError, url: httpx.URL) -> UnsafeAddressError:
    """The same refusal, located at the URL being fetched rather than the bare host."""
    return UnsafeAddressError(error.message, source=str(url))


class SafeTransport(httpx.HTTPTransport):
    """An httpx transport that refuses non-global addresses at connect time."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        policy: Policy = _global_only,
        trusted_origins: Iterable[str] = (),
    ) -> None:
        super().__init__(trust_env=False)
        self._trusted = frozenset(origin(url) for url in trusted_origins)
        self._open: httpx.HTTPTransport | None = None
        if not allow_private:
            # httpx has no public hook for the network backend; the pool is rebuilt
            # with the same defaults plus the checking backend.
            self._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(trust_env=False),
                network_backend=_SafeBackend(policy),
            )
            if self._trusted:
                self._open = httpx.HTTPTransport(trust_env=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request (one redirect hop) after the scheme and address checks."""
        check_url(request.url)
        if self._open is not None and origin(request.url) in self._trusted:
            return self._open.handle_request(request)
        try:
            return super().handle_request(request)
        except UnsafeAddressError as error:
            raise _sourced(error, request.url) from None

    def close(self) -> None:
        """Close the checked pool and the one for trusted origins."""
        super().close()
        if self._open is not None:
            self._open.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        super().__exit__(exc_type, exc_value, traceback)
        if self._open is not None:
            self._open.close()


class AsyncSafeTransport(httpx.AsyncHTTPTransport):
    """The async twin of :class:`SafeTransport` (without trusted origins)."""

    def __init__(self, *, allow_private: bool = False, policy: Policy = _global_only) -> None:
        super().__init__(trust_env=False)
        if not allow_private:
            self._pool = httpcore.AsyncConnectionPool(
                ssl_context=httpx.create_ssl_context(trust_env=False),
                network_backend=_AsyncSafeBackend(policy),
            )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request (one redirect hop) after the scheme and address checks."""
        check_url(request.url)
        try:
            return await super().handle_async_request(request)
        except UnsafeAddressError as error:
            raise _sourced(error, request.url) from None


def client(
    *,
    allow_private: bool = False,
    trusted_origins: Iterable[str] = (),
    timeout: float = 10.0,
    max_redirects: int = 5,
) -> httpx.Client:
    """An httpx client whose every connection (and redirect) passes the SSRF check.

    ``trusted_origins`` are URLs whose scheme, host and port the user named themselves;
    requests to exactly those origins skip the address check.
    """
    return httpx.Client(
        transport=SafeTransport(allow_private=allow_private, trusted_origins=trusted_origins),
        trust_env=False,
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
    )


def async_client(
    *,
    allow_private: bool = False,
    policy: Policy = _global_only,
    timeout: float = 10.0,
    max_redirects: int = 5,
) -> httpx.AsyncClient:
    """The async twin of :func:`client`; ``policy`` decides which addresses pass."""
    return httpx.AsyncClient(
        transport=AsyncSafeTransport(allow_private=allow_private, policy=policy),
        trust_env=False,
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
    )
