"""Helpers for the authentication checks' tests: scan one app with only the checks at hand."""

from __future__ import annotations

import asyncio
from typing import Any

from apiward.core.registry import Registry
from apiward.demo import IDENTITIES, running
from apiward.scan import Identity, Results, ScanConfig, load_identities, scan
from apiward.scan.check import AnyCheck
from apiward.scan.identities import Login
from apiward.spec import load


def scan_only(
    url: str,
    checks: list[AnyCheck],
    identities: tuple[Identity, ...],
    *,
    safe: bool = False,
    aggressive: bool = False,
) -> Results:
    """Scan the API at ``url`` (its /openapi.json) with ``checks`` only."""
    api = load(f"{url}/openapi.json", allow_private=True)
    config = ScanConfig(target=url, identities=identities, safe=safe, aggressive=aggressive)
    registry = Registry[AnyCheck]("check", ((c.id, c) for c in checks))
    return asyncio.run(scan(api, config, registry))


def scan_demo_only(checks: list[AnyCheck], *, fixed: bool, safe: bool = False) -> Results:
    """A fresh demo bank scanned with its identities and ``checks`` only."""
    with running(fixed=fixed) as url:
        return scan_only(url, checks, load_identities(str(IDENTITIES)), safe=safe)


def user(
    name: str, password: str, *, path: str = "/login", role: str = "user", **extra: Any
) -> Identity:
    """An identity that logs in with a JSON username/password body at ``path``."""
    body = {"username": name, "password": password}
    return Identity(
        name=name,
        role=role,
        login=Login(method="POST", path=path, body=body, **extra),
    )
