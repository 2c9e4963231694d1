"""``apiward store``: where the history lives, and migrating it to this apiward's schema."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from apiward.cli.recording import ReadStoreOption, StoreOption

app = typer.Typer(help="The store: where runs, findings and triage are kept.", no_args_is_help=True)


@app.command()
def upgrade(store: StoreOption = None) -> None:
    """Migrate the store to this apiward's schema (back it up first)."""
    from apiward.store.location import display, resolve
    from apiward.store.schema import upgrade as migrate

    before, after = migrate(store)
    where = escape(display(resolve(store)))
    if before == after:
        typer.echo(f"{where}: already at schema {after}")
    else:
        typer.echo(f"{where}: schema {before or '(empty)'} -> {after}")


@app.command()
def info(store: ReadStoreOption = None) -> None:
    """Which store is used, its schema, and how many APIs, runs and findings it holds."""
    from sqlalchemy import func, select

    from apiward.store import opened_store
    from apiward.store.schema import where
    from apiward.store.tables import SCHEMA, apis, endpoints, findings, guard_events, runs, states

    with opened_store(store, create=False) as engine:
        with engine.connect() as connection:
            counts = {
                name: connection.execute(select(func.count()).select_from(table)).scalar()
                for name, table in (
                    ("APIs", apis),
                    ("runs", runs),
                    ("findings tracked", states),
                    ("findings recorded", findings),
                    ("guard events", guard_events),
                    ("endpoints seen", endpoints),
                )
            }
        console = Console(highlight=False)
        console.print(f"store: {escape(where(engine))} (schema {SCHEMA})")
        for name, count in counts.items():
            console.print(f"{name}: {count}")
