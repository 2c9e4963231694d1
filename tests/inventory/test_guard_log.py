"""The inventory reads the audit log the real guard writes, not only logs built in tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from demo_session import Recorder, drive

from apiward.demo import create_app
from apiward.guard import Guard
from apiward.guard.policy import AuditPolicy, Policy, RoutesPolicy
from serving import serving

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_guard_audit_log_gives_the_same_inventory(apiward: Cli, tmp_path: Path) -> None:
    """Behind a guard that lets unknown routes through, its log shows the shadow and zombie endpoints."""
    app = create_app(data_dir=tmp_path / "bank")
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(app.openapi()))
    log = tmp_path / "audit.jsonl"
    policy = Policy(
        contract=str(spec), routes=RoutesPolicy(unknown="allow"), audit=AuditPolicy(sink=str(log))
    )
    with serving(Guard(app, policy=policy)) as url:
        drive(url, Recorder())
    out = tmp_path / "inventory.json"
    done = apiward("inventory", str(log), "--spec", str(spec), "--inventory-json", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["sources"][0]["format"] == "audit"
    assert result["sources"][0]["notes"] == []  # the guard's hash chain is intact
    summary = result["summary"]
    assert (summary["shadow"], summary["zombie"], summary["unrouted"]) == (2, 2, 1)
