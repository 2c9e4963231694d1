"""``apiward inventory``: what is really deployed, from traffic, against the contract."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from json import dumps
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import typer
import yaml
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
    ShowSecretsOption,
    emit,
)
from apiward.cli.recording import ApiOption, StoreOption, record
from apiward.core.files import write_atomic
from apiward.core.redact import Redactor
from apiward.inventory import FORMATS, Endpoint, Inventory, State, read_traffic, skeleton
from apiward.inventory import take_inventory as build
from apiward.inventory.templates import MANY
from apiward.report import Ran, Report
from apiward.report.model import Row
from apiward.spec import load


def inventory(
    traffic: Annotated[
        list[Path],
        typer.Argument(help="Traffic files: guard audit logs (JSONL), HAR files, access logs."),
    ],
    spec: Annotated[
        str | None, typer.Option("--spec", help="The contract to compare with (file, folder, URL).")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help=f"Read every file as ({', '.join(FORMATS.names())})."),
    ] = None,
    inventory_json: Annotated[
        Path | None,
        typer.Option(
            "--inventory-json",
            metavar="PATH",
            help="Write the whole inventory (endpoints, sensitive data, findings) as JSON.",
        ),
    ] = None,
    openapi_out: Annotated[
        Path | None,
        typer.Option("--openapi-out", help="Write an OpenAPI 3.1 skeleton (.json, .yaml/.yml)."),
    ] = None,
    many: Annotated[
        int,
        typer.Option("--many", min=2, help="Distinct literals at one position that make a {name}."),
    ] = MANY,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow a --spec URL on a loopback/private host.")
    ] = False,
    json: JsonOption = None,
    sarif: SarifOption = None,
    junit: JunitOption = None,
    html: ReportOption = None,
    fail_on: FailOnOption = None,
    show_secrets: ShowSecretsOption = False,
    store: StoreOption = None,
    api_name: ApiOption = None,
) -> None:
    """List the endpoints really in use, diff them against the contract, map sensitive data."""
    outputs = Outputs(
        json=json, sarif=sarif, junit=junit, html=html, fail_on=fail_on, show_secrets=show_secrets
    )
    outputs.check(
        ("--inventory-json", inventory_json),
        ("--openapi-out", openapi_out),
        inputs=[*traffic, spec],
    )
    started = datetime.now(UTC)
    api = load(spec, allow_private=allow_private) if spec else None
    batches = [read_traffic(path, format) for path in traffic]
    result = build(batches, api, many=many)
    _warn_skipped(result)
    if openapi_out is not None:
        _write(openapi_out, _skeleton_text(result, openapi_out))
    if inventory_json is not None:
        document = to_json(result, outputs.redactor())
        _write(inventory_json, dumps(document, indent=2, ensure_ascii=False) + "\n")
    console = Console(highlight=False)
    _print(result, console)
    report = to_report(result, [str(p) for p in traffic], started, datetime.now(UTC))
    code = emit(report, outputs, console)
    options = {"spec": spec, "format": format, "many": many}
    record(report, store=store, api=api_name, options=options, console=console)
    raise typer.Exit(code)


def _warn_skipped(result: Inventory) -> None:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for batch in result.batches:
        if batch.skipped:
            where = f" (first at line {batch.first_skipped})" if batch.format != "har" else ""
            console.print(
                f"[yellow]warning:[/] {escape(batch.source)}: skipped {batch.skipped} "
                f"line(s) that are not {FORMATS.get(batch.format).description} records{where}"
            )
        for note in batch.notes:
            console.print(f"[yellow]warning:[/] {escape(note)}")


def _skeleton_text(result: Inventory, path: Path) -> str:
    document = skeleton(result)
    if path.suffix.lower() in (".yaml", ".yml"):
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return dumps(document, indent=2) + "\n"


def _write(path: Path, text: str) -> None:
    write_atomic(path, text, what="it")


def _print(result: Inventory, console: Console) -> None:
    console.print(endpoints_table(result))
    fields = sensitive_table(result)
    if fields.row_count:
        console.print(fields)
    console.print(escape(summary(result, result.contract is not None)))


def to_report(
    result: Inventory, traffic: list[str], started: datetime, finished: datetime
) -> Report:
    """The findings as the shared Report, every seen operation recorded as diffed."""
    ran: tuple[Ran, ...] = ()
    if result.contract is not None:
        ran = tuple(Ran(check="inventory.diff", operation=key) for key in sorted(result.states))
    notes = tuple(note for batch in result.batches for note in batch.notes)
    return Report(
        tool="inventory",
        target=", ".join(traffic),
        started=started,
        finished=finished,
        findings=result.findings,
        ran=ran,
        stats=MappingProxyType(stats(result)),
        notes=notes,
        contract=result.contract,
        tables=MappingProxyType(
            {"endpoints": endpoint_rows(result), "sensitive_data": sensitive_rows(result)}
        ),
    )


def stats(result: Inventory) -> dict[str, int]:
    """The inventory's figures: requests, endpoints, operations by state, sensitive fields."""
    return {
        "requests": result.requests,
        "seen_in_two_files": result.folded,
        "skipped_lines": result.skipped,
        "endpoints": len(result.endpoints),
        "operations": len(result.states),
        **{str(state): result.count(state) for state in State if state is not State.UNKNOWN},
        "unseen": result.count_unseen,
        "sensitive_fields": sum(1 for f in result.fields if f.observed),
    }


