"""``apiward audit``: review a contract (and, later, code and dependencies) before deploy."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiward.audit.contract import ContractAudit, OperationRisk, audit_spec
from apiward.cli import audit_code
from apiward.cli.outputs import (
    FailOnOption,
    JsonOption,
    JunitOption,
    Outputs,
    ReportOption,
    SarifOption,
    ShowSecretsOption,
    emit,
)
from apiward.cli.recording import ApiOption, StoreOption, record
from apiward.report import Ran, Report, Skipped
from apiward.report.model import Row

app = typer.Typer(
    help="Review an API before deploy: its contract, code and dependencies.",
    no_args_is_help=True,
)

# `audit code` and `audit deps` are registered below, one line each, by their own modules.
app.command("code")(audit_code.code)
app.command("deps")(audit_code.deps)


@app.command()
def contract(
    spec: str = typer.Argument(..., help="A spec file, a folder of spec files, or an http(s) URL."),
    allow_private: bool = typer.Option(
        False, "--allow-private", help="Allow fetching from private, loopback or link-local hosts."
    ),
    top: int = typer.Option(10, "--top", min=0, help="How many operations the risk table shows."),
    every: bool = typer.Option(
        False, "--all", help="Print every finding, not the top ones grouped by rule."
    ),
    json: JsonOption = None,
    sarif: SarifOption = None,
    junit: JunitOption = None,
    html: ReportOption = None,
    fail_on: FailOnOption = None,
    show_secrets: ShowSecretsOption = False,
    store: StoreOption = None,
    api_name: ApiOption = None,
) -> None:
    """Review an OpenAPI contract's security and rank its operations by risk."""
    outputs = Outputs(
        json=json, sarif=sarif, junit=junit, html=html, fail_on=fail_on, show_secrets=show_secrets
    )
    outputs.check(inputs=[spec])
    started = datetime.now(UTC)
    result = audit_spec(spec, allow_private=allow_private)
    console = Console(highlight=False)
    report = contract_report(result, started, datetime.now(UTC))
    lead = (risk_table(result, top),) if top else ()
    code = emit(report, outputs, console, brief=not every, lead=lead)
    options = {"spec": spec, "allow-private": allow_private}
    record(report, store=store, api=api_name, options=options, console=console)
    raise typer.Exit(code)


def contract_report(result: ContractAudit, started: datetime, finished: datetime) -> Report:
    """The report every writer renders, from a contract audit."""
    return Report(
        tool="audit contract",
        target=result.target,
        started=started,
        finished=finished,
        findings=result.findings,
        ran=tuple(Ran(check=rule) for rule in result.rules),
        skipped=tuple(Skipped(check=rule, reason=why) for rule, why in result.failed),
        stats=MappingProxyType(dict(result.stats)),
        tables=MappingProxyType({"risk": tuple(_risk_row(risk) for risk in result.risks)}),
        notes=result.warnings,
        contract=result.target,
    )


def _risk_row(risk: OperationRisk) -> Row:
    """One operation's risk as a report row (every operation, highest first)."""
    return MappingProxyType(
        {
            "operation": risk.operation,
            "score": risk.score,
            "exposure": risk.exposure,
            "weakness": risk.weakness,
            "unauthenticated": risk.unauthenticated,
            "writes": risk.writes,
            "sensitive_data": risk.sensitive,
            "url_input": risk.url_input,
            "findings": risk.findings,
        }
    )


def risk_table(result: ContractAudit, top: int) -> Table:
    """The ``top`` riskiest operations, with what makes each exposed."""
    stats = result.stats
    table = Table(
        title=f"risk: API {stats.get('risk_api', 0)} (mean per operation), highest {stats.get('risk_max', 0)}",
        title_justify="left",
    )
    for column in ("risk", "operation", "exposure", "why exposed", "weakness", "findings"):
        table.add_column(
            column,
            overflow="fold",
            justify="right" if column != "operation" and column != "why exposed" else "left",
        )
    for risk in result.risks[:top]:
        why = [
            label
            for label, flag in (
                ("no auth", risk.unauthenticated),
                ("writes", risk.writes),
                ("sensitive data", risk.sensitive),
                ("URL input", risk.url_input),
            )
            if flag
        ]
        table.add_row(
            str(risk.score),
            escape(risk.operation),
            str(risk.exposure),
            ", ".join(why) or "-",
            str(risk.weakness),
            str(risk.findings),
        )
    return table
