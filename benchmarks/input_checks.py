"""Requests and seconds each input-handling check (ssrf, unsafe_consumption, injections) costs on the demo bank.

Each check runs alone against a fresh vulnerable and a fresh fixed bank; the cost of
authentication and harvesting (a scan with no check, same run) is subtracted.
Run: ``.venv/bin/python benchmarks/input_checks.py``.
"""

from __future__ import annotations

import asyncio
import time

from apiward.core.registry import Registry
from apiward.demo import IDENTITIES, running
from apiward.scan import Results, ScanConfig, load_identities, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.command_injection import CommandInjection
from apiward.scan.checks.nosql_injection import NoSqlInjection
from apiward.scan.checks.path_traversal import PathTraversal
from apiward.scan.checks.sql_injection import SqlInjection
from apiward.scan.checks.ssrf import Ssrf
from apiward.scan.checks.template_injection import TemplateInjection
from apiward.scan.checks.unsafe_consumption import UnsafeConsumption
from apiward.spec import load

CHECKS: list[AnyCheck] = [
    Ssrf(),
    UnsafeConsumption(),
    SqlInjection(),
    NoSqlInjection(),
    CommandInjection(),
    TemplateInjection(),
    PathTraversal(),
]


def _scan(checks: list[AnyCheck], *, fixed: bool) -> tuple[Results, float]:
    with running(fixed=fixed) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=load_identities(str(IDENTITIES)))
        started = time.perf_counter()
        results = asyncio.run(scan(api, config, Registry("check", ((c.id, c) for c in checks))))
        return results, time.perf_counter() - started


def main() -> None:
    """Print one line per check and bank: extra requests, extra seconds, findings >= medium."""
    for fixed in (False, True):
        bank = "fixed" if fixed else "vulnerable"
        base, base_time = _scan([], fixed=fixed)
        print(f"{bank}: harvest alone {base.stats['requests']} requests, {base_time:.1f} s")
        for check in CHECKS:
            results, seconds = _scan([check], fixed=fixed)
            extra = int(results.stats["requests"]) - int(base.stats["requests"])
            serious = [
                f.operation
                for f in results.findings
                if f.severity.value in {"medium", "high", "critical"}
            ]
            print(
                f"  {check.id:20} {extra:5d} requests {seconds - base_time:5.1f} s  "
                f"findings>=medium {len(serious)} {sorted(set(serious))}"
            )


if __name__ == "__main__":
    main()
