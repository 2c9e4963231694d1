"""Audit every spec of the real-world corpus: per-rule counts, top weaknesses, time per spec.

Load time (reading and modelling the spec) is measured apart from audit time
(preparing the schema walk, running every rule, scoring, line lookups), in the same
run. Remote ``$ref``s are not followed (no network)::

    .venv/bin/python benchmarks/audit_corpus.py [--sample RULE]   # up to 20 findings of RULE, one per file
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from apiward.audit.contract import audit
from apiward.audit.contract.registry import RULES
from apiward.core.errors import SpecError
from apiward.core.findings import Finding
from apiward.spec import load_source

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "openapi-corpus"


def main() -> None:
    """Run the corpus and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--sample", default="", help="print up to 20 findings of this rule id, one per file"
    )
    args = parser.parse_args()
    with (CORPUS / "MANIFEST.tsv").open(newline="", encoding="utf-8") as handle:
        files = [row["file"].rstrip("/") for row in csv.DictReader(handle, delimiter="\t")]
    findings: dict[str, list[Finding]] = defaultdict(list)
    specs_hit: Counter[str] = Counter()
    load_times: dict[str, float] = {}
    audit_times: dict[str, float] = {}
    failed = 0
    for name in files:
        t0 = time.perf_counter()
        try:
            api, source = load_source(CORPUS / name, remote_refs=False)
        except SpecError:
            failed += 1
            continue
        t1 = time.perf_counter()
        result = audit(api, source)
        # Line lookups are lazy; force them so the audit time includes them.
        _ = [f.location.line for f in result.findings if f.location]
        t2 = time.perf_counter()
        load_times[name], audit_times[name] = t1 - t0, t2 - t1
        for check in {f.check for f in result.findings}:
            specs_hit[check] += 1
        for finding in result.findings:
            findings[finding.check].append(finding)
        if result.failed:
            print(f"{name}: rules failed: {result.failed}")
    _print(files, failed, findings, specs_hit, load_times, audit_times)
    if args.sample:
        _print_sample(findings[args.sample])


def _print_sample(found: list[Finding], size: int = 20) -> None:
    """Up to ``size`` findings, one per spec file (the false-positive review reads these)."""
    by_spec: dict[str, list[Finding]] = defaultdict(list)
    for finding in found:
        by_spec[str(finding.location.source if finding.location else "")].append(finding)
    rng = random.Random(7)  # noqa: S311 - sampling for reading, not secrets
    specs = sorted(by_spec)
    rng.shuffle(specs)
    for spec in specs[:size]:
        finding = rng.choice(by_spec[spec])
        print(f"  {finding.location}  {finding.detail}")


def _print(
    files: list[str],
    failed: int,
    findings: dict[str, list[Finding]],
    specs_hit: Counter[str],
    load_times: dict[str, float],
    audit_times: dict[str, float],
) -> None:
    audited = len(load_times)
    print(f"{len(files)} specs, {audited} audited, {failed} fail to load (SpecError)\n")
    print(f"{'rule':45} {'findings':>9} {'specs':>6}")
    for rule in RULES:
        print(f"{rule.id:45} {len(findings[rule.id]):>9} {specs_hit[rule.id]:>6}")
    print("\nfive most common weaknesses (by number of specs hit):")
    for check, count in specs_hit.most_common(5):
        print(f"  {count:>4}/{audited} specs  {check}")
    slowest = max(audit_times, key=audit_times.__getitem__)
    print(
        f"\nload  per spec: median {statistics.median(load_times.values()) * 1000:.0f} ms, "
        f"total {sum(load_times.values()):.1f} s"
    )
    print(
        f"audit per spec: median {statistics.median(audit_times.values()) * 1000:.0f} ms, "
        f"slowest {audit_times[slowest]:.2f} s ({slowest}), total {sum(audit_times.values()):.1f} s"
    )
    ratio = sum(audit_times.values()) / sum(load_times.values())
    print(f"audit time / load time over the corpus: {ratio:.2f}")


if __name__ == "__main__":
    main()
