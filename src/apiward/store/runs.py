"""Recording a verb's run (its report) in the store, and reading runs back.

Everything a report says goes in: what ran, against what, apiward's version and the
options, when, whether it was complete, every finding with its evidence, every skip,
the stats and the notes. It goes in redacted, whatever ``--show-secrets`` said: the
store outlives the terminal. One transaction records the run and moves the API's
findings on (``apiward.store.lifecycle``), so a reader never sees half a run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from apiward import __version__
from apiward.core.errors import StorageError
from apiward.core.redact import Redactor
from apiward.report.model import REQUESTS, Report
from apiward.report.redacted import prepare
from apiward.report.serialize import finding as finding_json
from apiward.store.apis import api_for_run
from apiward.store.coverage import Coverage
from apiward.store.lifecycle import Reported, advance
from apiward.store.records import RunRecord, State
from apiward.store.tables import apis, coverage, findings, run_requests, runs


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """A run just recorded; how many of its API's findings entered each state, or went untested."""

    run: RunRecord
    entered: Counter[State]
    untested: int = 0


def record_run(
    engine: Engine,
    report: Report,
    *,
    api: str | None = None,
    options: Mapping[str, Any] | None = None,
    secrets: Iterable[str] = (),
    identities: str | None = None,
    run_id: int | None = None,
) -> Recorded:
    """Record ``report`` as a run of ``api`` (see ``apiward.store.apis``) and move its findings on.

    ``identities`` (a file's path) is kept with the API when the run registers it;
    ``run_id`` is a run a worker opened (``apiward.store.jobs``), completed here.
    """
    redactor = Redactor(secrets)
    report = prepare(report, redactor)
    with engine.begin() as connection:
        owner = api_for_run(
            connection,
            api,
            target=report.target,
            contract=report.contract,
            identities=identities,
        )
        # Two runs of one API recorded at once must not interleave their state changes.
        connection.execute(select(apis.c.id).where(apis.c.id == owner.id).with_for_update())
        values = _run_values(report, _plain(options or {}, redactor))
        run_id = _insert_run(connection, owner.id, run_id, values, report)
        kept = _insert_findings(connection, owner.id, run_id, report)
        _insert_requests(connection, run_id, report)
        pairs = Coverage.of(
            ((r.check, r.operation) for r in report.ran),
            ((s.check, s.operation) for s in report.skipped),
            complete=report.complete,
        )
        moved = advance(connection, owner.id, run_id, kept, pairs)
        run = get_run(connection, run_id)
        return Recorded(run=run, entered=moved.entered, untested=moved.untested)


def _run_values(report: Report, options: Any) -> dict[str, Any]:
    return {
        "tool": report.tool,
        "target": report.target,
        "contract": report.contract,
        "version": __version__,
        "options": options,
        "started": report.started,
        "finished": report.finished,
        "complete": report.complete,
        "stats": dict(report.stats),
        "notes": list(report.notes),
    }


def _insert_run(
    connection: Connection,
    api_id: int,
    run_id: int | None,
    values: dict[str, Any],
    report: Report | None,
) -> int:
    if run_id is not None:
        connection.execute(runs.update().where(runs.c.id == run_id).values(**values))
    else:
        inserted = connection.execute(
            runs.insert().values(api_id=api_id, **values)
        ).inserted_primary_key
        if inserted is None:
            raise StorageError("the database gave no id for the new run")
        run_id = int(inserted[0])
    if report is None:
        return run_id
    rows = [
        {"run_id": run_id, "check": r.check, "operation": r.operation, "skipped": False}
        | {"reason": "", "detail": ""}
        for r in report.ran
    ] + [
        {"run_id": run_id, "check": s.check, "operation": s.operation, "skipped": True}
        | {"reason": s.reason, "detail": s.detail}
        for s in report.skipped
    ]
    if rows:
        connection.execute(coverage.insert(), rows)
    return run_id


def _insert_findings(
    connection: Connection, api_id: int, run_id: int, report: Report
) -> list[Reported]:
    """Each fingerprint once per run (the most severe: findings come sorted)."""
    rows: dict[str, dict[str, Any]] = {}
    for f in report.findings:
        fingerprint = f.fingerprint  # a hash: computed once per finding, not per use
        if fingerprint in rows:
            continue
        rows[fingerprint] = {
            "run_id": run_id,
            "api_id": api_id,
            "fingerprint": fingerprint,
            "check": f.check,
            "severity": f.severity.value,
            "operation": f.operation,
            "title": f.title,
            "body": finding_json(f),
            "reported": Reported(
                fingerprint=fingerprint,
                check=f.check,
                operation=f.operation,
                severity=f.severity,
                title=f.title,
            ),
        }
    kept = [row.pop("reported") for row in rows.values()]
    if rows:
        connection.execute(findings.insert(), list(rows.values()))
    return kept


def _insert_requests(connection: Connection, run_id: int, report: Report) -> None:
    """Every request a scan sent, by its X-Request-Id (each id once)."""
    rows = {
        str(row["request_id"]): {
            "run_id": run_id,
            "request_id": str(row["request_id"]),
            "by": str(row["by"]),
            "method": str(row["method"]),
            "path": str(row["path"]),
            "operation": row["operation"] or None,
            "status": row["status"],
        }
        for row in report.tables.get(REQUESTS, ())
    }
    if rows:
        connection.execute(run_requests.insert(), list(rows.values()))


def get_run(connection: Connection, run_id: int) -> RunRecord:
    """Run ``run_id``; a StorageError when the store has no such run."""
    count = (
        select(func.count())
        .select_from(findings)
        .where(findings.c.run_id == runs.c.id)
        .scalar_subquery()
    )
    row = (
        connection.execute(
            select(runs, apis.c.name.label("api"), count.label("count"))
            .join(apis, apis.c.id == runs.c.api_id)
            .where(runs.c.id == run_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise StorageError(f"no run {run_id} in the store")
    return RunRecord(
        id=row["id"],
        api=row["api"],
        tool=row["tool"],
        target=row["target"],
        contract=row["contract"],
        version=row["version"],
        options=row["options"],
        started=row["started"],
        finished=row["finished"],
        complete=row["complete"],
        stats=row["stats"],
        notes=tuple(row["notes"]),
        findings=row["count"],
    )


def list_runs(connection: Connection, api_id: int, *, limit: int = 20) -> list[RunRecord]:
    """The API's latest runs, newest first."""
    ids = connection.execute(
        select(runs.c.id).where(runs.c.api_id == api_id).order_by(runs.c.id.desc()).limit(limit)
    ).scalars()
    return [get_run(connection, run_id) for run_id in ids.all()]


def _plain(value: Any, redactor: Redactor) -> Any:
    """Options as JSON values (paths and enums as text), any text redacted."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v, redactor) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v, redactor) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, str):
        return redactor.text(value)
    return value
