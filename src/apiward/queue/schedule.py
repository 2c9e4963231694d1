"""Putting runs on the queue: the due cron slots of every scheduled API, or one API now.

A slot becomes a job row in the store first (unique per API and slot: two schedulers
enqueue it once), then a procrastinate job carrying only that row's id. An exclusive
job takes the API's lock, so the queue never hands two scans of one API to workers at
once; ``exclusive=False`` (``--allow-overlap``) lets them overlap.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from apiward.queue.connection import SCAN
from apiward.store.records import ApiRecord


async def enqueue(
    app: Any,
    engine: Engine,
    api: ApiRecord,
    due: datetime,
    *,
    exclusive: bool = True,
    retest: str | None = None,
) -> int | None:
    """Enqueue ``api``'s run due at ``due``; its job id, or None if that slot has one.

    ``retest``: a check's name; the job then runs that check alone, as ``apiward retest``
    does, and records a ``retest`` run.
    """
    import asyncio

    from apiward.store.jobs import add_job, drop_job

    job = await asyncio.to_thread(add_job, engine, api.id, due, exclusive=exclusive)
    if job is None:
        return None
    task = app.configure_task(
        SCAN,
        lock=f"api-{api.id}" if exclusive else None,
        queueing_lock=f"job-{job}",
    )
    try:
        await task.defer_async(job=job, **({"retest": retest} if retest else {}))
    except BaseException:
        await asyncio.to_thread(drop_job, engine, job)
        raise
    return job


async def enqueue_due(app: Any, engine: Engine, now: datetime | None = None) -> list[int]:
    """Enqueue every scheduled API's due slot; the ids of the jobs made."""
    import asyncio

    from apiward.store.jobs import due_slots

    made: list[int] = []
    slots = await asyncio.to_thread(due_slots, engine, now or datetime.now(UTC))
    for api, due in slots:
        job = await enqueue(app, engine, api, due)
        if job is not None:
            made.append(job)
    return made
