"""``apiward api``: the APIs apiward looks after, each with its contract, target and identities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiward.cli.recording import ReadStoreOption, StoreOption
from apiward.core.errors import ConfigError
from apiward.core.urls import http_url
from apiward.inventory.diff import State

app = typer.Typer(help="The APIs in the store: add, list, show, endpoints.", no_args_is_help=True)


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="A name for the API, e.g. payments.")],
    spec: Annotated[
        str | None, typer.Option("--spec", help="The contract: file, folder or URL.")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Base URL of the running API.")
    ] = None,
    identities: Annotated[
        Path | None,
        typer.Option("--identities", help="Identities file (kept as a path: secrets stay in it)."),
    ] = None,
    schedule: Annotated[
        str | None, typer.Option("--schedule", help="When to scan it, as cron: '0 3 * * *'.")
    ] = None,
    safe: Annotated[
        bool, typer.Option("--safe", help="Scan it without modifying data of others.")
    ] = False,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Scan only these operations (as `scan --include`)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Never touch these operations (as `scan --exclude`)."),
    ] = None,
    checks: Annotated[
        str | None, typer.Option("--checks", help="Comma-separated check ids to run on it.")
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="A scan config file (kept as a path, read at each scan)."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Register an API, so runs, scans and schedules can name it, with its scan options."""
    from apiward.scan.checks import builtin_checks
    from apiward.scan.config_file import read_scan_config
    from apiward.scan.scope import patterns
    from apiward.store import opened_store
    from apiward.store.apis import add_api

    wanted = list(patterns(checks.split(","))) if checks else []
    known = builtin_checks().names()
    if unknown := [c for c in wanted if c not in known]:
        raise ConfigError(f"unknown check {unknown[0]!r} (known: {', '.join(known)})")
    if config_file is not None:
        read_scan_config(config_file)  # a mistake in it is found now, not at 3 a.m.
    if target is not None:
        check_url(target, "--target")
    if spec is not None:
        check_spec(spec, target)
    options: dict[str, object] = {"safe": safe, "include": include, "exclude": exclude}
    options["checks"] = wanted
    options["config"] = str(config_file) if config_file else None
    with opened_store(store) as engine:
        added = add_api(
            engine,
            name,
            spec=spec,
            target=target,
            identities=identities,
            schedule=schedule,
            options=options,
        )
    typer.echo(f"API {added.name!r} added")


@app.command("list")
def list_(store: ReadStoreOption = None) -> None:
    """Every API with its target, schedule and open findings."""
    from sqlalchemy import func, select

    from apiward.store import State, opened_store
    from apiward.store.apis import list_apis
    from apiward.store.tables import runs, states

    with opened_store(store, create=False) as engine:
        found = list_apis(engine)
        with engine.connect() as connection:
            active = [State.NEW, State.OPEN, State.REGRESSED]
            open_counts = {
                row[0]: row[1]
                for row in connection.execute(
                    select(states.c.api_id, func.count())
                    .where(states.c.state.in_(active))
                    .group_by(states.c.api_id)
                )
            }
            last = {
                row[0]: row[1]
                for row in connection.execute(
                    select(runs.c.api_id, func.max(runs.c.id)).group_by(runs.c.api_id)
                )
            }
    table = Table(title=f"{len(found)} API(s)", title_justify="left")
    for column in ("name", "target", "schedule", "open findings", "last run"):
        table.add_column(column, overflow="fold")
    for api in found:
        table.add_row(
            escape(api.name),
            escape(api.target or "-"),
            escape(api.schedule or "-"),
            str(open_counts.get(api.id, 0)),
            str(last.get(api.id, "-")),
        )
    Console(highlight=False).print(table)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="The API's name.")],
    store: ReadStoreOption = None,
) -> None:
    """An API's settings and its latest runs."""
    from apiward.store import opened_store
    from apiward.store.apis import get_api
    from apiward.store.runs import list_runs

    with opened_store(store, create=False) as engine, engine.connect() as connection:
        api = get_api(connection, name)
        recent = list_runs(connection, api.id)
    console = Console(highlight=False)
    for label, value in (
        ("name", api.name),
        ("spec", api.spec),
        ("target", api.target),
        ("identities", api.identities),
        ("schedule", api.schedule),
        ("scan options", _described(api.options)),
        ("added", api.created.isoformat(timespec="seconds")),
    ):
        console.print(f"{label}: {escape(value or '-')}")
    table = Table(title="latest runs", title_justify="left")
    for column in ("run", "tool", "started", "complete", "findings", "apiward"):
        table.add_column(column)
    for run in recent:
        table.add_row(
            str(run.id),
            run.tool,
            run.started.isoformat(timespec="seconds"),
            "yes" if run.complete else "PARTIAL",
            str(run.findings),
            run.version,
        )
    console.print(table)


@app.command()
def endpoints(
    name: Annotated[str, typer.Argument(help="The API's name.")],
    state: Annotated[State | None, typer.Option("--state", help="Only these.")] = None,
    store: ReadStoreOption = None,
) -> None:
    """The API's endpoints as its guard's ingested traffic shows them, first and last seen."""
    from apiward.cli.ingest import endpoints_table
    from apiward.store import opened_store
    from apiward.store.apis import get_api
    from apiward.store.endpoints import list_endpoints

    with opened_store(store, create=False) as engine, engine.connect() as connection:
        api = get_api(connection, name)
        found = list_endpoints(connection, api.id, state=state)
    title = f"{len(found)} endpoint(s) of {api.name} in its guard's traffic"
    Console(highlight=False).print(endpoints_table(found, title=title))


def check_spec(spec: str, target: str | None) -> None:
    """Load a local contract as `scan` will; a URL is checked as a URL, fetched at each scan."""
    if "://" in spec:
        check_url(spec, "--spec")
        return
    from apiward.spec import load

    load(spec, trusted_origins=(target,) if target else ())


def check_url(url: str, option: str) -> None:
    """An http(s) URL with a host, or a one-line ConfigError naming ``option``."""
    http_url(url, option)


def _described(options: dict[str, object]) -> str | None:
    """Scan options as `scan` would be given them: ``--safe --exclude 'DELETE *'``."""
    words: list[str] = []
    for name, value in sorted(options.items()):
        if value is True:
            words.append(f"--{name}")
        elif isinstance(value, list):
            if name == "checks":
                words.append(f"--checks {','.join(map(str, value))}")
            else:
                words.extend(f"--{name} {item!r}" for item in value)
        else:
            words.append(f"--{name} {value}")
    return " ".join(words) or None
