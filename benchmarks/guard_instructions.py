"""What the guard costs in instructions: the figure a loaded machine cannot move.

    .venv/bin/python benchmarks/guard_instructions.py [--requests 1000] [--served]

Runs itself under ``valgrind --tool=callgrind`` (which must be installed) and counts
the instructions per request of the bare app and of the full policy, in-process, for
the same GET and POST as guard_overhead.py. Each app is warmed up first; its counters
are then zeroed and dumped around the measured requests with ``callgrind_control``,
so start-up never enters the figure. Valgrind emulates the CPU, so the figures
weigh C code (hashing above all) differently from real hardware: compare them with
each other, not with microseconds.

``--served`` counts the same way inside a uvicorn server process (guard_overhead.py's
``--serve`` apps, h11 and, when installed, httptools): ``--requests`` keep-alive GETs
on one connection after a warm-up. Served and in-process counts of the guard agree
but for uvicorn's handling of the headers the policy adds, so the time a served guard
costs beyond its in-process figure is not more work; kernel time and colder caches
are not counted here.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import guard_overhead

CASES = (("GET", "/items/7", b""), ("POST", "/items", guard_overhead.POST_BODY))
APPS = ("bare app", "full policy")
WARM_UP = 100


def measure(requests: int) -> None:
    """Run the child under callgrind and print instructions per request."""
    valgrind = shutil.which("valgrind")
    if valgrind is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind (callgrind) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg"
        subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--child",
                "--requests",
                str(requests),
            ],
            check=True,
            capture_output=True,
        )
        counts = dict(_read(dump, requests) for dump in Path(tmp).glob("cg.*"))
    print(f"instructions per request, in-process (callgrind, {requests} requests after warm-up)")
    for method, _, _ in CASES:
        bare, full = counts[f"{method}-0"], counts[f"{method}-1"]
        print(f"  {method:<5} bare app {bare:9,}   full policy {full:9,}   added {full - bare:9,}")


def _read(dump: Path, requests: int) -> tuple[str, int]:
    label, total = "", 0
    for line in dump.read_text().splitlines():
        if line.startswith("desc: Trigger:"):
            label = line.split()[-1]
        elif line.startswith("summary:"):
            total = int(line.split()[1])
    return label, total // requests


def child(requests: int) -> None:
    """Under callgrind: warm each app up, then count ``requests`` of it between dumps."""
    pid = str(os.getpid())
    control = shutil.which("callgrind_control") or "callgrind_control"
    with tempfile.TemporaryDirectory() as tmp:
        policies = guard_overhead.policies(Path(tmp))
        api = guard_overhead.load(guard_overhead.CONTRACT)
        apps: list[Any] = [guard_overhead.bare, guard_overhead._guard(policies[APPS[1]], api)]
        for method, path, body in CASES:
            for index, app in enumerate(apps):
                asyncio.run(_run(app, method, path, body, WARM_UP))
                subprocess.run([control, "-z", pid], check=True, capture_output=True)
                asyncio.run(_run(app, method, path, body, requests))
                label = f"{method}-{index}"
                subprocess.run([control, "-d", label, pid], check=True, capture_output=True)


async def _run(app: Any, method: str, path: str, body: bytes, n: int) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    for _ in range(n):
        await app(guard_overhead._scope(method, path, body), receive, send)


def served(requests: int) -> None:
    """Instructions per request of each guard_overhead.py app served by uvicorn."""
    parsers = ["h11"] + (["httptools"] if importlib.util.find_spec("httptools") else [])
    for http in parsers:
        print(f"instructions per request through uvicorn ({http}), {requests} keep-alive GETs")
        counts = {kind: _served(kind, http, requests) for kind in guard_overhead.KINDS}
        for kind, count in counts.items():
            base = counts["fastapi" if kind.startswith("fastapi") else "bare"]
            print(f"  {kind:<16} {count:11,}   ratio {base / count:4.0%}")


def _served(kind: str, http: str, requests: int) -> int:
    valgrind, control = _tools()
    with tempfile.TemporaryDirectory() as tmp:
        out, port = Path(tmp) / "cg", guard_overhead._free_port()
        command = [sys.executable, guard_overhead.__file__, "--serve", kind, "--http", http]
        server = subprocess.Popen(
            [
                valgrind,
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                *command,
                "--port",
                str(port),
                "--log",
                f"{tmp}/audit.jsonl",
            ],
            stderr=subprocess.DEVNULL,
        )
        try:
            connection = _connect(port)
            reader = connection.makefile("rb")
            for _ in range(WARM_UP * 3):
                _get(connection, reader)
            pid = str(server.pid)
            subprocess.run([control, "-z", pid], check=True, capture_output=True)
            for _ in range(requests):
                _get(connection, reader)
            subprocess.run([control, "-d", "served", pid], check=True, capture_output=True)
            connection.close()
        finally:
            server.terminate()
            server.wait(timeout=60)
        return dict(_read(dump, requests) for dump in Path(tmp).glob("cg.*"))["served"]


def _tools() -> tuple[str, str]:
    valgrind, control = shutil.which("valgrind"), shutil.which("callgrind_control")
    if valgrind is None or control is None:
        sys.exit("valgrind (callgrind) is not installed")
    return valgrind, control


def _connect(port: int) -> socket.socket:
    deadline = time.monotonic() + 300  # Python under valgrind starts slowly (minutes when loaded)
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _get(connection: socket.socket, reader: Any) -> None:
    connection.sendall(b"GET /items/7 HTTP/1.1\r\nhost: bench\r\n\r\n")
    length = 0
    while (line := reader.readline()) != b"\r\n":
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    reader.read(length)


def main() -> None:
    """Measure, or (``--child``) be the process callgrind measures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--served", action="store_true")
    args = parser.parse_args()
    if args.served:
        served(args.requests)
    elif args.child:
        child(args.requests)
    else:
        measure(args.requests)


if __name__ == "__main__":
    main()
