"""A dispatcher seeing every technician's jobs does not make a technician's own job another's.

A full scan through the real CLI of a field-service API (``fieldwork_app``, Flask):
technicians tina and omar own jobs with nested tasks, and dana, a dispatcher (another
role, no ranks given), lists every job and every task. Each technician's task writes are
its own and must be tested, so ``bola`` finds omar editing tina's task; the fixed twin
gives no finding. Every object the scan made is gone afterwards, every seeded one as it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fieldwork_app import IDENTITIES, JOBS, TASKS, Fieldwork, running
from tests.conftest import run_apiward

PLANTED = {
    ("bola", "PUT /v1/jobs/{job_id}/tasks/{task_id}"),
    ("bola", "DELETE /v1/jobs/{job_id}/tasks/{task_id}"),
}
WRITES = (
    "POST /v1/jobs/{job_id}/tasks",
    "PUT /v1/jobs/{job_id}/tasks/{task_id}",
    "DELETE /v1/jobs/{job_id}/tasks/{task_id}",
)
CHECKS = "bola,negative_amount,sql_injection"


def _scan(service: Fieldwork, tmp_path: Path) -> dict[str, Any]:
    identities, out = tmp_path / "identities.yaml", tmp_path / "out.json"
    identities.write_text(IDENTITIES)
    with running(service) as url:
        command = ["scan", "--spec", f"{url}/openapi.json", "--target", url, "--allow-private"]
        done = run_apiward(
            *command, "--identities", str(identities), "--json", str(out), "--checks", CHECKS
        )
    assert done.returncode in {0, 1}, done.stderr[-2000:]
    return dict(json.loads(out.read_text()))


def _found(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["check"], f["operation"]) for f in report["findings"]}


def _withheld(report: dict[str, Any], operation: str, who: str) -> list[str]:
    return [
        s["detail"]
        for s in report["skipped"]
        if s["operation"] == operation
        and "names another's object" in s["detail"]
        and (s["detail"].startswith(f"{who}'s") or "every identity" in s["detail"])
    ]


def test_a_technicians_own_task_writes_are_tested_and_the_bola_found(tmp_path: Path) -> None:
    """Omar editing and deleting tina's task is found; no technician's write is withheld."""
    service = Fieldwork(flawed=True)
    report = _scan(service, tmp_path)
    assert _found(report) >= PLANTED
    for operation in WRITES:
        for who in ("tina", "omar"):
            assert not _withheld(report, operation, who), (operation, who)
    assert service.made, "the scan created nothing: the oracle below could not fail"
    assert service.jobs == JOBS
    assert service.tasks == TASKS


def test_the_fixed_twin_gives_no_finding(tmp_path: Path) -> None:
    """With the job's owner checked on writes, the same probes find nothing."""
    service = Fieldwork(flawed=False)
    report = _scan(service, tmp_path)
    assert not _found(report) & PLANTED
    assert not [f for f in report["findings"] if f["severity"] in {"medium", "high", "critical"}]
    for operation in WRITES:
        assert not _withheld(report, operation, "omar"), operation
    assert service.jobs == JOBS
    assert service.tasks == TASKS
