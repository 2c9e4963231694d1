"""The vulnerable demo bank behind the guard, as middleware, with the shipped policy (guard.yaml).

    guarded_app()                  the bank with ``Guard`` added as its outermost middleware
    serve_guarded_forever(sock)    what ``apiward demo serve --guarded`` runs

Only the vulnerable bank: its tokens are HS256 with the (planted, public) secret
``"secret"``, which the policy's authentication verifies through ``BANK_JWT_SECRET``;
the fixed twin signs with a random key it never shows, so a guard could not verify it.
uvicorn's own proxy-header handling is off: the guard decides who the client is.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from importlib import resources
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from apiward.demo.app import create_app
from apiward.demo.server import HOST
from apiward.demo.tokens import WEAK_SECRET
from apiward.guard import Guard, Policy

GUARD_POLICY = resources.files("apiward.demo").joinpath("guard.yaml")
GUARD_CONTRACT = resources.files("apiward.demo").joinpath("bank-openapi.json")
SECRET_ENV = "BANK_JWT_SECRET"


def load_policy(*, audit: str | None = None) -> Policy:
    """The shipped demo policy; ``audit`` replaces its sink (stdout) with a path or URL."""
    policy = Policy.load(str(GUARD_POLICY))
    if audit is None:
        return policy
    return dataclasses.replace(policy, audit=dataclasses.replace(policy.audit, sink=audit))


def guarded_app(*, data_dir: Path | None = None, audit: str | None = None) -> FastAPI:
    """The vulnerable bank with the guard in front of every route, as middleware.

    The guard is added with ``add_middleware`` so that its hooks find the bank in
    ``scope["app"]``. ``BANK_JWT_SECRET`` defaults to the vulnerable bank's secret.
    """
    os.environ.setdefault(SECRET_ENV, WEAK_SECRET)
    app = create_app(data_dir=data_dir)
    app.add_middleware(Guard, policy=load_policy(audit=audit))
    return app


def server(app: FastAPI) -> uvicorn.Server:
    """A uvicorn server for a guarded app: forwarding headers are the guard's business."""
    config = uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False)
    return uvicorn.Server(config)


def serve_guarded_forever(
    sock: socket.socket, *, audit: str | None = None, app: FastAPI | None = None
) -> None:
    """Serve the guarded vulnerable bank (``app``, or a new one) on ``sock`` until interrupted.

    ``sock`` comes from ``apiward.demo.server.bind``; it is closed when serving ends.
    """
    try:
        server(app if app is not None else guarded_app(audit=audit)).run(sockets=[sock])
    finally:
        sock.close()


__all__ = [
    "GUARD_CONTRACT",
    "GUARD_POLICY",
    "HOST",
    "guarded_app",
    "load_policy",
    "serve_guarded_forever",
]
