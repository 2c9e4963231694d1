"""The dashboard at scale: each page and API answer over a store of 100,000 findings.

Run: ``.venv/bin/python benchmarks/dashboard_pages.py [--apis 10] [--per-api 10000]
[--store URL]``. It fills a fresh SQLite store (or the empty database ``--store`` names,
e.g. a scratch PostgreSQL database) with ``apis × per-api`` synthetic tracked findings: each API
has two runs (the first reported findings 0..80 %, the second 20..100 %, so the run diff
has appeared and fixed findings on both sides), every finding with a real recorded body
(one redacted exchange). It then serves the dashboard in process (guard included, as
``apiward server`` does) and times each page and API answer on the server side: from the
request entering the app to its last byte, median and worst of ``--repeat`` requests.
On PostgreSQL the fill is vacuumed and analysed first, as autovacuum soon would be.

Target from issue 12: each page renders in < 300 ms.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from starlette.testclient import TestClient

from apiward.core.findings import Exchange, Finding, RecordedRequest, RecordedResponse, Severity
from apiward.report.serialize import finding as finding_json
from apiward.server.app import create_app
from apiward.server.schema import open_dashboard_store
from apiward.server.users import Role, create_user
from apiward.store.tables import apis, coverage, findings, runs, states

CHECKS = ("bola", "bfla", "sql_injection", "mass_assignment", "cors", "rate_limit")
NOW = datetime(2026, 3, 1, tzinfo=UTC)
PASSWORD = secrets.token_urlsafe(16)
TARGET = 300.0


def _body(n: int, severity: Severity, check: str, operation: str) -> dict[str, object]:
    finding = Finding(
        check=check,
        title=f"finding {n}",
        severity=severity,
        operation=operation,
        key=f"path id {n}",
        reproduction=f"curl http://127.0.0.1:9/things/{n}",
        evidence=(
            Exchange(
                request=RecordedRequest(method="GET", url=f"http://127.0.0.1:9/things/{n}"),
                response=RecordedResponse(status=200, body=f'{{"id": {n}, "owner": "alice"}}'),
            ),
        ),
    )
    body: dict[str, object] = finding_json(finding)
    return body


def fill(engine: Engine, count: int, per_api: int) -> None:
    """``count`` APIs with two runs each and ``per_api`` tracked findings each."""
    severities = list(Severity)
    cut = per_api // 5
    with engine.begin() as connection:
        connection.execute(
            apis.insert(), [{"name": f"api-{i:03d}", "created": NOW} for i in range(count)]
        )
        connection.execute(
            runs.insert(),
            [
                {"api_id": i // 2 + 1, "tool": "scan", "target": "http://127.0.0.1:9"}
                | {"version": "b", "options": {}, "complete": True, "stats": {}, "notes": []}
                | {"started": NOW + timedelta(days=i % 2), "finished": NOW + timedelta(days=i % 2)}
                for i in range(2 * count)
            ],
        )
    for api_id in range(1, count + 1):
        first, second = 2 * api_id - 1, 2 * api_id
        finding_rows, state_rows, ran = [], [], []
        for n in range(per_api):
            severity = severities[n % len(severities)]
            check = CHECKS[n % len(CHECKS)]
            operation = f"GET /things{n % 97}/{{id}}"
            row = {
                "fingerprint": f"{api_id:06x}{n:010x}",
                "check": check,
                "operation": operation,
                "severity": severity.value,
                "title": f"finding {n}",
            }
            body = _body(n, severity, check, operation)
            seen = [r for r, keep in ((first, n < per_api - cut), (second, n >= cut)) if keep]
            finding_rows += [row | {"run_id": r, "api_id": api_id, "body": body} for r in seen]
            state = "fixed" if n < cut else ("new" if n >= per_api - cut else "open")
            state_rows.append(
                row
                | {"api_id": api_id, "state": state, "rank": severity.rank}
                | {"first_run": seen[0], "last_seen_run": seen[-1], "changed_run": second}
            )
        for run_id in (first, second):
            ran += [
                {"run_id": run_id, "check": c, "operation": f"GET /things{o}/{{id}}"}
                | {"skipped": o % 10 == 0, "reason": "no harvested id" if o % 10 == 0 else ""}
                | {"detail": ""}
                for c in CHECKS
                for o in range(97)
            ]
        with engine.begin() as connection:
            connection.execute(findings.insert(), finding_rows)
            connection.execute(states.insert(), state_rows)
            connection.execute(coverage.insert(), ran)


def settle(engine: Engine) -> None:
    """On PostgreSQL, what autovacuum does within a minute of such a fill (SQLite has none)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def timed(client: TestClient, path: str, repeat: int) -> list[float]:
    """Milliseconds for each of ``repeat`` answers to GET ``path`` (each must be a 200)."""
    spent = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(path)
        spent.append((time.perf_counter() - start) * 1000)
        if answer.status_code != 200:
            raise SystemExit(
                f"error: GET {path} answered {answer.status_code}: {answer.text[:200]}"
            )
    return spent


def main() -> None:
    """Fill the store, then print each page's median and worst time."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apis", type=int, default=10)
    parser.add_argument("--per-api", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--store", help="an empty database to fill (default: a new SQLite file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_dashboard_store(options.store or str(Path(folder) / "store.db"))
        with engine.connect() as connection:
            filled = connection.execute(select(func.count()).select_from(apis)).scalar_one()
        if filled:
            raise SystemExit("error: --store must name an empty database (it fills it)")
        start = time.perf_counter()
        fill(engine, options.apis, options.per_api)
        settle(engine)
        total = options.apis * options.per_api
        print(f"store: {total:,} tracked findings in {time.perf_counter() - start:.0f} s")
        create_user(engine, "bench", PASSWORD, Role.ADMIN)
        fingerprint = f"{1:06x}{options.per_api // 2:010x}"
        middle = f"api-{options.apis // 2:03d}"
        paths = [
            "/",
            "/findings",
            f"/findings?severity=high&api={middle}",
            "/findings?triage=all&state=fixed&page=50",
            f"/findings/1/{fingerprint}",
            "/runs",
            "/runs/2",
            "/runs/2?page=30",
            "/api/overview",
            "/api/findings?limit=100",
            f"/api/findings?check=bola&api={middle}&offset=1000",
            f"/api/findings/1/{fingerprint}",
            "/api/runs/2",
            "/api/runs/2?offset=3000&limit=1000",
        ]
        worst_median = 0.0
        with TestClient(
            create_app(engine, guard_audit=str(Path(folder) / "audit.jsonl"))
        ) as client:
            client.post(
                "/api/login", json={"name": "bench", "password": PASSWORD}
            ).raise_for_status()
            print(f"{'page':<48} {'median ms':>10} {'worst ms':>10}")
            for path in paths:
                spent = timed(client, path, options.repeat)
                median = statistics.median(spent)
                worst_median = max(worst_median, median)
                print(f"{path:<48} {median:>10.1f} {max(spent):>10.1f}")
        engine.dispose()
    verdict = "within" if worst_median < TARGET else "OVER"
    print(f"slowest median {worst_median:.1f} ms: {verdict} the {TARGET:.0f} ms target")


if __name__ == "__main__":
    main()
