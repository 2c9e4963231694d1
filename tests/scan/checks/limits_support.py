"""Helpers for the resource-limit and business-flow checks' tests: scan with those checks only."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from apiward.core.registry import Registry
from apiward.demo import IDENTITIES, running
from apiward.scan import Identity, Results, ScanConfig, load_identities, scan
from apiward.scan.check import AnyCheck
from apiward.spec import load

# A valid promo code of the demo bank: test data a user gives with --value, as for any API.
DEMO_VALUES = {"code": "WELCOME50"}


def scan_only(
    url: str,
    checks: list[AnyCheck],
    identities: tuple[Identity, ...],
    *,
    safe: bool = False,
    aggressive: bool = False,
    values: Mapping[str, str] | None = None,
) -> Results:
    """Scan the API at ``url`` (its /openapi.json) with ``checks`` only."""
    api = load(f"{url}/openapi.json", allow_private=True)
    config = ScanConfig(
        target=url,
        identities=identities,
        safe=safe,
        aggressive=aggressive,
        values=dict(values or {}),
    )
    return asyncio.run(scan(api, config, Registry[AnyCheck]("check", ((c.id, c) for c in checks))))


def scan_demo_only(checks: list[AnyCheck], *, fixed: bool, **mode: bool) -> Results:
    """A fresh demo bank scanned with its identities, the demo's values and ``checks`` only
    (``safe=True``, ``aggressive=True`` as the scan takes them)."""
    with running(fixed=fixed) as url:
        identities = load_identities(str(IDENTITIES))
        return scan_only(url, checks, identities, values=DEMO_VALUES, **mode)


def token_user(name: str, token: str, role: str = "user") -> Identity:
    """An identity that sends a fixed bearer token."""
    return Identity(name=name, role=role, headers={"Authorization": f"Bearer {token}"})


def on(results: Results, check: str) -> dict[str, str]:
    """Operation → highest severity of ``check``'s findings."""
    found: dict[str, str] = {}
    for f in sorted(results.findings, key=lambda f: f.severity.rank):
        if f.check == check and f.operation:
            found[f.operation] = f.severity.value
    return found
