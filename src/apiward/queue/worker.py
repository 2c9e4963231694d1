"""``apiward worker``: a procrastinate worker running apiward's jobs, and a watch for lost ones.

Every worker sends a heartbeat every ``heartbeat`` seconds. A worker silent for three
heartbeats is taken for dead (killed, its machine gone): any worker then hands its
jobs back to the queue, and the next one to take a job re-runs it
(``apiward.queue.job``), the dead worker's run left marked partial.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from typing import Any

from apiward.queue.app import queue_app
from apiward.queue.connection import ensure_schema
from apiward.queue.settings import Settings

log = logging.getLogger(__name__)


def worker_name() -> str:
    """This worker as jobs name it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def run_worker(
    url: str, settings: Settings, *, concurrency: int = 1, heartbeat: float = 10.0
) -> None:
    """Run jobs from the queue at ``url`` until SIGINT/SIGTERM."""
    await ensure_schema(url)
    app = queue_app(url)
    async with app.open_async():
        watch = asyncio.create_task(_requeue_lost(app, heartbeat))
        try:
            await app.run_worker_async(
                name=settings.worker,
                concurrency=concurrency,
                additional_context={"apiward": settings},
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=3 * heartbeat,
                fetch_job_polling_interval=min(heartbeat, 5.0),
                delete_jobs="successful",
                # SIGTERM/Ctrl-C: cancel running scans at once; each records its run as
                # partial and goes back to the queue (apiward.queue.job) for another worker.
                shutdown_graceful_timeout=0,
            )
        finally:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch


async def _requeue_lost(app: Any, heartbeat: float) -> None:
    """Hand the jobs of workers silent for three heartbeats back to the queue."""
    while True:
        await asyncio.sleep(heartbeat)
        try:
            lost = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=3 * heartbeat)
            for job in lost:
                log.warning("job %s of a lost worker goes back to the queue", job.id)
                await app.job_manager.retry_job(job)
        except Exception:  # a failed watch round must not stop the worker
            log.exception("could not check for lost workers")
