"""``apiward ingest``: the guard's audit log into the store, against its API, once per event."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiward.cli.recording import StoreOption
from apiward.core.errors import ConfigError
from apiward.core.events import AuditEvent

if TYPE_CHECKING:
    from apiward.spec import Api
    from apiward.store.endpoints import EndpointRecord
    from apiward.store.ingest import Describe


def ingest(
    audit_log: Annotated[Path, typer.Argument(help="The guard's audit log (JSONL).")],
    api: Annotated[
        str | None,
        typer.Option("--api", metavar="NAME", help="The API it guards (default: the only one)."),
    ] = None,
    key: Annotated[
        Path | None, typer.Option("--key", help="The file holding the log's HMAC key.")
    ] = None,
    key_env: Annotated[
        str | None, typer.Option("--key-env", help="An environment variable holding the key.")
    ] = None,
    accept_broken: Annotated[
        bool,
        typer.Option(
            "--accept-broken",
            help="On a broken chain, record the lines before the break (with a warning).",
        ),
    ] = False,
    store: StoreOption = None,
) -> None:
    """Record a guard's audit events against their API: refusals, rules, clients, endpoints."""
    from apiward.store import opened_store
    from apiward.store.ingest import ingest_events, owner

    console = Console(highlight=False)
    events = verified_events(audit_log, key=key, key_env=key_env, accept_broken=accept_broken)
    with opened_store(store) as engine:
        with engine.connect() as connection:
            spec = owner(connection, api).spec
        describe = traffic_describer(_contract(spec))
        log = events[0].hash if events else ""
        done = ingest_events(engine, events, api=api, log=log, describe=describe)
    new = sum(done.new.values())
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(done.new.items()))
    console.print(
        f"{new} new event(s) recorded for API {escape(done.api)}"
        + (f" ({kinds})" if kinds else "")
        + (f"; {done.offered - new} already in the store" if done.offered > new else "")
    )
    served = [e for e in done.endpoints if e.state != "unrouted"]
    if served:
        title = "endpoints this traffic reached (totals over every ingest)"
        console.print(endpoints_table(served, first_seen=done.first_seen, title=title))
    if unrouted := len(done.endpoints) - len(served):
        console.print(
            f"[dim]and {unrouted} path(s) that only got 404/405/410/501 (probes, typos): "
            f"apiward api endpoints {escape(done.api)} --state unrouted[/]"
        )


def verified_events(
    path: Path, *, key: Path | None, key_env: str | None, accept_broken: bool
) -> list[AuditEvent]:
    """The log's events whose chain verified; a broken chain refuses (or warns) with one line."""
    from apiward.guard.audit import audit_key
    from apiward.guard.auditverify import MARKS, verify_log
    from apiward.guard.policy import AuditPolicy

    if not path.is_file():
        raise ConfigError("no such audit log", source=str(path))
    secret = audit_key(AuditPolicy(key_file=str(key) if key else None, key_env=key_env))
    verdict = verify_log(path, key=secret)
    warn = Console(stderr=True, highlight=False, soft_wrap=True)
    end = None
    if not verdict.intact:
        where = f"{path}:{verdict.broken_line}"
        broken = f"the audit log's chain is broken ({verdict.tamper}: {verdict.why})"
        if not accept_broken:
            raise ConfigError(
                f"{broken}; nothing recorded (--accept-broken records the lines before it)",
                source=where,
            )
        warn.print(
            f"[yellow]warning:[/] {escape(where)}: {escape(broken)}; recording the lines before it"
        )
        end = verdict.broken_line
    elif not verdict.sealed:
        warn.print(
            f"[dim]{escape(str(path))}: not sealed: the guard still runs, or stopped without a "
            "clean shutdown (a cut tail would look the same)[/]"
        )
    lines = path.read_bytes().split(b"\n")
    return [
        event
        for number, line in enumerate(lines, start=1)
        if line.strip() and (end is None or number < end)
        if (event := AuditEvent.from_json(line)).kind not in MARKS
    ]


def traffic_describer(contract: Api | None) -> Describe:
    """New guard events as endpoints, the way ``apiward inventory`` sees traffic."""
    from apiward.inventory import cluster
    from apiward.inventory.auditlog import observation
    from apiward.inventory.cluster import GONE, templates_of
    from apiward.inventory.diff import states
    from apiward.store.endpoints import EndpointRecord
    from apiward.store.ingest import Traffic

    def describe(events: Sequence[AuditEvent]) -> Traffic:
        observed = {e.hash: observation(e, e.hash) for e in events if e.method}
        templates = templates_of(list(observed.values()), contract)
        named = {
            key: f"{seen.method} {templates[seen.path, seen.route]}"
            for key, seen in observed.items()
        }
        requests = [e for e in events if e.kind == "request" and e.hash in observed]
        refused = Counter(named[e.hash] for e in requests if e.outcome == "refused")
        endpoints = cluster([observed[e.hash] for e in requests], contract)
        state = states(endpoints, contract)
        seen = tuple(
            EndpointRecord(
                method=usage.method,
                template=usage.path,
                state=state[usage.key].value,
                documented=usage.documented,
                first_seen=usage.first_seen,
                last_seen=usage.last_seen,
                calls=usage.calls,
                served=usage.calls - sum(n for s, n in usage.statuses.items() if s in GONE),
                refused=refused[usage.key],
            )
            for endpoint in endpoints
            for usage in endpoint.usages
            if usage.first_seen is not None and usage.last_seen is not None
        )
        return Traffic(endpoint=named, seen=seen)

    return describe


def _contract(spec: str | None) -> Api | None:
    if spec is None:
        return None
    from apiward.spec import load

    return load(spec, allow_private=True)


def endpoints_table(
    records: Sequence[EndpointRecord], *, first_seen: Collection[str] = (), title: str
) -> Table:
    """Endpoints by date: shadow and zombie ones in red, those seen for the first time marked."""
    table = Table(title=title, title_justify="left")
    for column in ("endpoint", "state", "first seen", "last seen", "calls", "refused"):
        table.add_column(column, overflow="fold")
    for record in records:
        state = record.state
        style = "red" if state in {"shadow", "zombie"} else ""
        table.add_row(
            escape(record.key) + (" [bold](new)[/]" if record.key in first_seen else ""),
            f"[{style}]{state}[/]" if style else state,
            record.first_seen.isoformat(timespec="seconds"),
            record.last_seen.isoformat(timespec="seconds"),
            str(record.calls),
            str(record.refused),
        )
    return table
