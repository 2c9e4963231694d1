"""Serving the gateway under uvicorn: what ``apiward guard`` runs.

The listening socket and the TLS files are checked here, before uvicorn starts: a port
already in use or a certificate that is not PEM is a one-line ConfigError, not a
server that logs a traceback on its way down. On Ctrl-C, requests in flight get
``GRACE`` (one) second to finish, then the gateway stops.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn

from apiward.core.errors import ConfigError
from apiward.core.urls import http_url
from apiward.guard.asgi import Guard
from apiward.guard.gateway import Gateway
from apiward.guard.policy import Policy

GRACE = 1
"""Seconds requests in flight may take to finish after Ctrl-C (uvicorn counts whole seconds)."""


def gateway_app(policy: Policy, *, upstream: str, spec: str | None) -> Guard:
    """The Guard in front of a Gateway to ``upstream``."""
    http_url(upstream, "--upstream")
    return Guard(Gateway(upstream), policy=policy, api=spec)


def upstream_silent(upstream: str, timeout: float = 2.0) -> str | None:
    """Why nothing accepts a connection at ``upstream``'s host and port, or None when it does.

    Only a warning at start-up: the API behind a gateway may well start after it.
    """
    parts = urlsplit(upstream)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return None
    except OSError as error:
        return (error.strerror or type(error).__name__).lower()


def run(
    app: Guard, sock: socket.socket, *, tls_cert: str | None = None, tls_key: str | None = None
) -> None:
    """Serve ``app`` on ``sock`` (from :func:`listen`) until interrupted.

    The Guard, not uvicorn, reads forwarding headers.
    """
    try:
        host, port = sock.getsockname()[:2]
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            ssl_certfile=tls_cert,
            ssl_keyfile=tls_key,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            lifespan="on",
            log_level="warning",
            timeout_graceful_shutdown=GRACE,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        app.close()


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; a port in use or a bad host is a ConfigError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        why = (error.strerror or str(error)).split(" (while attempting")[0]
        raise ConfigError(f"cannot listen on {host}:{port}: {why}") from None


def check_tls(cert: str, key: str) -> None:
    """Load the certificate and key once; files that are not a PEM pair are a ConfigError."""
    for path in (cert, key):
        if not Path(path).is_file():
            raise ConfigError("no such file", source=path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as error:
        raise ConfigError(
            f"--tls-cert/--tls-key: not a PEM certificate and its private key ({error.strerror or error})",
            source=cert,
        ) from None
