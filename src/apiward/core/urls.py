"""URLs a user typed (``--target``, ``--upstream``, a webhook): checked once, where they come in.

``urlsplit`` accepts ``http://[::1`` and ``http://h:99999`` and only raises when its
``hostname`` or ``port`` is read, deep inside whatever connects; here they are refused
at once, as one ConfigError naming the option.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from apiward.core.errors import ConfigError

HTTP = frozenset({"http", "https"})


def http_url(url: str, what: str) -> SplitResult:
    """``url`` split, if http(s) with a host and a port in 1-65535; else a ConfigError naming ``what``."""
    return checked_url(
        url, what, schemes=HTTP, expected="an http(s) URL such as http://127.0.0.1:8000"
    )


def checked_url(url: str, what: str, *, schemes: frozenset[str], expected: str) -> SplitResult:
    """``url`` split, if its scheme is one of ``schemes`` and its host and port are sound."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise ConfigError(f"{what} {url!r}: not a valid URL ({error})") from None
    if parts.scheme.lower() not in schemes or not host:
        raise ConfigError(f"{what} {url!r}: expected {expected}")
    if port == 0:
        raise ConfigError(f"{what} {url!r}: port 0 is no port to connect to (1-65535)")
    return parts


def listen_address(text: str, example: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 as ``[::1]:8443``) as a host and a port; else a ConfigError."""
    host, sep, port = text.rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed:
        host = host[1:-1]
    sound = sep and host and port.isascii() and port.isdigit() and 0 < int(port) < 65536
    if not sound or "[" in host or "]" in host or (":" in host and not bracketed):
        raise ConfigError(f"--listen {text!r}: expected HOST:PORT, e.g. {example}")
    return host, int(port)
