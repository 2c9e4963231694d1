"""Serving a Flask app for a scan test (imported by name: tests have no packages)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server


class _Quiet(WSGIRequestHandler):
    def log(self, *args: Any) -> None:
        """Keep the test output to the test's own."""


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Flask's own WSGI server on 127.0.0.1 with an ephemeral port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
