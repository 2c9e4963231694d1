"""Serving the demo bank on 127.0.0.1: in a background thread, or in the foreground."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from apiward.core.errors import ConfigError
from apiward.demo.app import create_app

HOST = "127.0.0.1"  # the demo is vulnerable on purpose: never bind anything wider
START_TIMEOUT = 15.0


def bind(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:``port`` (0: any free one); a port in use is a ConfigError."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {HOST}:{port}: {error.strerror}") from error
    return sock


def _server(app: FastAPI, *, proxy_headers: bool = True) -> uvicorn.Server:
    config = uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=proxy_headers)
    return uvicorn.Server(config)


@contextmanager
def running(*, fixed: bool = False, port: int = 0, data_dir: Path | None = None) -> Iterator[str]:
    """Serve a fresh demo bank on 127.0.0.1 in a thread; yields its base URL."""
    with serving(create_app(fixed=fixed, data_dir=data_dir), port=port) as url:
        yield url


@contextmanager
def serving(app: FastAPI, *, port: int = 0, proxy_headers: bool = True) -> Iterator[str]:
    """Serve a demo bank app on 127.0.0.1 in a thread; yields its base URL.

    ``proxy_headers=False`` is uvicorn's ``--no-proxy-headers``: by default uvicorn takes
    the client address from ``X-Forwarded-For`` when the connection comes from 127.0.0.1,
    which is where every test client is.
    """
    sock = bind(port)
    server = _server(app, proxy_headers=proxy_headers)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the demo bank did not start")
            time.sleep(0.01)
        yield f"http://{HOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_forever(sock: socket.socket, *, fixed: bool = False) -> None:
    """Serve a fresh demo bank on ``sock`` (from :func:`bind`) until interrupted; closes it.

    The caller binds first, so a port in use is an error before anything says it serves.
    """
    try:
        _server(create_app(fixed=fixed)).run(sockets=[sock])
    finally:
        sock.close()
