"""What the job queue costs per job: procrastinate on the local PostgreSQL, no-op jobs.

    python benchmarks/queue_overhead.py [JOBS]

Defers JOBS no-op jobs (each with a per-API lock, as scans have), then drains them with
one worker of concurrency 3, in a fresh database dropped afterwards. A scan takes
seconds; this says how many milliseconds of it the queue takes.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

import procrastinate
import psycopg

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


async def measure(url: str, count: int) -> tuple[float, float]:
    """Seconds to defer ``count`` jobs, and to run them all."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    done = 0

    @app.task(name="noop")
    async def noop(n: int) -> None:
        nonlocal done
        done += 1
        if done == count:
            stop.set()

    stop = asyncio.Event()
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        began = time.perf_counter()
        for n in range(count):
            await noop.configure(lock=f"api-{n % 30}").defer_async(n=n)
        deferred = time.perf_counter() - began
        began = time.perf_counter()
        worker = asyncio.create_task(
            app.run_worker_async(concurrency=3, install_signal_handlers=False)
        )
        await asyncio.wait_for(stop.wait(), timeout=600)
        drained = time.perf_counter() - began
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    return deferred, drained


def main() -> None:
    """Print per-job costs of deferring and running."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    name = f"apiward_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        deferred, drained = asyncio.run(measure(f"{POSTGRES}/{name}", count))
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(
        f"{count} jobs: defer {deferred * 1000 / count:.2f} ms/job, "
        f"run {drained * 1000 / count:.2f} ms/job ({count / drained:.0f} jobs/s)"
    )


if __name__ == "__main__":
    main()
