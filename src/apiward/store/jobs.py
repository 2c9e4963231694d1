"""Runs a worker is asked to make: scheduled slots, their claims and their outcomes.

A job is one row: the API, the slot it is due for (its cron time, or the moment someone
asked), and what became of it. The row is what makes the queue's guarantees hold on
the store's side, whatever the queue does:

- a slot is enqueued once: ``(api, due)`` is unique, so two schedulers racing for one
  slot insert one row, and the loser enqueues nothing;
- a job runs once: a worker starts it only while it is ``queued`` (or ``running`` for a
  worker that was lost), under a row lock, and a done job is never started again;
- a lost worker's run stays behind marked partial, and the retry opens a new run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from apiward.store.apis import _record as api_record
from apiward.store.records import ApiRecord
from apiward.store.runs import _insert_run
from apiward.store.tables import apis, jobs, runs

LOST = "the worker running this scan was lost (killed or cut off): the run is partial"


class JobState(StrEnum):
    """Where a job is: waiting, being run, or over."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRecord:
    """One job as the store keeps it."""

    id: int
    api: str
    due: datetime
    state: JobState
    exclusive: bool
    attempts: int
    worker: str | None
    run_id: int | None
    error: str | None
    enqueued: datetime
    started: datetime | None
    finished: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Started:
    """A job a worker now holds: its API and the run it records into."""

    job: int
    api: ApiRecord
    run_id: int
    attempt: int


def due_slots(engine: Engine, now: datetime) -> list[tuple[ApiRecord, datetime]]:
    """Each scheduled API's latest cron slot at ``now`` that has no job yet.

    An API never scheduled before is due at once (its latest slot), so a new schedule
    does not wait a day for its first scan.
    """
    from croniter import croniter

    with engine.connect() as connection:
        last = dict(
            connection.execute(select(jobs.c.api_id, func.max(jobs.c.due)).group_by(jobs.c.api_id))
            .tuples()
            .all()
        )
        scheduled = connection.execute(select(apis).where(apis.c.schedule.is_not(None)))
        found = [api_record(row) for row in scheduled.mappings()]
    due: list[tuple[ApiRecord, datetime]] = []
    for api in found:
        slot = croniter(api.schedule or "", now.astimezone(UTC)).get_prev(datetime)
        previous = last.get(api.id)
        if previous is None or _utc(previous) < slot:
            due.append((api, slot))
    return due


def add_job(engine: Engine, api_id: int, due: datetime, *, exclusive: bool = True) -> int | None:
    """A new queued job for ``api_id``'s slot ``due``; None when that slot has one already."""
    values = {"api_id": api_id, "due": due, "state": JobState.QUEUED.value, "attempts": 0}
    values |= {"exclusive": exclusive, "enqueued": datetime.now(UTC)}
    try:
        with engine.begin() as connection:
            inserted = connection.execute(jobs.insert().values(**values)).inserted_primary_key
    except IntegrityError:
        return None
    return int(inserted[0]) if inserted is not None else None


def drop_job(engine: Engine, job_id: int) -> None:
    """Forget a job the queue refused, so its slot can be enqueued again."""
    with engine.begin() as connection:
        connection.execute(jobs.delete().where(jobs.c.id == job_id))


def start_job(engine: Engine, job_id: int, *, worker: str, tool: str = "scan") -> Started | None:
    """Claim job ``job_id`` for ``worker`` and open its run; None if it is over or unknown.

    A job still ``running`` was held by a worker that was lost: its run is closed as
    partial (:data:`LOST`) and this attempt opens a new one.
    """
    now = datetime.now(UTC)
    with engine.begin() as connection:
        row = (
            connection.execute(select(jobs).where(jobs.c.id == job_id).with_for_update())
            .mappings()
            .first()
        )
        if row is None or row["state"] in {JobState.DONE, JobState.FAILED}:
            return None
        if row["state"] == JobState.RUNNING and row["run_id"] is not None:
            _close_lost(connection, row["run_id"], now)
        api = api_record(
            connection.execute(select(apis).where(apis.c.id == row["api_id"])).mappings().one()
        )
        values: dict[str, Any] = {"tool": tool, "target": api.target or api.name}
        values |= {"contract": api.spec}
        values |= {"version": _version(), "options": {"job": job_id}, "started": now}
        values |= {"finished": None, "complete": False, "stats": {}, "notes": []}
        run_id = _insert_run(connection, api.id, None, values, None)
        attempt = row["attempts"] + 1
        connection.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(
                state=JobState.RUNNING.value,
                attempts=attempt,
                worker=worker,
                run_id=run_id,
                started=now,
            )
        )
        return Started(job=job_id, api=api, run_id=run_id, attempt=attempt)


STOPPED = "the worker was stopped (SIGTERM/Ctrl-C) mid-scan: the run is partial, the job requeued"


def hand_back(engine: Engine, job_id: int) -> None:
    """Put job ``job_id`` back in the queue's hands: queued again, held by no worker."""
    with engine.begin() as connection:
        connection.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(state=JobState.QUEUED.value, worker=None)
        )


def finish_job(engine: Engine, job_id: int, *, error: str | None = None) -> None:
    """Close job ``job_id``: done, or failed with one line saying why."""
    state = JobState.FAILED if error else JobState.DONE
    with engine.begin() as connection:
        connection.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(state=state.value, error=error, finished=datetime.now(UTC))
        )


def list_jobs(connection: Connection, *, api_id: int | None = None) -> list[JobRecord]:
    """Jobs, oldest first (of one API when ``api_id`` is given)."""
    query = select(jobs, apis.c.name.label("api")).join(apis, apis.c.id == jobs.c.api_id)
    if api_id is not None:
        query = query.where(jobs.c.api_id == api_id)
    return [
        JobRecord(
            id=row["id"],
            api=row["api"],
            due=row["due"],
            state=JobState(row["state"]),
            exclusive=row["exclusive"],
            attempts=row["attempts"],
            worker=row["worker"],
            run_id=row["run_id"],
            error=row["error"],
            enqueued=row["enqueued"],
            started=row["started"],
            finished=row["finished"],
        )
        for row in connection.execute(query.order_by(jobs.c.id)).mappings()
    ]


def _close_lost(connection: Connection, run_id: int, now: datetime) -> None:
    connection.execute(
        runs.update()
        .where(runs.c.id == run_id, runs.c.finished.is_(None))
        .values(finished=now, complete=False, notes=[LOST])
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _version() -> str:
    from apiward import __version__

    return __version__
