"""A target that resets, never answers or speaks garbage ends the scan with a TargetError and partial results."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from apiward.core.errors import TargetError
from apiward.scan import Identity, Scan, ScanConfig
from apiward.scan.check import SkipReason
from apiward.scan.checks import BUILTIN, Check, builtin_checks
from apiward.spec import load

SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items:
    get:
      responses: {'200': {description: ok}}
  /items/{item_id}:
    get:
      parameters: [{name: item_id, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
"""


def _reset(conn: socket.socket) -> None:
    # SO_LINGER 0: close sends RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _silent(conn: socket.socket) -> None:
    conn.recv(65536)
    threading.Event().wait(3)
    conn.close()


def _garbage(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"\x00\x01garbage that is not HTTP\r\n\r\n")
    conn.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """A raw TCP server on 127.0.0.1 that treats every connection with the given behaviour."""
    servers: list[socket.socket] = []

    def start(behaviour: Callable[[socket.socket], None]) -> str:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        servers.append(server)

        def loop() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                threading.Thread(target=behaviour, args=(conn,), daemon=True).start()

        threading.Thread(target=loop, daemon=True).start()
        return f"http://127.0.0.1:{server.getsockname()[1]}"

    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize(
    "behaviour", [_reset, _silent, _garbage], ids=["reset", "never-answers", "garbage"]
)
def test_dying_target_gives_target_error_and_partial_results(
    raw_server: Callable[[Callable[[socket.socket], None]], str],
    behaviour: Callable[[socket.socket], None],
    tmp_path: Path,
) -> None:
    """The scan stops with a TargetError; results are partial and every check left is skipped."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    url = raw_server(behaviour)
    config = ScanConfig(target=url, timeout=0.3)
    scanning = Scan(load(spec), config, builtin_checks())
    with pytest.raises(TargetError, match="cannot reach the target"):
        asyncio.run(scanning.run())
    results = scanning.results
    assert results.complete is False
    api = load(spec)
    per_operation = sum(isinstance(c, Check) for c in BUILTIN)
    expected = per_operation * len(api.operations) + len(BUILTIN) - per_operation
    assert results.skip_counts()[SkipReason.TARGET_DOWN.value] == expected
    assert results.stats["requests"] == 1


SECURED = SPEC.replace(
    "paths:",
    "components: {securitySchemes: {key: {type: apiKey, in: header, name: X-Key}}}\n"
    "security: [{key: []}]\npaths:",
)


def test_target_that_dies_midway_stops_the_scan(
    raw_server: Callable[[Callable[[socket.socket], None]], str], tmp_path: Path
) -> None:
    """After three failures in a row the target is down: the scan stops, partial, with skips."""
    answered = threading.Semaphore(1)

    def once_then_reset(conn: socket.socket) -> None:
        if answered.acquire(blocking=False):
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            conn.close()
        else:
            _reset(conn)

    spec = tmp_path / "spec.yaml"
    spec.write_text(SECURED)
    identity = Identity(name="ci", headers={"X-Key": "k-123456"})
    config = ScanConfig(target=raw_server(once_then_reset), identities=(identity,), timeout=0.5)
    scanning = Scan(load(spec), config, builtin_checks())
    with pytest.raises(TargetError, match="stopped answering"):
        asyncio.run(scanning.run())
    results = scanning.results
    assert results.complete is False
    assert SkipReason.TARGET_DOWN.value in results.skip_counts()
