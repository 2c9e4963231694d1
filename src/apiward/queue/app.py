"""The queue as procrastinate sees it: an app on PostgreSQL that knows apiward's two tasks."""

from __future__ import annotations

from typing import Any

from apiward.queue.connection import NOTIFY, SCAN


def queue_app(url: str) -> Any:
    """A procrastinate app on ``url`` that knows apiward's tasks (not yet opened)."""
    import procrastinate

    from apiward.queue.job import scan_job
    from apiward.queue.notify import deliver

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    app.task(name=SCAN, pass_context=True)(scan_job)
    # Webhooks retry with exponential backoff: 2, 4, 8, 16 s... (the queue keeps the wait).
    retry = procrastinate.RetryStrategy(max_attempts=6, exponential_wait=2)
    app.task(name=NOTIFY, pass_context=True, retry=retry)(deliver)
    return app
