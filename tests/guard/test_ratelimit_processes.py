"""Rate limits hold exactly across processes: 4 ``apiward guard`` gateways, one real Redis.

A burst of parallel requests from one client, spread over the 4 gateways in front of
the same upstream, is admitted at most ``LIMIT`` times in total (``INCR`` in Redis is
atomic), and exactly ``LIMIT`` times when nothing else refused a request.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

sys.path.insert(0, str(Path(__file__).parent))

from guard_app import echo_app

CONTRACT = Path(__file__).parent / "contract.yaml"
REDIS = "redis://127.0.0.1:6379"
GATEWAYS, REQUESTS, LIMIT = 4, 200, 25


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _policy(tmp: Path) -> Path:
    # The test client is the only untrusted hop: the guard keys limits on its X-Forwarded-For.
    path = tmp / "apiward.yaml"
    path.write_text(
        f"contract: {CONTRACT}\n"
        "transport: {trusted_proxies: ['127.0.0.1/32']}\n"
        f"ratelimit: {{storage: '{REDIS}', limits: ['{LIMIT}/minute']}}\n"
        "audit: {sink: stdout}\n"
    )
    return path


def _start(policy: Path, upstream: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    command = [sys.executable, "-m", "apiward", "guard", "--policy", str(policy)]
    command += ["--upstream", upstream, "--listen", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            # /nowhere is not in the contract: refused before any rate limit is counted.
            httpx.get(f"{url}/nowhere", timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(f"gateway {url} did not start (exit {process.poll()})")


@pytest.fixture
def gateways(tmp_path: Path, serve: Callable[[Any], Any]) -> Iterator[list[str]]:
    """Four gateway processes sharing one Redis, in front of one echo app."""
    upstream = serve(echo_app).url
    policy = _policy(tmp_path)
    started = [_start(policy, upstream, tmp_path / f"audit-{n}.jsonl") for n in range(GATEWAYS)]
    try:
        for process, url in started:
            _wait(url, process)
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def client_address() -> Iterator[str]:
    """An address unique to this run (its Redis keys are apart), removed from Redis after."""
    address = f"198.18.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    yield address
    store = redis.Redis.from_url(REDIS)
    for key in store.scan_iter(match=f"*{address}*"):
        store.delete(key)
    store.close()


async def _burst(urls: list[str], address: str) -> Counter[int]:
    headers = {"X-Forwarded-For": address}
    clients = [httpx.AsyncClient(base_url=url, timeout=30, headers=headers) for url in urls]
    try:
        answers = await asyncio.gather(
            *(clients[n % len(clients)].get("/items/1") for n in range(REQUESTS))
        )
    finally:
        for client in clients:
            await client.aclose()
    return Counter(answer.status_code for answer in answers)


@pytest.mark.timeout(120)
def test_four_gateways_admit_exactly_the_limit(gateways: list[str], client_address: str) -> None:
    """200 parallel requests over 4 processes: at most 25 admitted, exactly 25 if none failed."""
    statuses = asyncio.run(_burst(gateways, client_address))
    assert set(statuses) <= {200, 429, 503}, statuses
    assert statuses[200] <= LIMIT, statuses
    if statuses[503] == 0:
        assert statuses[200] == LIMIT, statuses
    assert sum(statuses.values()) == REQUESTS
