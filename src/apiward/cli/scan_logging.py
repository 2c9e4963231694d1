"""``apiward scan --check-logging LOG``: the scan's attacks against its guard's audit log.

``LOG`` is the guard's audit log (JSONL, its chain verified first as ``ingest`` verifies
it) or ``store``: the guard events already ingested into the store. Each attack the scan
sent (by its ``X-Request-Id``) is blocked, logged or missing (``apiward.store.logged``);
missing ones become ``logging.missing`` findings of the scan's own report, so
``--fail-on``, every report format and the store's lifecycle see them. A log that cannot
be read, or that holds none of the scan's requests, leaves the scan's report as it was,
with the check marked skipped and why: a scan is never lost to its cross-check.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from types import MappingProxyType

from rich.console import Console
from rich.markup import escape

from apiward.cli.logging_check import CHECK, judged, row, verdicts
from apiward.core.errors import ApiwardError, ConfigError
from apiward.report.model import REQUESTS, Report, Skipped

STORE = "store"
"""``--check-logging store``: use the guard events already in the store."""


def check_source(source: str) -> None:
    """Refuse, before any request, a log that is not there."""
    if source != STORE and not Path(source).is_file():
        raise ConfigError(
            "--check-logging: no such audit log (give the guard's log, or 'store')",
            source=source,
        )


def with_logging(report: Report, source: str, *, store: str | None, console: Console) -> Report:
    """``report`` with its attacks judged against the guard's log, missing ones as findings."""
    from apiward.store.logged import Verdict, judge

    requests = report.tables.get(REQUESTS, ())
    try:
        logged = _logged(source, {str(r["request_id"]) for r in requests}, store)
    except ApiwardError as error:
        return _skipped(report, "the guard's log could not be read", str(error), console)
    probes = judge(requests, logged, checks={r.check for r in report.ran})
    if not any(p.verdict in {Verdict.BLOCKED, Verdict.LOGGED} for p in probes):
        where = "the store's ingested events" if source == STORE else source
        detail = f"none of its request ids is in {where}: the scan did not go through that guard"
        return _skipped(report, "no guard event of this scan", detail, console)
    title = f"{len(probes)} attack request(s) against the guard's log"
    console.print(verdicts(title, probes))
    found, ran = judged(probes, report.target)
    counts = Counter(p.verdict.value for p in probes)
    missing = tuple(row(p) for p in probes if p.verdict is Verdict.MISSING)
    return dataclasses.replace(
        report,
        findings=report.findings + found,
        ran=report.ran + ran,
        tables=MappingProxyType({**report.tables, "missing": missing}),
        stats=MappingProxyType(
            {**report.stats, **{f"attacks {v.value}": counts[v.value] for v in Verdict}}
        ),
    )


def _logged(source: str, ids: set[str], store: str | None) -> dict[str, tuple[str, str | None]]:
    from apiward.store.logged import ingested, logged_in

    if source != STORE:
        from apiward.cli.ingest import verified_events

        events = verified_events(Path(source), key=None, key_env=None, accept_broken=False)
        return logged_in(events)
    from apiward.store import opened_store

    with opened_store(store) as engine, engine.connect() as connection:
        return ingested(connection, ids)


def _skipped(report: Report, reason: str, detail: str, console: Console) -> Report:
    console.print(f"[yellow]--check-logging skipped:[/] {escape(reason)}: {escape(detail)}")
    skip = Skipped(check=CHECK, reason=reason, detail=detail)
    return dataclasses.replace(report, skipped=(*report.skipped, skip))
