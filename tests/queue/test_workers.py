"""Scans on the job queue, with real PostgreSQL and three real worker processes.

The store and the queue share one fresh PostgreSQL database. Three ``apiward worker``
processes serve the whole module (each test scans APIs of its own); the last test
kills one of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from slow_notes import IDENTITIES, TOKENS, notes_app
from sqlalchemy import Engine, func, select
from tests.conftest import ROOT, Served, run_apiward

from apiward.store import open_store
from apiward.store.jobs import LOST, STOPPED, JobRecord, JobState, list_jobs
from apiward.store.tables import coverage, findings, runs
from serving import serving

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SECRET = "whsec_test_5b0c1d"
HEARTBEAT = "0.5"


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that refuses the first POST (500) and keeps the others."""

    received: list[tuple[dict[str, str], bytes]]
    refused: list[bytes]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not self.refused:
            self.refused.append(body)
            self.send_response(500)
        else:
            self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh PostgreSQL database for the store and the queue."""
    name = f"apiward_queue_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES}/{name}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def receiver() -> Iterator[type[Receiver]]:
    """A real HTTP server on 127.0.0.1 receiving the webhooks."""
    handler = type("Handler", (Receiver,), {"received": [], "refused": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/hook"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def identities(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notes API's identities file; the tokens are in the workers' environment."""
    path = tmp_path_factory.mktemp("ids") / "identities.yaml"
    path.write_text(IDENTITIES)
    return path


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "NOTES_INES_TOKEN": TOKENS["ines"],
        "NOTES_OMAR_TOKEN": TOKENS["omar"],
        "APIWARD_WEBHOOK_SECRET": SECRET,
        "PYTHONPATH": str(ROOT / "src"),
    }


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where worker N writes what it prints: ``worker-N.log``."""
    return tmp_path_factory.mktemp("workers")


@pytest.fixture(scope="module")
def workers(
    database: str, receiver: type[Receiver], logs: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Three worker processes on the store's queue, scanning for BOLA only."""
    assert run_apiward("store", "upgrade", "--store", database).returncode == 0
    command = [sys.executable, "-m", "apiward", "worker", "--store", database]
    command += ["--heartbeat", HEARTBEAT, "--checks", "bola", "--no-signup"]
    command += ["--webhook", receiver.url]  # type: ignore[attr-defined]
    started = []
    for n in range(3):
        with (logs / f"worker-{n}.log").open("wb") as log:
            started.append(subprocess.Popen(command, env=_env(), stdout=log, stderr=log))
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def engine(database: str) -> Iterator[Engine]:
    """The store, as the tests read it."""
    opened = open_store(database)
    yield opened
    opened.dispose()


@pytest.fixture(scope="module")
def slow_notes() -> Iterator[Served]:
    """The notes API answering each request 0.2 s late."""
    with serving(notes_app(delay=0.2)) as url:
        yield Served(url)


def _add(database: str, name: str, server: Served, ids: Path, *extra: str) -> None:
    added = run_apiward(
        "api", "add", name, "--spec", f"{server.url}/openapi.json", "--target", server.url,
        "--identities", str(ids), "--store", database, *extra,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def _schedule(database: str, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "apiward", "scheduler", "--store", database, "--once", *args]
    return subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, text=True)


def _enqueue(database: str, *args: str) -> str:
    return _schedule(database, *args).communicate(timeout=120)[0]


def _jobs_of(engine: Engine, names: set[str]) -> list[JobRecord]:
    with engine.connect() as connection:
        return [job for job in list_jobs(connection) if job.api in names]


def _wait(
    engine: Engine, names: set[str], count: int, ok: Callable[[JobRecord], bool]
) -> list[JobRecord]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        found = _jobs_of(engine, names)
        if len(found) >= count and all(ok(job) for job in found):
            return found
        time.sleep(0.3)
    raise AssertionError(f"jobs never got there: {_jobs_of(engine, names)}")


def _over(job: JobRecord) -> bool:
    return job.state in {JobState.DONE, JobState.FAILED}


def _overlap(a: JobRecord, b: JobRecord) -> bool:
    assert a.started
    assert a.finished
    assert b.started
    assert b.finished
    return a.started < b.finished and b.started < a.finished


def test_each_scheduled_run_executes_once_and_records_each_finding_once(
    database: str,
    engine: Engine,
    workers: list[subprocess.Popen[bytes]],
    slow_notes: Served,
    identities: Path,
) -> None:
    """Six scheduled APIs, two schedulers racing: six jobs, six runs, no finding twice."""
    names = {f"notes-{n}" for n in range(6)}
    for name in sorted(names):
        _add(database, name, slow_notes, identities, "--schedule", "0 3 * * *")
    racing = [_schedule(database), _schedule(database)]
    said = "".join(process.communicate(timeout=120)[0] for process in racing)
    assert said.count("enqueued job") == 6
    done = _wait(engine, names, 6, _over)
    assert len(done) == 6
    assert {job.state for job in done} == {JobState.DONE}
    assert {job.attempts for job in done} == {1}
    with engine.connect() as connection:
        run_ids = [job.run_id for job in done]
        assert len(set(run_ids)) == 6
        recorded = connection.execute(
            select(runs.c.id, runs.c.complete).where(runs.c.id.in_(run_ids))
        ).all()
        assert all(complete for _, complete in recorded)
        counts = connection.execute(
            select(
                findings.c.run_id,
                func.count(),
                func.count(func.distinct(findings.c.fingerprint)),
            )
            .where(findings.c.run_id.in_(run_ids))
            .group_by(findings.c.run_id)
        ).all()
    assert len(counts) == 6, "every run found the BOLA"
    assert all(total == distinct for _, total, distinct in counts)
    # A second look at the schedules finds nothing due: each slot was enqueued once.
    assert "enqueued job" not in _enqueue(database)


