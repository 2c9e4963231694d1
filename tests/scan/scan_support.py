"""Helpers for the scanner's tests (imported by name: tests have no packages)."""

from __future__ import annotations

import asyncio

from apiward.demo import IDENTITIES, running
from apiward.scan import Results, ScanConfig, load_identities, scan
from apiward.scan.checks import builtin_checks
from apiward.spec import load


def scan_demo(*, fixed: bool, safe: bool = False, aggressive: bool = False) -> Results:
    """Scan a fresh demo bank with its identities and every built-in check."""
    with running(fixed=fixed) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        identities = load_identities(str(IDENTITIES))
        config = ScanConfig(target=url, identities=identities, safe=safe, aggressive=aggressive)
        results = Results()
        asyncio.run(scan(api, config, builtin_checks(), results))
        return results
