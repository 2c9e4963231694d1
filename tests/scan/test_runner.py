"""The runner records every outcome a check yields: findings and skips side by side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Results, ScanConfig, scan
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


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items")
    def items() -> list[int]:
        return [1, 2]

    return app


def test_a_finding_does_not_hide_the_skips_of_the_same_run(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """A check that yields a finding and a skip has both in the results."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    check = _FindsAndSkips()
    registry: Registry[AnyCheck] = Registry("check", ((check.id, check),))
    results = Results()
    asyncio.run(scan(load(spec), ScanConfig(target=serve(_app()).url), registry, results))
    assert [f.check for f in results.findings] == ["finds_and_skips"]
    assert ("finds_and_skips", None) in results.ran
    assert [(s.check, s.detail) for s in results.skipped] == [("finds_and_skips", "no redeem flow")]


def test_requests_are_counted_by_phase_and_check(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """stats carry requests.<phase or check>, and they add up to the total."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    check = _FindsAndSkips()
    registry: Registry[AnyCheck] = Registry("check", ((check.id, check),))
    results = Results()
    asyncio.run(scan(load(spec), ScanConfig(target=serve(_app()).url), registry, results))
    by = {k: v for k, v in results.stats.items() if k.startswith("requests.")}
    assert by["requests.finds_and_skips"] == 1
    assert by["requests.harvest"] >= 1  # GET /items is a listing
    assert sum(int(v) for v in by.values()) == results.stats["requests"]