def _state_label(result: Inventory, endpoint: Endpoint) -> str:
    # Without a contract every state is "unknown": say nothing rather than that.
    labels = {
        u.method: str(result.states[u.key]).replace(State.UNKNOWN, "") for u in endpoint.usages
    }
    if len(set(labels.values())) == 1:
        return next(iter(labels.values()))
    return ", ".join(f"{method} {state}" for method, state in labels.items())


def endpoint_rows(result: Inventory) -> tuple[Row, ...]:
    """One row per endpoint template: methods, calls, statuses, state, sensitive data."""
    rows: list[Row] = []
    for endpoint in result.endpoints:
        statuses: dict[int, int] = {}
        for usage in endpoint.usages:
            for status, count in usage.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        classes = sorted({c for u in endpoint.usages for c in result.classes_of(u.key)})
        row: dict[str, str | int] = {
            "endpoint": endpoint.path,
            "methods": " ".join(u.method for u in endpoint.usages),
            "calls": endpoint.calls,
            "statuses": " ".join(f"{s}×{n}" for s, n in sorted(statuses.items())),
            "state": _state_label(result, endpoint),
            "sensitive_data": ", ".join(classes),
        }
        rows.append(MappingProxyType(row))
    return tuple(rows)


def sensitive_rows(result: Inventory) -> tuple[Row, ...]:
    """Sensitive fields of the operations seen: where, which kinds, from traffic or contract."""
    seen = {u.key for e in result.endpoints for u in e.usages}
    rows: list[Row] = []
    for item in result.fields:
        if item.operation not in seen:
            continue
        kinds = [f"{c}×{n}" for c, n in sorted(item.observed.items())]
        kinds += [str(c) for c in item.declared if c not in item.observed]
        origin = [
            name for name, has in (("traffic", item.observed), ("contract", item.declared)) if has
        ]
        row = {
            "operation": item.operation,
            "in": str(item.place),
            "field": item.name,
            "kinds": ", ".join(kinds),
            "from": "+".join(origin),
        }
        rows.append(MappingProxyType(row))
    return tuple(rows)


def _table(title: str, rows: tuple[Row, ...], columns: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(
            column.replace("_", " "),
            overflow="fold",
            justify="right" if column == "calls" else "left",
        )
    for row in rows:
        table.add_row(*(escape(str(row[column])) for column in columns))
    return table


def endpoints_table(result: Inventory) -> Table:
    """The endpoints as a rich table."""
    columns = ("endpoint", "methods", "calls", "statuses", "state", "sensitive_data")
    return _table("Endpoints seen in traffic", endpoint_rows(result), columns)


def sensitive_table(result: Inventory) -> Table:
    """The sensitive fields as a rich table."""
    columns = ("operation", "in", "field", "kinds", "from")
    return _table("Sensitive data", sensitive_rows(result), columns)


def summary(result: Inventory, diffed: bool) -> str:
    """One line of figures: requests, endpoints, and the diff's counts."""
    operations = len(result.states)
    notes = [f"{result.skipped} skipped"] if result.skipped else []
    if result.folded:
        notes.append(f"{result.folded} seen in two files, counted once")
    aside = f" ({'; '.join(notes)})" if notes else ""
    line = (
        f"{result.requests} request(s) from {len(result.batches)} file(s){aside}; "
        f"{len(result.endpoints)} endpoint(s), {operations} operation(s)"
    )
    if diffed:
        unseen = result.count_unseen
        line += (
            f": {result.count(State.DOCUMENTED)} documented, {result.count(State.SHADOW)} shadow, "
            f"{result.count(State.ZOMBIE)} zombie, {result.count(State.UNROUTED)} unrouted; "
            f"{unseen} documented operation(s) never seen"
        )
    observed = sum(1 for f in result.fields if f.observed)
    return f"{line}; {observed} field(s) carried sensitive data in traffic"


def to_json(result: Inventory, redactor: Redactor) -> dict[str, Any]:
    """The whole inventory as JSON values; findings' evidence redacted by ``redactor``."""
    return {
        "tool": "inventory",
        "contract": result.contract,
        "sources": [
            {
                "source": b.source,
                "format": b.format,
                "requests": len(b.observations),
                "skipped": b.skipped,
                "first_skipped": b.first_skipped,
                "notes": list(b.notes),
            }
            for b in result.batches
        ],
        "summary": stats(result),
        "unseen": list(result.unseen),
        "endpoints": list(_endpoints(result)),
        "sensitive": [
            {
                "operation": f.operation,
                "in": str(f.place),
                "field": f.name,
                "observed": {str(c): n for c, n in f.observed.items()},
                "declared": [str(c) for c in f.declared],
            }
            for f in result.fields
        ],
        "findings": [
            dataclasses.asdict(redactor.finding(f)) | {"fingerprint": f.fingerprint}
            for f in result.findings
        ],
    }


def _endpoints(result: Inventory) -> Iterator[dict[str, Any]]:
    for endpoint in result.endpoints:
        yield {
            "path": endpoint.path,
            "documented": endpoint.documented,
            "methods": [
                {
                    "method": u.method,
                    "state": str(result.states[u.key]),
                    "calls": u.calls,
                    "statuses": {str(s): n for s, n in u.statuses.items()},
                    "first_seen": u.first_seen.isoformat() if u.first_seen else None,
                    "last_seen": u.last_seen.isoformat() if u.last_seen else None,
                    "clients": u.clients,
                    "query": list(u.query),
                    "sensitive": list(result.classes_of(u.key)),
                }
                for u in endpoint.usages
            ],
        }
