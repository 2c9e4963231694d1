"""What a demo scan costs in requests, per check, beside what it finds.

    .venv/bin/python benchmarks/scan_requests.py [--top 15]

Scans a fresh vulnerable demo bank ``--aggressive`` (as ``apiward demo run`` and the recall
test do) and a fresh fixed twin with the default options (as the false-positive test does),
every built-in check, the demo's identities. Prints the total requests of both scans (the
figure issue 8 budgets: 900 or fewer), the requests of the checks that cost most, the
planted flaws found (strict: operation and CWE) and the fixed twin's findings of medium or
above. Requests are the scanner's own count (``stats["requests"]``), each attributed to the
phase or check that sent it. Nothing is stored: every figure is live.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections import Counter

from apiward.core.findings import Severity
from apiward.demo import IDENTITIES, load_ground_truth, missed, running
from apiward.scan import Results, ScanConfig, load_identities, scan
from apiward.scan.checks import builtin_checks
from apiward.spec import load

BUDGET = 900
"""Requests both demo scans together may cost (issue 8, §4)."""


def scan_bank(*, fixed: bool) -> Results:
    """One scan of a fresh bank: the vulnerable one --aggressive, the fixed one by default."""
    with running(fixed=fixed) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        identities = load_identities(str(IDENTITIES))
        config = ScanConfig(target=url, identities=identities, aggressive=not fixed)
        return asyncio.run(scan(api, config, builtin_checks()))


def by_check(results: Results) -> Counter[str]:
    """Requests per phase or check, from ``stats['requests.<who>']``."""
    return Counter(
        {
            key.removeprefix("requests."): int(value)
            for key, value in results.stats.items()
            if key.startswith("requests.")
        }
    )


def main() -> None:
    """Print totals, the costliest checks, recall and the fixed twin's alarms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="how many checks to list")
    top = parser.parse_args().top
    # The bank logs each 500 it answers to a malformed probe; the scan expects hundreds.
    logging.getLogger("apiward.demo").setLevel(logging.ERROR)
    vulnerable, fixed = scan_bank(fixed=False), scan_bank(fixed=True)
    flaws = load_ground_truth()
    lost = missed(vulnerable.findings, flaws)
    alarms = [f for f in fixed.findings if f.severity >= Severity.MEDIUM]
    total = int(vulnerable.stats["requests"]) + int(fixed.stats["requests"])
    print(
        f"requests: vulnerable {vulnerable.stats['requests']} + fixed {fixed.stats['requests']}"
        f" = {total} (budget {BUDGET} each scan)"
    )
    costs = by_check(vulnerable) + by_check(fixed)
    print(f"{'phase or check':<22}{'vulnerable':>11}{'fixed':>7}")
    for who, _ in costs.most_common(top):
        print(f"{who:<22}{by_check(vulnerable)[who]:>11}{by_check(fixed)[who]:>7}")
    print(
        f"recall: {len(flaws) - len(lost)}/{len(flaws)} strict"
        + (f" (missed: {', '.join(f.id for f in lost)})" if lost else "")
    )
    print(f"fixed twin: {len(alarms)} findings of medium or above")
    for alarm in alarms:
        print(f"  {alarm.severity} {alarm.check} {alarm.operation}: {alarm.title}")
    if vulnerable.errors or fixed.errors:
        print(f"scan errors: {[*vulnerable.errors, *fixed.errors]}")


if __name__ == "__main__":
    main()
