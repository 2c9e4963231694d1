"""Serving the gateway under uvicorn: what ``apiward guard`` runs."""

from __future__ import annotations

import uvicorn

from apiward.guard.asgi import Guard
from apiward.guard.gateway import Gateway
from apiward.guard.policy import Policy


def gateway_app(policy: Policy, *, upstream: str, spec: str | None) -> Guard:
    """The Guard in front of a Gateway to ``upstream``."""
    return Guard(Gateway(upstream), policy=policy, api=spec)


def run(
    app: Guard, *, host: str, port: int, tls_cert: str | None = None, tls_key: str | None = None
) -> None:
    """Serve ``app`` until interrupted; the Guard, not uvicorn, reads forwarding headers."""
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
    )
    try:
        uvicorn.Server(config).run()
    finally:
        app.close()
