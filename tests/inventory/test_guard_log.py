"""The inventory reads the audit log the real guard writes, not only logs built in tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from demo_session import Recorder, drive

from apiward.demo import create_app
from apiward.guard import Guard
from apiward.guard.policy import AuditPolicy, CorsPolicy, Policy, ResponsePolicy, RoutesPolicy
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


def test_what_the_guard_refused_or_answered_itself_is_no_endpoint(
    apiward: Cli, tmp_path: Path, monkeypatch: Any
) -> None:
    """A refused traversal and a CORS preflight are left out, counted in a note; a keyed log
    is said to be keyed, not broken."""
    app = create_app(data_dir=tmp_path / "bank")
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(app.openapi()))
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("BANK_AUDIT_KEY", "k3y-of-the-bank-audit-chain-0123456789")
    policy = Policy(
        contract=str(spec),
        audit=AuditPolicy(sink=str(log), key_env="BANK_AUDIT_KEY"),
        response=ResponsePolicy(cors=CorsPolicy(allow_origins=("https://app.example",))),
    )
    with serving(Guard(app, policy=policy)) as url:
        httpx.get(f"{url}/api/v2/rates", timeout=10)
        httpx.get(f"{url}/api/v2/accounts/../admin/users", timeout=10)
        preflight = {"origin": "https://app.example", "access-control-request-method": "GET"}
        httpx.options(f"{url}/api/v2/rates", headers=preflight, timeout=10)
    out = tmp_path / "inventory.json"
    done = apiward("inventory", str(log), "--spec", str(spec), "--inventory-json", str(out))
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    notes = result["sources"][0]["notes"]
    assert any("keyed" in n for n in notes), notes
    assert not any("broken" in n for n in notes), notes
    assert any("2 request(s) the guard refused or answered itself" in n for n in notes), notes
    assert result["summary"]["shadow"] == 0, result["summary"]
