"""Serve a zoo app (ASGI or WSGI) on 127.0.0.1 with an ephemeral port, in a thread or a process.

A process is for apps whose flaw stalls the interpreter (a slow regex holds the GIL, so a
client in the same process could not even time out): ``python zoo_serve.py MODULE
secure|vulnerable`` prints its URL on the first line and serves until it is terminated.
"""

from __future__ import annotations

import importlib
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from werkzeug.serving import make_server

START_TIMEOUT = 15.0


@contextmanager
def serving(app: Any, *, wsgi: bool = False) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL."""
    runner = _wsgi if wsgi else _asgi
    with runner(app) as url:
        yield url


@contextmanager
def _asgi(app: Any) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default, and every client here is
    # 127.0.0.1: that would make every app's own address check spoofable.
    config = uvicorn.Config(app, log_level="warning", lifespan="off", proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@contextmanager
def _wsgi(app: Any) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()


@contextmanager
def serving_process(module: str, *, secure: bool, wsgi: bool) -> Iterator[str]:
    """Serve ``module.create_app(secure=...)`` in a child process; yields its base URL."""
    mode = "secure" if secure else "vulnerable"
    command = [sys.executable, str(Path(__file__)), module, mode, "wsgi" if wsgi else "asgi"]
    quiet = subprocess.DEVNULL  # the apps log their planted errors
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=quiet, text=True) as child:
        try:
            url = child.stdout.readline().strip() if child.stdout else ""
            if not url.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"{module} did not start")
            yield url
        finally:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _serve_forever(module: str, mode: str, kind: str) -> None:
    app = importlib.import_module(module).create_app(secure=mode == "secure")
    with serving(app, wsgi=kind == "wsgi") as url:
        print(url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    _serve_forever(*sys.argv[1:4])
