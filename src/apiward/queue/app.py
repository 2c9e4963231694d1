"""The queue as procrastinate sees it: an app on PostgreSQL that knows apiward's two tasks."""

from __future__ import annotations

import asyncio
from typing import Any

from apiward.queue.connection import NOTIFY, SCAN


def _back_on_stop() -> Any:
    """A retry strategy that hands back a scan cut short by its worker's stop, and no other."""
    import procrastinate

    class BackOnStop(procrastinate.BaseRetryStrategy):
        def get_retry_decision(
            self, *, exception: BaseException, job: Any
        ) -> procrastinate.RetryDecision | None:
            # A stopping worker cancels its scans; a scan that failed is over (the store says why).
            if isinstance(exception, asyncio.CancelledError):
                return procrastinate.RetryDecision(retry_in={"seconds": 0})
            return None

    return BackOnStop()


def queue_app(url: str) -> Any:
    """A procrastinate app on ``url`` that knows apiward's tasks (not yet opened)."""
    import procrastinate

    from apiward.queue.job import scan_job
    from apiward.queue.notify import deliver

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    app.task(name=SCAN, pass_context=True, retry=_back_on_stop())(scan_job)
    # Webhooks retry with exponential backoff: 2, 4, 8, 16 s... (the queue keeps the wait).
    retry = procrastinate.RetryStrategy(max_attempts=6, exponential_wait=2)
    app.task(name=NOTIFY, pass_context=True, retry=retry)(deliver)
    return app
