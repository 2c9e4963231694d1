"""Serve a test's app on 127.0.0.1 at an ephemeral port, in a thread, until a block ends.

ASGI apps run under uvicorn, WSGI apps (Flask, Django) under werkzeug's own server: what
their users run in development. Imported by name (tests have no packages): ``tests/`` is
on the path beside its conftest.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from werkzeug.serving import WSGIRequestHandler, make_server

HOST = "127.0.0.1"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 30.0


@contextmanager
def serving(app: Any, *, wsgi: bool = False, proxy_headers: bool = True) -> Iterator[str]:
    """Serve ``app`` (ASGI, or WSGI with ``wsgi=True``) until the block ends; yields its URL.

    ``proxy_headers=False`` is uvicorn's ``--no-proxy-headers``: by default uvicorn takes
    the client address from ``X-Forwarded-For`` when the connection comes from 127.0.0.1,
    which is where every test client is, so an app's own address check would be spoofable.
    """
    runner = _wsgi(app) if wsgi else _asgi(app, proxy_headers=proxy_headers)
    with runner as url:
        yield url


@contextmanager
def _asgi(app: Any, *, proxy_headers: bool) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="auto", proxy_headers=proxy_headers)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://{HOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_TIMEOUT)
        sock.close()


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No line per request: the test's output stays its own (errors are still logged)."""


@contextmanager
def _wsgi(app: Any) -> Iterator[str]:
    server = make_server(HOST, 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=STOP_TIMEOUT)
        server.server_close()
