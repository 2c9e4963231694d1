"""Actions: scan now and retest put jobs on the real queue (PostgreSQL); admins add APIs."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from dashboard_store import BOLA, build

from apiward.server.app import create_app
from conftest import csrf_of, login

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def queue() -> Iterator[str]:
    """A fresh PostgreSQL database for the job queue."""
    name = f"apiward_dash_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES}/{name}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def queued(serve: Callable[[Any], Any], tmp_path: Path, queue: str) -> Iterator[str]:
    """A dashboard whose scan and retest buttons put jobs on ``queue``."""
    engine = build(tmp_path / "store.db")
    yield serve(create_app(engine, queue=queue)).url
    engine.dispose()


def _tasks(queue: str) -> list[tuple[str, dict[str, Any], str | None]]:
    with psycopg.connect(queue) as connection:
        made = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if made is None or made[0] is None:
            return []  # nothing was ever queued: the queue's tables are made on first use
        rows = connection.execute(
            "SELECT task_name, args, lock FROM procrastinate_jobs ORDER BY id"
        ).fetchall()
    return [
        (name, args if isinstance(args, dict) else json.loads(args), lock)
        for name, args, lock in rows
    ]


def test_scan_now_puts_one_job_on_the_queue_and_lists_it_on_the_api_page(
    queued: str, queue: str
) -> None:
    """A triager's scan: a store job, a queue task carrying only its id, under the API's lock."""
    with closing(login(queued, "tom")) as client:
        answer = client.post("/api/apis/1/scan", headers={"x-csrf-token": csrf_of(client)})
        assert answer.status_code == 202, answer.text
        job = answer.json()["job"]
        assert answer.json()["api"] == "orders"
        assert _tasks(queue) == [("apiward.scan", {"job": job}, "api-1")]
        jobs = client.get("/api/apis/1").json()["jobs"]
        assert [(j["id"], j["state"]) for j in jobs] == [(job, "queued")]
        page = client.post("/apis/1/scan", data={"csrf": csrf_of(client)})
        assert page.status_code == 303
        assert page.headers["location"] == "/apis/1"
        assert len(_tasks(queue)) == 2


def test_retest_queues_the_findings_check_alone(queued: str, queue: str) -> None:
    """The task names the check to run again; the worker records it as a retest run."""
    with closing(login(queued, "tom")) as client:
        answer = client.post(
            f"/api/findings/1/{BOLA.fingerprint}/retest",
            headers={"x-csrf-token": csrf_of(client)},
        )
        assert answer.status_code == 202, answer.text
        assert _tasks(queue) == [
            ("apiward.scan", {"job": answer.json()["job"], "retest": "bola"}, "api-1")
        ]
        assert (
            client.post(
                "/api/findings/1/0123456789abcdef/retest",
                headers={"x-csrf-token": csrf_of(client)},
            ).status_code
            == 404
        )


def test_a_viewer_cannot_queue_anything(queued: str, queue: str) -> None:
    """Scan and retest need the triager role; the viewer's page has no scan button."""
    with closing(login(queued, "vera")) as client:
        csrf = {"x-csrf-token": csrf_of(client)}
        assert client.post("/api/apis/1/scan", headers=csrf).status_code == 403
        retest = f"/api/findings/1/{BOLA.fingerprint}/retest"
        assert client.post(retest, headers=csrf).status_code == 403
        assert "Scan now" not in client.get("/apis/1").text
        assert _tasks(queue) == []


def test_without_a_queue_scan_and_retest_say_so(dashboard: str) -> None:
    """No --queue and a SQLite store: 409 naming the option, no job recorded."""
    with closing(login(dashboard, "tom")) as client:
        answer = client.post("/api/apis/1/scan", headers={"x-csrf-token": csrf_of(client)})
        assert answer.status_code == 409
        assert "--queue" in answer.json()["detail"]
        assert client.get("/api/apis/1").json()["jobs"] == []


def test_without_a_queue_the_buttons_are_disabled_and_say_why(dashboard: str) -> None:
    """No queue: Scan now and Retest this finding show disabled, with the option that enables them."""
    with closing(login(dashboard, "tom")) as client:
        for page in ("/apis/1", f"/findings/1/{BOLA.fingerprint}"):
            text = client.get(page).text
            assert re.search(
                r'<button type="submit" disabled>(Scan now|Retest this finding)<', text
            )
            assert "no job queue" in text
            assert "apiward server --queue" in text


def test_an_admin_adds_an_api_others_may_not(dashboard: str, tmp_path: Path) -> None:
    """Admin only; a bad schedule or a taken name is a 400 with the reason."""
    with closing(login(dashboard, "ada")) as admin, closing(login(dashboard, "tom")) as triager:
        added = admin.post(
            "/api/apis",
            json={"name": "billing", "target": "http://127.0.0.1:9", "schedule": "30 2 * * 1"},
            headers={"x-csrf-token": csrf_of(admin)},
        )
        assert added.status_code == 201, added.text
        assert added.json()["schedule"] == "30 2 * * 1"
        bad = admin.post(
            "/api/apis",
            json={"name": "ledger", "schedule": "every night"},
            headers={"x-csrf-token": csrf_of(admin)},
        )
        assert bad.status_code == 400
        assert "cron" in bad.json()["detail"]
        taken = admin.post("/apis", data={"name": "orders", "csrf": csrf_of(admin)})
        assert taken.status_code == 400
        assert "already exists" in taken.text
        form = admin.post("/apis", data={"name": "ledger", "csrf": csrf_of(admin)})
        assert form.status_code == 303
        assert "Add the API" in admin.get("/apis/new").text
        refused = triager.post(
            "/api/apis", json={"name": "x"}, headers={"x-csrf-token": csrf_of(triager)}
        )
        assert refused.status_code == 403
        assert triager.get("/apis/new").status_code == 403
        names = [a["name"] for a in admin.get("/api/apis").json()]
        assert names == ["billing", "ledger", "orders"]
