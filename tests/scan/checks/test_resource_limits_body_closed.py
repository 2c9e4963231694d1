"""resource_limits: a server that answers a huge body with 413 and closes at once.

Fastify (and nginx's ``client_max_body_size``) answer 413 as soon as the head says the body
is too long, then close the connection while the client is still sending it. The client sees
a reset, not the 413. That is a refusal of the body (bounded), not a target that went down:
no scan error, no finding, and the failures in a row that end a scan are not counted up.
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]

CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "stations", "version": "1"},
    "paths": {
        "/stations": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"name": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "checked"}},
            }
        }
    },
}
LIMIT = 64 * 1024


class _Handler(socketserver.BaseRequestHandler):
    """One request per connection; a body over LIMIT is refused before it is read."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(fields.get("content-length", "0"))
        if length > LIMIT:
            sock.sendall(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n")
            # Close with a reset while the client still sends, as a server refusing it does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        while len(body) < length:
            body += sock.recv(65536)
        if method == "GET" and path == "/openapi.json":
            answer = json.dumps(CONTRACT).encode()
        elif method == "POST" and path == "/stations":
            answer = json.dumps(
                {"ok": True, "name": json.loads(body or b"{}").get("name")}
            ).encode()
        else:
            sock.sendall(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            return
        sock.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
            + f"content-length: {len(answer)}\r\n\r\n".encode()
            + answer
        )


@pytest.fixture
def refusing() -> Iterator[str]:
    """The refusing server's URL."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler, bind_and_activate=False)
    # A small window: the client's 2 MiB cannot all sit in buffers before the reset comes.
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server.server_bind()
    server.server_activate()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_body_cut_off_by_the_server_is_a_refusal(
    apiward: Cli, refusing: str, tmp_path: Path
) -> None:
    """No scan error and no finding: the server bounded the body."""
    out = tmp_path / "out.json"
    result = apiward(
        "scan", "--spec", f"{refusing}/openapi.json", "--target", refusing,
        "--checks", "resource_limits", "--json", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(out.read_text())
    assert report["complete"] is True
    assert not [n for n in report["notes"] if n.startswith("scan error")], report["notes"]
    assert report["stats"]["errors"] == 0
    assert [f for f in report["findings"] if f["check"] == "resource_limits"] == []