def test_scheduled_scans_honour_the_scan_options_kept_with_each_api(
    database: str,
    engine: Engine,
    workers: list[subprocess.Popen[bytes]],
    slow_notes: Served,
    identities: Path,
    tmp_path: Path,
) -> None:
    """`api add --checks/--exclude/--safe` and `--config` decide what a worker scans."""
    config = tmp_path / "scan.yaml"
    config.write_text("checks: [security_headers]\nexclude: ['GET /notes/{slug}']\n")
    _add(database, "scoped", slow_notes, identities, "--schedule", "0 3 * * *",
         "--checks", "bola,security_headers", "--exclude", "GET /notes/{slug}", "--safe")  # fmt: skip
    _add(database, "configured", slow_notes, identities, "--schedule", "0 3 * * *",
         "--config", str(config))  # fmt: skip
    assert _enqueue(database).count("enqueued job") == 2
    done = {job.api: job for job in _wait(engine, {"scoped", "configured"}, 2, _over)}
    assert {job.state for job in done.values()} == {JobState.DONE}
    tested = {name: _tested(engine, job.run_id) for name, job in done.items()}
    with engine.connect() as connection:
        found = connection.execute(
            select(findings.c.check).where(findings.c.run_id.in_([j.run_id for j in done.values()]))
        ).scalars()
        assert "bola" not in set(found), "the BOLA's operation was excluded from both"
        options = connection.execute(
            select(runs.c.options).where(runs.c.id == done["scoped"].run_id)
        ).scalar_one()
    # The worker was started with --checks bola; each API's own checks replace that.
    assert {check for check, _, _ in tested["scoped"]} == {"bola", "security_headers"}
    assert {check for check, _, _ in tested["configured"]} == {"security_headers"}
    ran = [op for name in done for _, op, skipped in tested[name] if not skipped]
    assert ran, "something was tested"
    assert "GET /notes/{slug}" not in ran
    assert options["safe"] is True
    assert options["exclude"] == ["GET /notes/{slug}"]


