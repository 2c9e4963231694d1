"""Helpers for the scanner's tests (imported by name: tests have no packages)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from apiward.demo import IDENTITIES, running
from apiward.demo.seed import USERS
from apiward.scan import Results, ScanConfig, load_identities, scan
from apiward.scan.checks import builtin_checks
from apiward.spec import load


def scan_demo(
    *,
    fixed: bool,
    safe: bool = False,
    aggressive: bool = False,
    values: Mapping[str, str] | None = None,
) -> Results:
    """Scan a fresh demo bank with its identities and every built-in check."""
    with running(fixed=fixed) as url:
        return scan_demo_at(url, safe=safe, aggressive=aggressive, values=values)


def scan_demo_at(
    url: str,
    *,
    safe: bool = False,
    aggressive: bool = False,
    values: Mapping[str, str] | None = None,
) -> Results:
    """Scan the demo bank served at ``url`` with its identities and every built-in check."""
    api = load(f"{url}/openapi.json", allow_private=True)
    identities = load_identities(str(IDENTITIES))
    config = ScanConfig(
        target=url, identities=identities, safe=safe, aggressive=aggressive, values=values or {}
    )
    return asyncio.run(scan(api, config, builtin_checks()))


def bank_users(url: str) -> dict[str, dict[str, Any]]:
    """Every seed user's record on the demo bank at ``url``, as its admin reads it."""
    login = {"username": "admin", "password": USERS["admin"][1]}
    token = httpx.post(f"{url}/api/v2/auth/login", json=login).json()["access_token"]
    users = httpx.get(
        f"{url}/api/v2/admin/users", headers={"Authorization": f"Bearer {token}"}
    ).json()
    return {u["username"]: u for u in users if u["username"] in USERS}


@dataclass(frozen=True, slots=True)
class FixedBankScan:
    """The default scan of a fresh fixed bank, and its seed users before and after it."""

    results: Results
    users_before: dict[str, dict[str, Any]]
    users_after: dict[str, dict[str, Any]]
