"""``apiward scheduler``: enqueue each API's due runs from its cron schedule (``api add --schedule``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from apiward.cli.recording import StoreOption
from apiward.cli.worker import QueueOption


def scheduler(
    store: StoreOption = None,
    queue: QueueOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Enqueue what is due now, then exit (for cron).")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between looks at the schedules.")
    ] = 30.0,
    now: Annotated[
        list[str] | None,
        typer.Option(
            "--now", metavar="NAME", help="Also enqueue a run of this API now (repeatable)."
        ),
    ] = None,
    allow_overlap: Annotated[
        bool,
        typer.Option(
            "--allow-overlap", help="Let the --now runs overlap other scans of the same API."
        ),
    ] = False,
) -> None:
    """Enqueue runs as the APIs' schedules fall due; several schedulers enqueue each once."""
    from apiward.queue.app import queue_app
    from apiward.queue.connection import check_queue, ensure_schema, queue_url
    from apiward.store import opened_store

    url = queue_url(queue, store)
    check_queue(url)

    async def loop(engine: Engine) -> None:
        await ensure_schema(url)
        app = queue_app(url)
        async with app.open_async():
            await _now(app, engine, now or [], exclusive=not allow_overlap)
            while True:
                await _due(app, engine)
                if once:
                    return
                await asyncio.sleep(interval)

    with opened_store(store, create=False) as engine:
        asyncio.run(loop(engine))


async def _now(app: Any, engine: Engine, names: list[str], *, exclusive: bool) -> None:
    from apiward.queue.schedule import enqueue
    from apiward.store.apis import get_api

    for name in names:
        with engine.connect() as connection:
            api = get_api(connection, name)
        job = await enqueue(app, engine, api, datetime.now(UTC), exclusive=exclusive)
        typer.echo(f"enqueued job {job}: API {api.name!r} now")


async def _due(app: Any, engine: Engine) -> None:
    from apiward.queue.schedule import enqueue_due

    for job in await enqueue_due(app, engine):
        typer.echo(f"enqueued job {job}: a scheduled run fell due")
