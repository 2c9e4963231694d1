"""Scanning tiny apps with one check (imported by name: tests have no packages)."""

from __future__ import annotations

import asyncio
from typing import Any

from apiward.core.registry import Registry
from apiward.demo import IDENTITIES, running
from apiward.scan import Identity, Results, ScanConfig, load_identities, scan
from apiward.scan.check import AnyCheck
from apiward.spec import load


def scan_app(
    url: str, check: AnyCheck, identities: tuple[Identity, ...], **options: Any
) -> Results:
    """Scan the app at ``url`` (its contract at ``/openapi.json``) with ``check`` alone."""
    api = load(f"{url}/openapi.json", allow_private=True)
    config = ScanConfig(target=url, identities=identities, **options)
    return asyncio.run(scan(api, config, Registry("check", [(check.id, check)])))


def key(name: str, role: str) -> Identity:
    """An identity that sends ``X-API-Key: key-<name>``."""
    return Identity(name=name, role=role, headers={"X-API-Key": f"key-{name}"})


def scan_demo_with(check: AnyCheck, *, fixed: bool, safe: bool = False) -> Results:
    """Scan a fresh demo bank with its identities and ``check`` alone (fast, and isolated)."""
    with running(fixed=fixed) as url:
        identities = load_identities(str(IDENTITIES))
        return scan_app(url, check, identities, safe=safe)
