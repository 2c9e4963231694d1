"""Serve a zoo app (ASGI or WSGI) on 127.0.0.1 with an ephemeral port, in a thread or a process.

A process is for apps whose flaw stalls the interpreter (a slow regex holds the GIL, so a
client in the same process could not even time out): ``python zoo_serve.py MODULE
secure|vulnerable`` prints its URL on the first line and serves until it is terminated.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# tests/serving.py, also when this file runs as a script or from benchmarks/zoo_recall.py.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serving import serving as _serving


@contextmanager
def serving(app: Any, *, wsgi: bool = False) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL.

    uvicorn's proxy headers are off: every client here is 127.0.0.1, which uvicorn would
    trust to name the client in X-Forwarded-For, making every app's own address check
    spoofable.
    """
    with _serving(app, wsgi=wsgi, proxy_headers=False) as url:
        yield url


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
