"""Every file apiward writes is readable by its owner only, whatever the umask allows."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from apiward.guard.auditlog import open_sink

Cli = Callable[..., subprocess.CompletedProcess[str]]
DATA = Path(__file__).resolve().parent.parent / "audit" / "deps" / "data"
CONTRACT = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {"/orders/{order_id}": {"get": {"responses": {"200": {"description": "ok"}}}}},
}
LINE = '127.0.0.1 - - [29/Nov/2026:06:00:0{i} +0000] "GET /orders/{i} HTTP/1.1" 200 10 "-" "t"'


@pytest.fixture(autouse=True)
def umask() -> Iterator[None]:
    """A umask that lets everyone read new files: apiward's own mode must do the hiding."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """A one-operation contract."""
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(CONTRACT))
    return path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


REPORTS = ("--json", "--sarif", "--junit", "--report")


def _report_options(tmp_path: Path) -> tuple[list[str], list[Path]]:
    paths = [tmp_path / f"out{option.replace('-', '_')}" for option in REPORTS]
    return [a for o, p in zip(REPORTS, paths, strict=True) for a in (o, str(p))], paths


def test_audit_contract_reports_are_owner_only(apiward: Cli, spec: Path, tmp_path: Path) -> None:
    """`audit contract` writes --json, --sarif, --junit and --report as 0600."""
    options, paths = _report_options(tmp_path)
    done = apiward("audit", "contract", str(spec), *options)
    assert done.returncode == 0, done.stderr
    assert {p.name: _mode(p) for p in paths} == {p.name: 0o600 for p in paths}


@pytest.mark.parametrize("option", ["--inventory-json", "--openapi-out"])
def test_inventory_files_are_owner_only(
    apiward: Cli, spec: Path, tmp_path: Path, option: str
) -> None:
    """`inventory --inventory-json` and `--openapi-out` write 0600, like its reports."""
    log = tmp_path / "access.log"
    log.write_text("\n".join(LINE.format(i=i) for i in range(3)) + "\n")
    out = tmp_path / "out.json"
    options, paths = _report_options(tmp_path)
    done = apiward("inventory", str(log), "--spec", str(spec), option, str(out), *options)
    assert done.returncode == 0, done.stderr
    assert {p.name: _mode(p) for p in (out, *paths)} == {p.name: 0o600 for p in (out, *paths)}


def test_sbom_is_owner_only(apiward: Cli, tmp_path: Path) -> None:
    """`audit deps --sbom` writes the SBOM as 0600."""
    sbom = tmp_path / "bom.cdx.json"
    requirements, vulns = DATA / "requirements.txt", DATA / "osv.json"
    done = apiward(
        "audit", "deps", "-r", str(requirements), "--vulns", str(vulns), "--sbom", str(sbom)
    )
    assert done.returncode == 0, done.stderr
    assert _mode(sbom) == 0o600


@pytest.mark.parametrize("scheme", ["jsonl://", "sqlite://"])
def test_guard_audit_sinks_are_owner_only(tmp_path: Path, scheme: str) -> None:
    """The guard's audit log, as JSONL or SQLite, is created 0600."""
    path = tmp_path / "audit.log"
    sink = open_sink(f"{scheme}{path}")
    sink.close()
    assert _mode(path) == 0o600
