"""Servers that misbehave on purpose, on 127.0.0.1, each on its own ephemeral port.

Plain sockets, not an HTTP framework: these servers break HTTP the way real ones do
when they hang, crash or are something else entirely.

* ``hang``: accepts, reads the request, never answers.
* ``garbage``: answers bytes that are not HTTP, then closes.
* ``trickle``: a valid head, then the body one byte every 0.2 s, forever.
* ``huge``: a valid head, then a JSON list as fast as the socket takes it, without end.

A closed port is :func:`closed_port`: a port that was free a moment ago.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable

Behaviour = Callable[[socket.socket, threading.Event], None]


def _read_head(sock: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            return
        data += chunk


def _hang(sock: socket.socket, stop: threading.Event) -> None:
    _read_head(sock)
    stop.wait()


def _garbage(sock: socket.socket, stop: threading.Event) -> None:
    _read_head(sock)
    sock.sendall(b"\x00\xffSSH-2.0-not-http\r\n\x1b[2J" * 4)


def _trickle(sock: socket.socket, stop: threading.Event) -> None:
    _read_head(sock)
    sock.sendall(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n["
    )
    while not stop.wait(0.2):
        sock.sendall(b" ")


def _huge(sock: socket.socket, stop: threading.Event) -> None:
    _read_head(sock)
    sock.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n[")
    chunk = b'{"id": 1, "name": "an item among very many"},' * 2000
    while not stop.is_set():
        sock.sendall(chunk)


BEHAVIOURS: dict[str, Behaviour] = {
    "hang": _hang,
    "garbage": _garbage,
    "trickle": _trickle,
    "huge": _huge,
}


class HostileServer:
    """One misbehaving server in a thread; ``url`` is its base URL."""

    def __init__(self, behaviour: str) -> None:
        stop = self.stop_event = threading.Event()
        act = BEHAVIOURS[behaviour]
        self.requests = 0
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server.requests += 1
                with contextlib.suppress(OSError):  # the client gave up: what these are for
                    act(self.request, stop)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for_request(self, timeout: float = 30) -> bool:
        """True once a request has arrived (within ``timeout`` seconds)."""
        end = time.monotonic() + timeout
        while self.requests == 0 and time.monotonic() < end:
            time.sleep(0.02)
        return self.requests > 0

    def close(self) -> None:
        """Stop answering and release the port."""
        self.stop_event.set()
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A port nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
