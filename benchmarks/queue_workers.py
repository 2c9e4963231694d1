"""Scans on the job queue with 1, 2, 3... ``apiward worker`` processes: where does it bend?

Run: ``.venv/bin/python benchmarks/queue_workers.py [--banks 30] [--workers 1,2,3]
[--checks LIST | --full]``. It serves ``--banks`` demo banks on 127.0.0.1 (each a fresh bank
with its own database, all in one helper process), registers one API per bank in a fresh
PostgreSQL store (the queue lives there too, as with ``apiward worker`` by default), then
for each worker count starts that many real ``apiward worker`` processes (concurrency 1),
enqueues a scan of every bank with ``apiward scheduler --once --now ...`` and times until
the store says every job is over. Per round it prints the wall time, scans per minute,
the speed-up over one worker, a scan's mean time, and the CPU the workers, the banks and
PostgreSQL used per second of wall time (cores busy): the machine has ``os.cpu_count()``.

A full scan of the bank takes about 35 s here, so 30 banks at 1, 2 and 3 workers would
take over half an hour: by default the scans run a reduced set of checks
(:data:`REDUCED`, about 11 s a scan); ``--full`` runs them all. The database is dropped
afterwards.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from apiward.demo import IDENTITIES
from apiward.store import open_store
from apiward.store.apis import add_api
from apiward.store.jobs import JobRecord, JobState, list_jobs

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SRC = Path(__file__).resolve().parent.parent / "src"
SPEC = SRC / "apiward" / "demo" / "bank-openapi.json"
REDUCED = "bola,bfla,mass_assignment,excessive_data"
"""Checks of the default run: authorization and data exposure, about a third of a full scan."""
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Round:
    """One worker count's run over every bank."""

    workers: int
    wall: float
    scans: int
    failed: int
    mean_scan: float
    worker_cpu: float
    bank_cpu: float
    postgres_cpu: float


def cpu_seconds(pids: list[int], *, reaped: bool = False) -> float:
    """User + system CPU seconds of these processes so far (0 for one that is gone).

    ``reaped`` adds the CPU of children they waited for: PostgreSQL's server forks a
    process per connection, and one closed during the round counts there.
    """
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        used = fields[11:15] if reaped else fields[11:13]
        total += sum(int(ticks) for ticks in used) / TICKS
    return total


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL server process (other clients' work included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return cpu_seconds(found, reaped=True)


def serve_banks(count: int) -> None:
    """The helper process: ``count`` fresh banks, their URLs on stdout, until stdin closes."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _bank import fresh_bank

    with ExitStack() as stack:
        for _ in range(count):
            url, _tally = stack.enter_context(fresh_bank(fixed=False))
            print(url, flush=True)
        sys.stdin.read()


@contextmanager
def banks(count: int) -> Iterator[tuple[list[str], int]]:
    """``count`` banks served by a helper process: their URLs and its pid."""
    command = [sys.executable, __file__, "--serve-banks", str(count)]
    helper = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env()
    )
    assert helper.stdout is not None
    assert helper.stdin is not None
    try:
        urls = [helper.stdout.readline().strip() for _ in range(count)]
        if not all(urls):
            raise RuntimeError("the banks did not start")
        yield urls, helper.pid
    finally:
        helper.stdin.close()
        helper.wait(timeout=60)


@contextmanager
def database() -> Iterator[str]:
    """A throw-away PostgreSQL database for the store and the queue."""
    name = f"apiward_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC)}


def _apiward(*args: str) -> list[str]:
    return [sys.executable, "-m", "apiward", *args]


@contextmanager
def workers(url: str, count: int, checks: str | None) -> Iterator[list[int]]:
    """``count`` worker processes on the store's queue, ready for jobs; their pids."""
    command = _apiward("worker", "--store", url, "--heartbeat", "2", "--no-signup")
    command += ["--checks", checks] if checks else []
    started = [
        subprocess.Popen(command, env=_env(), stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    try:
        for process in started:
            assert process.stderr is not None
            if "waiting for jobs" not in process.stderr.readline():
                raise RuntimeError("a worker did not start")
        time.sleep(1.0)  # past the queue's schema check, polling
        yield [process.pid for process in started]
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def run_round(url: str, urls: list[str], bank_pid: int, count: int, checks: str | None) -> Round:
    """Every bank scanned once by ``count`` workers."""
    engine = open_store(url)
    names = [f"bank-w{count}-{n:02d}" for n in range(len(urls))]
    for name, target in zip(names, urls, strict=True):
        add_api(engine, name, spec=str(SPEC), target=target, identities=Path(str(IDENTITIES)))
    try:
        with workers(url, count, checks) as pids:
            before = cpu_seconds(pids), cpu_seconds([bank_pid]), postgres_cpu()
            began = time.perf_counter()
            enqueue = _apiward("scheduler", "--store", url, "--once")
            for name in names:
                enqueue += ["--now", name]
            subprocess.run(enqueue, env=_env(), check=True, capture_output=True)
            done = _wait(engine, set(names))
            wall = time.perf_counter() - began
            after = cpu_seconds(pids), cpu_seconds([bank_pid]), postgres_cpu()
    finally:
        engine.dispose()
    used = [(b - a) / wall for a, b in zip(before, after, strict=True)]
    spans = [_seconds(j.started, j.finished) for j in done if j.started and j.finished]
    return Round(
        workers=count,
        wall=wall,
        scans=len(done),
        failed=sum(j.state is JobState.FAILED for j in done),
        mean_scan=sum(spans) / max(len(spans), 1),
        worker_cpu=used[0],
        bank_cpu=used[1],
        postgres_cpu=used[2],
    )


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def _wait(engine: object, names: set[str]) -> list[JobRecord]:
    over = {JobState.DONE, JobState.FAILED}
    while True:
        with engine.connect() as connection:  # type: ignore[attr-defined]
            found = [job for job in list_jobs(connection) if job.api in names]
        if len(found) == len(names) and all(job.state in over for job in found):
            return found
        time.sleep(0.5)


def main() -> None:
    """Print one line per worker count: the scaling curve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banks", type=int, default=30)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--checks", default=REDUCED)
    parser.add_argument("--full", action="store_true", help="every check (a full scan)")
    parser.add_argument("--serve-banks", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_banks:
        serve_banks(args.serve_banks)
        return
    checks = None if args.full else args.checks
    counts = [int(n) for n in args.workers.split(",")]
    print(
        f"{args.banks} demo banks, checks: {checks or 'all'}, "
        f"{os.cpu_count()} cores; CPU columns are cores busy (CPU s per wall s)"
    )
    print("workers   wall s  scans/min  speed-up  mean scan s  workers  banks  postgres")
    first: float | None = None
    with database() as url, banks(args.banks) as (urls, bank_pid):
        subprocess.run(_apiward("store", "upgrade", "--store", url), env=_env(), check=True)
        for count in counts:
            done = run_round(url, urls, bank_pid, count, checks)
            first = first or done.wall
            failed = f"  ({done.failed} failed)" if done.failed else ""
            print(
                f"{done.workers:>7} {done.wall:>8.1f} {done.scans / done.wall * 60:>10.1f} "
                f"{first / done.wall:>9.2f} {done.mean_scan:>12.1f} {done.worker_cpu:>8.2f} "
                f"{done.bank_cpu:>6.2f} {done.postgres_cpu:>9.2f}{failed}",
                flush=True,
            )


if __name__ == "__main__":
    main()
