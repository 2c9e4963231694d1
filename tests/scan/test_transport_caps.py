"""--rate and --concurrency, measured where they matter: on the server's own clock and counter."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.scan import Results, ScanConfig, scan
from apiward.scan.checks import builtin_checks
from apiward.spec import load

SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
""" + "".join(
    f"""  /r{n}:
    get:
      parameters: [{{name: q, in: query, schema: {{type: string}}}}]
      responses: {{'200': {{description: ok}}}}
  /r{n}/{{item_id}}:
    get:
      parameters: [{{name: item_id, in: path, required: true, schema: {{type: integer}}}}]
      responses: {{'200': {{description: ok}}}}
"""
    for n in range(3)
)
# Checks that send several requests per operation, side by side.
CHECKS = ("sql_injection", "error_disclosure", "cors")


class _Recorder:
    """A target that notes when each request arrives and how many are in flight."""

    def __init__(self, delay: float = 0.0) -> None:
        self.arrivals: list[float] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.delay = delay

    async def answer(self, request: Request) -> JSONResponse:
        self.arrivals.append(time.monotonic())
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            return JSONResponse([{"id": 1, "name": "x"}])
        finally:
            self.in_flight -= 1

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.answer, methods=["GET", "POST"])])


def _scan(url: str, tmp_path: Path, **caps: Any) -> Results:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    config = ScanConfig(target=url, checks=CHECKS, **caps)
    return asyncio.run(scan(load(spec), config, builtin_checks()))


def _busiest_window(arrivals: list[float], window: float) -> int:
    """Most arrivals in any window of ``window`` seconds that starts at an arrival."""
    times = sorted(arrivals)
    return max(sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times))


def test_rate_caps_requests_per_second_on_the_server_clock(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """With --rate R, no window of W seconds sees more than ceil(R*W)+1 requests arriving."""
    recorder = _Recorder()
    rate, window = 40.0, 0.25
    results = _scan(serve(recorder.app()).url, tmp_path, rate=rate, concurrency=8)
    assert results.complete
    assert len(recorder.arrivals) >= 30, "too few requests to measure a rate"
    assert _busiest_window(recorder.arrivals, window) <= math.ceil(rate * window) + 1
    # And every stretch of 10 requests spans at least 8 intervals (jitter may bunch two).
    times = sorted(recorder.arrivals)
    assert min(b - a for a, b in zip(times, times[10:], strict=False)) >= 8 / rate


@pytest.mark.parametrize("limit", [1, 3], ids=["one", "three"])
def test_concurrency_caps_requests_in_flight(
    serve: Callable[[Any], Any], tmp_path: Path, limit: int
) -> None:
    """With --concurrency N, the server never has more than N of the scanner's requests open."""
    # 50 ms per answer: requests sent side by side must overlap even on a busy machine.
    recorder = _Recorder(delay=0.05)
    results = _scan(serve(recorder.app()).url, tmp_path, concurrency=limit)
    assert results.complete
    assert len(recorder.arrivals) >= 30
    assert recorder.most_in_flight <= limit
    assert recorder.most_in_flight == limit, "the scan never used the parallelism it was given"
