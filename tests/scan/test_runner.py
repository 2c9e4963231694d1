"""The runner returns what a scan found: every outcome a check yields, partial results too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Scan, ScanConfig, scan
from apiward.scan.check import AnyCheck, Outcome, Skip, SkipReason
from apiward.scan.context import Context
from apiward.spec import load

SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items:
    get:
      responses: {'200': {description: ok}}
"""


class _FindsAndSkips:
    """A once-per-scan check that finds one flaw and could not test another part."""

    id = "finds_and_skips"
    title = "t"
    owasp = "API6:2023"
    cwe = ""
    safe = True
    remediation = "r"

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """One finding on the listing, then a skip for a flow the API does not have."""
        reply = await ctx.send(ctx.request(ctx.api.operations[0]), as_=None)
        yield ctx.finding(
            self, ctx.api.operations[0], title="t", severity=Severity.LOW, detail="d",
            evidence=[reply],
        )  # fmt: skip
        yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no redeem flow")


class _Hangs:
    """A once-per-scan check that never ends, so the test can cut the scan short."""

    id = "hangs"
    title = "t"
    owasp = "API4:2023"
    cwe = ""
    safe = True
    remediation = "r"

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Say it started, then wait for ever."""
        self.started.set()
        await asyncio.Event().wait()
        yield Skip(reason=SkipReason.NOT_APPLICABLE)


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items")
    def items() -> list[int]:
        return [1, 2]

    return app


def _registry(*checks: AnyCheck) -> Registry[AnyCheck]:
    return Registry("check", ((check.id, check) for check in checks))


def test_a_cancelled_scan_leaves_its_results_so_far_on_the_scan(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """Cancelled (Ctrl-C), run() re-raises; Scan.results keep the finding, the rest is skipped."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    hangs = _Hangs()
    scanning = Scan(
        load(spec), ScanConfig(target=serve(_app()).url), _registry(_FindsAndSkips(), hangs)
    )

    async def cut_short() -> None:
        task = asyncio.create_task(scanning.run())
        await hangs.started.wait()
        task.cancel()
        await task

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cut_short())
    results = scanning.results
    assert results.complete is False
    assert [f.check for f in results.findings] == ["finds_and_skips"]
    assert ("hangs", SkipReason.INTERRUPTED.value) in {(s.check, s.reason) for s in results.skipped}


def test_a_scan_runs_once(serve: Callable[[Any], Any], tmp_path: Path) -> None:
    """A second run() of the same Scan is refused before anything is sent."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    scanning = Scan(load(spec), ScanConfig(target=serve(_app()).url), _registry(_FindsAndSkips()))
    assert asyncio.run(scanning.run()) is scanning.results
    with pytest.raises(RuntimeError, match="runs once"):
        asyncio.run(scanning.run())


def test_a_finding_does_not_hide_the_skips_of_the_same_run(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """A check that yields a finding and a skip has both in the results."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    registry = _registry(_FindsAndSkips())
    results = asyncio.run(scan(load(spec), ScanConfig(target=serve(_app()).url), registry))
    assert [f.check for f in results.findings] == ["finds_and_skips"]
    assert ("finds_and_skips", None) in results.ran
    assert [(s.check, s.detail) for s in results.skipped] == [("finds_and_skips", "no redeem flow")]


def test_requests_are_counted_by_phase_and_check(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """stats carry requests.<phase or check>, and they add up to the total."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    registry = _registry(_FindsAndSkips())
    results = asyncio.run(scan(load(spec), ScanConfig(target=serve(_app()).url), registry))
    by = {k: v for k, v in results.stats.items() if k.startswith("requests.")}
    assert by["requests.finds_and_skips"] == 1
    assert by["requests.harvest"] >= 1  # GET /items is a listing
    assert sum(int(v) for v in by.values()) == results.stats["requests"]
