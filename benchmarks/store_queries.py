"""The store at scale: one API's open findings among a million, and recording a big run.

Run: ``.venv/bin/python benchmarks/store_queries.py [--apis 1000] [--per-api 1000]``.
It fills a fresh store (an SQLite file, then a throw-away PostgreSQL database on
127.0.0.1:5432) with ``apis × per-api`` synthetic findings, one run per API, then times

- listing one API's open findings (``apiward findings list --api NAME``'s query), median
  of 20 over random APIs, and
- recording one run of 10,000 findings through ``record_run`` (redaction, findings, the
  lifecycle update), median of 3 on an API that already has 1,000 tracked findings, and
  the redaction's share of it (``prepare`` alone).

Targets from issue 11: list < 50 ms, record < 2 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import Engine

from apiward.core.findings import Finding, Severity
from apiward.core.redact import Redactor
from apiward.report.model import Ran, Report
from apiward.report.redacted import prepare
from apiward.store import open_store, record_run
from apiward.store.tables import apis, findings, runs, states
from apiward.store.tracked import list_tracked

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
CHECKS = ("bola", "bfla", "sql_injection", "mass_assignment", "cors", "rate_limit")
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def fill(engine: Engine, count: int, per_api: int) -> None:
    """``count`` APIs, one complete run each, ``per_api`` findings tracked per API."""
    severities = list(Severity)
    with engine.begin() as connection:
        connection.execute(
            apis.insert(), [{"name": f"api-{i:04d}", "created": NOW} for i in range(count)]
        )
        connection.execute(
            runs.insert(),
            [
                {"api_id": i + 1, "tool": "scan", "target": f"http://127.0.0.1:{i}", "version": "b"}
                | {"options": {}, "started": NOW, "finished": NOW, "complete": True}
                | {"stats": {}, "notes": []}
                for i in range(count)
            ],
        )
    for api_id in range(1, count + 1):
        finding_rows, state_rows = [], []
        for n in range(per_api):
            severity = severities[n % len(severities)]
            row = {
                "fingerprint": f"{api_id:06x}{n:010x}",
                "check": CHECKS[n % len(CHECKS)],
                "operation": f"GET /things{n % 97}/{{id}}",
                "severity": severity.value,
                "title": f"finding {n}",
            }
            finding_rows.append(row | {"run_id": api_id, "api_id": api_id, "body": {"n": n}})
            state_rows.append(
                row
                | {"api_id": api_id, "state": ("new", "open", "fixed", "regressed")[n % 4]}
                | {"rank": severity.rank, "first_run": api_id, "last_seen_run": api_id}
                | {"changed_run": api_id}
            )
        with engine.begin() as connection:
            connection.execute(findings.insert(), finding_rows)
            connection.execute(states.insert(), state_rows)


def big_report(size: int) -> Report:
    """A scan report of ``size`` findings, each with one exchange of evidence."""
    from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse

    made = tuple(
        Finding(
            check=CHECKS[n % len(CHECKS)],
            title=f"finding {n}",
            severity=list(Severity)[n % 5],
            operation=f"GET /big{n % 211}/{{id}}",
            key=f"k{n}",
            detail=f"id {n} belongs to alice",
            evidence=(
                Exchange(
                    request=RecordedRequest(method="GET", url=f"http://127.0.0.1/big/{n}"),
                    response=RecordedResponse(status=200, body='{"id": 1, "owner": "alice"}'),
                ),
            ),
        )
        for n in range(size)
    )
    ran = tuple(Ran(check=c, operation=f"GET /big{n}/{{id}}") for c in CHECKS for n in range(211))
    return Report(
        tool="scan", target="http://127.0.0.1:1", started=NOW, finished=NOW, findings=made, ran=ran
    )


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(name: str, url: str, count: int, per_api: int) -> None:
    """Fill the store at ``url``, then print the two figures."""
    engine = open_store(url)
    started = time.perf_counter()
    fill(engine, count, per_api)
    filled = time.perf_counter() - started
    rng = random.Random(7)  # noqa: S311 — which APIs to list, not a secret
    names = [f"api-{rng.randrange(count):04d}" for _ in range(20)]
    listed = iter(names)
    sizes: list[int] = []

    def listing() -> None:
        sizes.append(len(list_tracked(engine, api=next(listed), today=NOW.date())))

    list_ms = _median_ms(listing, 20)
    report = big_report(10_000)
    targets = iter(["api-0001", "api-0002", "api-0003"])
    record_ms = _median_ms(lambda: record_run(engine, report, api=next(targets)), 3)
    redact_ms = _median_ms(lambda: prepare(report, Redactor()), 3)
    engine.dispose()
    total = count * per_api
    print(
        f"{name:<10} {total:>9,} findings (filled in {filled:.0f} s) | "
        f"list one API's open ({statistics.median(sizes):.0f} rows): {list_ms:.1f} ms | "
        f"record a 10,000-finding run: {record_ms / 1000:.2f} s "
        f"(of which redaction {redact_ms / 1000:.2f} s)"
    )


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throw-away database on the local server."""
    database = f"apiward_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        yield f"{POSTGRES}/{database}"
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apis", type=int, default=1000)
    parser.add_argument("--per-api", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.backend in {"sqlite", "both"}:
        with tempfile.TemporaryDirectory() as folder:
            measure("sqlite", str(Path(folder) / "bench.db"), args.apis, args.per_api)
    if args.backend in {"postgresql", "both"}:
        with postgres_database() as url:
            measure("postgresql", url, args.apis, args.per_api)


if __name__ == "__main__":
    main()
