"""``apiward logging-check RUN``: was every attack of a scan in its guard's audit log?"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiward.cli.outputs import (
    FailOnOption,
    JsonOption,
    JunitOption,
    Outputs,
    ReportOption,
    SarifOption,
    emit,
)
from apiward.cli.recording import StoreOption, record, run_id
from apiward.core.findings import (
    Confidence,
    Exchange,
    Finding,
    RecordedRequest,
    RecordedResponse,
    Severity,
)
from apiward.report import Ran, Report
from apiward.report.model import Row

if TYPE_CHECKING:
    from apiward.store.logged import CrossCheck, Probe

CHECK = "logging.missing"
EVIDENCE = 3
"""Missing requests shown as evidence per operation (the detail names up to ten more)."""


def logging_check(
    run: Annotated[int, run_id("The scan's run id in the store.")],
    every: Annotated[
        bool,
        typer.Option("--all", help="Every request of the scan, not only the checks' attacks."),
    ] = False,
    json: JsonOption = None,
    sarif: SarifOption = None,
    junit: JunitOption = None,
    html: ReportOption = None,
    fail_on: FailOnOption = None,
    store: StoreOption = None,
) -> None:
    """Cross-check a scan's attacks with its guard's ingested log: blocked, logged or missing."""
    from apiward.store import opened_store
    from apiward.store.logged import cross_check

    started = datetime.now(UTC)
    with opened_store(store, create=False) as engine, engine.connect() as connection:
        checked = cross_check(connection, run, every=every)
    console = Console(highlight=False)
    title = f"run {checked.run.id}: {len(checked.probes)} attack request(s) against the guard's log"
    console.print(verdicts(title, checked.probes))
    outputs = Outputs(json=json, sarif=sarif, junit=junit, html=html, fail_on=fail_on)
    report = to_report(checked, started)
    code = emit(report, outputs, console)
    options = {"run": run, "all": every}
    record(report, store=store, api=checked.run.api, options=options, console=console)
    raise typer.Exit(code)


def to_report(checked: CrossCheck, started: datetime) -> Report:
    """One finding per operation with attacks missing from the log; every operation as checked."""
    counts = checked.counts()
    run = checked.run
    found, ran = judged(checked.probes, run.target)
    return Report(
        tool="logging-check",
        target=run.target,
        contract=run.contract,
        started=started,
        finished=datetime.now(UTC),
        findings=found,
        ran=ran,
        tables=MappingProxyType({"missing": tuple(row(p) for p in checked.missing)}),
        stats={
            "run": run.id,
            "attacks": len(checked.probes),
            **{verdict.value: counts[verdict] for verdict in sorted(counts)},
        },
    )


def judged(probes: Iterable[Probe], target: str) -> tuple[tuple[Finding, ...], tuple[Ran, ...]]:
    """A ``logging.missing`` finding per operation with missing attacks; each operation as ran."""
    by_operation: dict[str, list[Probe]] = defaultdict(list)
    for probe in probes:
        by_operation[_where(probe)].append(probe)
    found = tuple(
        _finding(where, missing, target)
        for where, probed in sorted(by_operation.items())
        if (missing := [p for p in probed if p.verdict == "missing"])
    )
    # Probes of undocumented paths have no operation: they count as one check over all.
    ran = tuple(
        dict.fromkeys(
            Ran(check=CHECK, operation=None if where.startswith("/") else where)
            for where in sorted(by_operation)
        )
    )
    return found, ran


def row(probe: Probe) -> Row:
    """A missing attack as a row of the report's ``missing`` table (JSON and HTML)."""
    return MappingProxyType(
        {
            "request_id": probe.request_id,
            "check": probe.by,
            "method": probe.method,
            "path": probe.path,
            "operation": probe.operation,
            "status": probe.status,
        }
    )


def _where(probe: Probe) -> str:
    """The probe's operation; a probe of an undocumented path goes with others under its prefix."""
    if probe.operation:
        return probe.operation
    first = probe.path.strip("/").split("/", 1)[0]
    return f"/{first}/*" if first else "/"


def _finding(where: str, missing: list[Probe], target: str) -> Finding:
    checks = ", ".join(sorted({p.by for p in missing}))
    ids = ", ".join(p.request_id for p in missing[:10]) + (" ..." if len(missing) > 10 else "")
    undocumented = where.startswith("/")
    what = f"undocumented paths under {where}" if undocumented else where
    return Finding(
        check=CHECK,
        title=f"Attacks on {what} are missing from the guard's audit log",
        severity=Severity.MEDIUM,
        confidence=Confidence.FIRM,
        owasp="API10:2019",
        cwe="CWE-778",
        operation=None if undocumented else where,
        key=where if undocumented else "",
        detail=(
            f"{len(missing)} attack request(s) of the scan ({checks}) got an answer but no "
            f"guard event carries their X-Request-Id: {ids}. Nobody watching the log would "
            "know these attacks happened."
        ),
        remediation=(
            "Send every route through the guard (a router mounted beside it, or a path its "
            "policy leaves out, is served unseen), or log these requests where they are "
            "served; then check the log is complete again with a scan and logging-check."
        ),
        evidence=tuple(_exchange(p, target) for p in missing[:EVIDENCE]),
    )


def _exchange(probe: Probe, target: str) -> Exchange:
    request = RecordedRequest(
        method=probe.method,
        url=target.rstrip("/") + probe.path,
        headers=(("X-Request-Id", probe.request_id),),
    )
    answer = RecordedResponse(status=probe.status) if probe.status is not None else None
    return Exchange(
        request=request, response=answer, note=f"sent by {probe.by}; not in the guard's log"
    )


def verdicts(title: str, probes: Iterable[Probe]) -> Table:
    """Attacks by check: how many the guard blocked, logged, missed; how many got no answer."""
    table = Table(title=title, title_justify="left")
    columns = ("check", "attacks", "blocked", "logged", "missing", "unanswered")
    for column in columns:
        table.add_column(column, justify="left" if column == "check" else "right")
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for probe in probes:
        per[probe.by][probe.verdict.value] += 1
    for by, counts in sorted(per.items()):
        missing = counts["missing"]
        table.add_row(
            escape(by),
            str(sum(counts.values())),
            str(counts["blocked"]),
            str(counts["logged"]),
            f"[red]{missing}[/]" if missing else "0",
            str(counts["unanswered"]),
        )
    return table
