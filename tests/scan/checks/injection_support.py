"""Helpers for the input-handling checks' tests: scan a demo bank or a tiny app with chosen checks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi import FastAPI

from apiward.core.findings import Finding, Severity
from apiward.core.registry import Registry
from apiward.demo import IDENTITIES, running
from apiward.scan import Identity, Results, ScanConfig, load_identities, scan
from apiward.scan.check import AnyCheck
from apiward.spec import load
from serving import serving


def registry(checks: Sequence[AnyCheck]) -> Registry[AnyCheck]:
    """A registry of just ``checks``."""
    return Registry("check", ((c.id, c) for c in checks))


def scan_url(
    url: str,
    checks: Sequence[AnyCheck],
    identities: tuple[Identity, ...] = (),
    *,
    safe: bool = False,
    aggressive: bool = False,
) -> Results:
    """Scan the API at ``url`` (its /openapi.json) with ``checks``."""
    api = load(f"{url}/openapi.json", allow_private=True)
    config = ScanConfig(target=url, identities=identities, safe=safe, aggressive=aggressive)
    return asyncio.run(scan(api, config, registry(checks)))


def scan_bank(
    checks: Sequence[AnyCheck], *, fixed: bool, safe: bool = False, aggressive: bool = False
) -> Results:
    """Scan a fresh demo bank (vulnerable or fixed) with its identities and ``checks``."""
    with running(fixed=fixed) as url:
        identities = load_identities(str(IDENTITIES))
        return scan_url(url, checks, identities, safe=safe, aggressive=aggressive)


def scan_app(
    app: FastAPI, checks: Sequence[AnyCheck], *, safe: bool = False, aggressive: bool = False
) -> Results:
    """Scan a tiny app, anonymously, with ``checks``."""
    with serving(app) as url:
        return scan_url(url, checks, safe=safe, aggressive=aggressive)


def found(results: Results, check: str, *, at_least: Severity = Severity.MEDIUM) -> list[Finding]:
    """``check``'s findings at or above ``at_least``."""
    order = list(Severity)
    return [
        f
        for f in results.findings
        if f.check == check and order.index(f.severity) >= order.index(at_least)
    ]
