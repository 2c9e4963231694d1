"""Advisories from the OSV API: ``/v1/querybatch`` for ids, then ``/v1/vulns/{id}`` for records.

The service URL comes from ``--osv-url`` or ``APIWARD_OSV_URL`` (default
https://api.osv.dev), so a mirror or a test double can stand in. An unreachable or
failing service is a TargetError: one line, exit code 2, never a partial "clean" result.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import httpx

from apiward.audit.deps.osv import Advisory, parse_record
from apiward.audit.deps.packages import Package
from apiward.core.errors import TargetError
from apiward.core.urls import http_url

DEFAULT_URL = "https://api.osv.dev"
BATCH = 1000  # the API's limit on queries per batch
TIMEOUT = 30.0


def service_url(given: str | None = None) -> str:
    """The OSV service to ask: the option, else ``APIWARD_OSV_URL``, else api.osv.dev."""
    what, url = (
        ("--osv-url", given) if given else ("APIWARD_OSV_URL", os.environ.get("APIWARD_OSV_URL"))
    )
    if not url:
        return DEFAULT_URL
    http_url(url, what)
    return url.rstrip("/")


def fetch_advisories(packages: Sequence[Package], *, url: str | None = None) -> list[Advisory]:
    """Every advisory the OSV API knows for these exact package versions."""
    base = service_url(url)
    with httpx.Client(timeout=TIMEOUT) as client:
        ids: set[str] = set()
        for start in range(0, len(packages), BATCH):
            ids |= _query(client, base, packages[start : start + BATCH])
        return [
            parse_record(_get(client, f"{base}/v1/vulns/{i}"), source=f"{base}/v1/vulns/{i}")
            for i in sorted(ids)
        ]


def _query(client: httpx.Client, base: str, packages: Sequence[Package]) -> set[str]:
    queries = [
        {"package": {"name": p.key, "ecosystem": "PyPI"}, "version": p.version} for p in packages
    ]
    answer = _call(client, "POST", f"{base}/v1/querybatch", json={"queries": queries})
    return {
        str(vuln["id"])
        for result in answer.get("results", [])
        for vuln in (result or {}).get("vulns", []) or []
        if isinstance(vuln, dict) and "id" in vuln
    }


def _get(client: httpx.Client, url: str) -> dict[str, Any]:
    return _call(client, "GET", url)


def _call(client: httpx.Client, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        raise TargetError(f"vulnerability service unreachable: {reason}", source=url) from None
    if response.status_code != 200:
        raise TargetError(f"vulnerability service answered HTTP {response.status_code}", source=url)
    try:
        data = response.json()
    except ValueError:
        raise TargetError("vulnerability service answered with invalid JSON", source=url) from None
    if not isinstance(data, dict):
        raise TargetError(
            "vulnerability service answered with something other than an object", source=url
        )
    return data
