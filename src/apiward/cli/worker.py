"""``apiward worker``: run queued scans (see ``apiward.queue``) until stopped."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated

import typer

from apiward.cli.recording import StoreOption
from apiward.core.errors import ConfigError
from apiward.core.urls import http_url

QueueOption = Annotated[
    str | None,
    typer.Option(
        "--queue",
        envvar="APIWARD_QUEUE",
        metavar="URL",
        help="The job queue's PostgreSQL database (default: the store, if PostgreSQL).",
    ),
]


def worker(
    store: StoreOption = None,
    queue: QueueOption = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="Scans at once in this worker.")
    ] = 1,
    checks: Annotated[
        str | None, typer.Option("--checks", help="Comma-separated check ids (default: all).")
    ] = None,
    safe: Annotated[
        bool, typer.Option("--safe", help="Never modify or delete data belonging to others.")
    ] = False,
    no_signup: Annotated[
        bool, typer.Option("--no-signup", help="Never sign up users of the scan's own.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds to wait for each answer.")
    ] = 10.0,
    webhook: Annotated[
        list[str] | None,
        typer.Option(
            "--webhook",
            metavar="URL",
            help="POST new and regressed high/critical findings here (repeatable); "
            "signed with $APIWARD_WEBHOOK_SECRET.",
        ),
    ] = None,
    heartbeat: Annotated[
        float,
        typer.Option(
            "--heartbeat",
            min=0.2,
            help="Seconds between heartbeats; a worker silent for 3 is taken for dead.",
        ),
    ] = 10.0,
) -> None:
    """Run scans from the job queue: any number of workers, on any machines, share one queue."""
    from apiward.queue.connection import check_queue, queue_url
    from apiward.queue.settings import Settings
    from apiward.queue.worker import run_worker, worker_name
    from apiward.scan.checks import builtin_checks
    from apiward.server.webhooks import stored_urls
    from apiward.store import opened_store

    wanted = tuple(c.strip() for c in checks.split(",") if c.strip()) if checks else ()
    known = builtin_checks().names()
    if unknown := [c for c in wanted if c not in known]:
        raise ConfigError(f"unknown check {unknown[0]!r} (known: {', '.join(known)})")
    with opened_store(store, create=False) as engine:
        hooks = tuple(webhook or ()) + stored_urls(engine)
        for hook in hooks:
            http_url(hook, "--webhook")
        secret = os.environ.get("APIWARD_WEBHOOK_SECRET")
        if hooks and not secret:
            raise ConfigError(
                "webhooks (--webhook, or the dashboard's settings) need "
                "APIWARD_WEBHOOK_SECRET: messages are always signed"
            )
        url = queue_url(queue, store)
        check_queue(url)
        settings = Settings(
            engine=engine,
            worker=worker_name(),
            checks=wanted,
            safe=safe,
            signup=not no_signup,
            timeout=timeout,
            webhooks=hooks,
            secret=secret,
        )
        _log_jobs()
        typer.echo(f"worker {settings.worker} waiting for jobs", err=True)
        asyncio.run(run_worker(url, settings, concurrency=concurrency, heartbeat=heartbeat))


def _log_jobs() -> None:
    """One line on stderr per job started and ended (``apiward.queue``'s INFO records)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    logger = logging.getLogger("apiward.queue")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