def _tested(engine: Engine, run_id: int | None) -> set[tuple[str, str | None, bool]]:
    """What a run's checks tested or skipped: (check, operation, skipped)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(coverage.c.check, coverage.c.operation, coverage.c.skipped).where(
                coverage.c.run_id == run_id
            )
        )
        return {(check, operation, skipped) for check, operation, skipped in rows}


def test_two_workers_never_scan_one_api_at_once_unless_allowed(
    database: str,
    engine: Engine,
    workers: list[subprocess.Popen[bytes]],
    slow_notes: Served,
    identities: Path,
) -> None:
    """Three runs of one API go one after another; with --allow-overlap they may overlap."""
    _add(database, "ledger", slow_notes, identities)
    _add(database, "wiki", slow_notes, identities)
    _enqueue(database, "--now", "ledger", "--now", "ledger", "--now", "ledger")
    _enqueue(database, "--allow-overlap", "--now", "wiki", "--now", "wiki", "--now", "wiki")
    ledger = _wait(engine, {"ledger"}, 3, _over)
    wiki = _wait(engine, {"wiki"}, 3, _over)
    assert {job.state for job in ledger + wiki} == {JobState.DONE}
    pairs = [(a, b) for i, a in enumerate(ledger) for b in ledger[i + 1 :]]
    assert not any(_overlap(a, b) for a, b in pairs)
    allowed = [(a, b) for i, a in enumerate(wiki) for b in wiki[i + 1 :]]
    assert any(_overlap(a, b) for a, b in allowed)


def test_a_retest_job_runs_that_check_alone_and_records_a_retest_run(
    database: str,
    engine: Engine,
    workers: list[subprocess.Popen[bytes]],
    slow_notes: Served,
    identities: Path,
) -> None:
    """The dashboard's retest: the job names a check; the workers' own --checks give way."""
    import asyncio

    from apiward.queue.app import queue_app
    from apiward.queue.schedule import enqueue
    from apiward.store.apis import get_api

    _add(database, "retested", slow_notes, identities)
    with engine.connect() as connection:
        api = get_api(connection, "retested")

    async def put() -> int | None:
        app = queue_app(database)
        async with app.open_async():
            return await enqueue(app, engine, api, datetime.now(UTC), retest="security_headers")

    assert asyncio.run(put()) is not None
    [job] = _wait(engine, {"retested"}, 1, _over)
    assert job.state is JobState.DONE
    with engine.connect() as connection:
        tool, options = connection.execute(
            select(runs.c.tool, runs.c.options).where(runs.c.id == job.run_id)
        ).one()
    assert tool == "retest"
    assert options["checks"] == ["security_headers"]


def test_new_high_findings_are_posted_signed_and_retried(
    database: str,
    engine: Engine,
    workers: list[subprocess.Popen[bytes]],
    slow_notes: Served,
    identities: Path,
    receiver: type[Receiver],
) -> None:
    """A new BOLA is posted once per run that made it new: Slack text, fields, HMAC, no token."""
    _add(database, "diary", slow_notes, identities)
    _enqueue(database, "--now", "diary")
    (job,) = _wait(engine, {"diary"}, 1, _over)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        mine = [(h, b) for h, b in receiver.received if json.loads(b)["api"] == "diary"]
        if mine:
            break
        time.sleep(0.3)
    assert len(mine) == 1
    assert receiver.refused, "the first delivery was refused, and retried"
    headers, body = mine[0]
    expected = hmac.new(
        SECRET.encode(), headers["x-apiward-timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["x-apiward-signature"], f"sha256={expected}")
    message = json.loads(body)
    assert message["run"] == job.run_id
    assert "API diary" in message["text"]
    assert message["findings"][0]["check"] == "bola"
    assert message["findings"][0]["severity"] == "high"
    assert message["findings"][0]["state"] == "new"
    assert not any(token.encode() in body for token in TOKENS.values())
    assert SECRET.encode() not in body


def test_a_worker_stopped_mid_scan_records_a_partial_run_and_hands_the_job_back(
    database: str,
    engine: Engine,
    workers: list[subprocess.Popen[bytes]],
    identities: Path,
    logs: Path,
) -> None:
    """SIGTERM a worker mid-scan: it exits, its run is partial, another worker runs the job."""
    with serving(notes_app(delay=1.0)) as url:
        _add(database, "logbook", Served(url), identities)
        _enqueue(database, "--now", "logbook")
        (running,) = _wait(engine, {"logbook"}, 1, lambda j: j.state == JobState.RUNNING)
        assert running.worker is not None
        pid = int(running.worker.rsplit(":", 1)[1])
        index, process = next((n, p) for n, p in enumerate(workers) if p.pid == pid)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        (job,) = _wait(engine, {"logbook"}, 1, _over)
    assert job.state == JobState.DONE
    assert job.attempts == 2
    assert job.worker != running.worker
    with engine.connect() as connection:
        first = connection.execute(select(runs).where(runs.c.id == running.run_id)).mappings().one()
    assert first["complete"] is False
    assert STOPPED in first["notes"]
    said = (logs / f"worker-{index}.log").read_text()
    assert f"job {job.id} started: API 'logbook', run {running.run_id} (attempt 1)" in said
    assert (
        f"job {job.id} stopped: API 'logbook', run {running.run_id} partial, job requeued" in said
    )


def test_every_job_is_logged_when_it_starts_and_ends(
    engine: Engine, workers: list[subprocess.Popen[bytes]], logs: Path
) -> None:
    """Each worker says, on stderr, which job it started and how it ended, and how long it took."""
    said = "".join(path.read_text() for path in sorted(logs.glob("worker-*.log")))
    with engine.connect() as connection:
        over = [job for job in list_jobs(connection) if job.state == JobState.DONE]
    assert over
    for job in over:
        assert re.search(
            rf"job {job.id} done, \d+ finding\(s\): API '{job.api}', run {job.run_id}, [\d.]+ s",
            said,
        ), said


def test_a_worker_killed_mid_scan_leaves_a_partial_run_and_another_retries(
    database: str,
    engine: Engine,
    workers: list[subprocess.Popen[bytes]],
    identities: Path,
) -> None:
    """SIGKILL a worker mid-scan: its run stays partial, another worker runs the job again."""
    with serving(notes_app(delay=1.0)) as url:
        _add(database, "journal", Served(url), identities)
        _enqueue(database, "--now", "journal")
        (running,) = _wait(engine, {"journal"}, 1, lambda j: j.state == JobState.RUNNING)
        assert running.worker is not None
        pid = int(running.worker.rsplit(":", 1)[1])
        assert pid in {process.pid for process in workers}
        os.kill(pid, signal.SIGKILL)
        (job,) = _wait(engine, {"journal"}, 1, _over)
    assert job.state == JobState.DONE
    assert job.attempts == 2
    assert job.worker != running.worker
    with engine.connect() as connection:
        first = connection.execute(select(runs).where(runs.c.id == running.run_id)).mappings().one()
        second = connection.execute(select(runs).where(runs.c.id == job.run_id)).mappings().one()
    assert first["complete"] is False
    assert first["notes"] == [LOST]
    assert isinstance(first["finished"], datetime)
    assert second["complete"] is True
