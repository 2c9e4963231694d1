"""`audit code` and `audit deps` commands: output, SBOM, exit codes and one-line errors."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from typer.testing import CliRunner, Result

import apiward.demo
from apiward.cli import audit_code
from apiward.core.errors import ConfigError, TargetError

DATA = Path(__file__).resolve().parent.parent / "audit" / "deps" / "data"
VULNERABLE = (
    "import httpx\ndef fetch(url: str) -> bytes:\n    return httpx.get(url, verify=False).content\n"
)


def run(*args: str) -> Result:
    """The two commands on a Typer app of their own, as `apiward audit` will carry them."""
    app = typer.Typer()
    app.command("code")(audit_code.code)
    app.command("deps")(audit_code.deps)
    return CliRunner().invoke(app, list(args))


def test_code_reports_and_fails_on_threshold(tmp_path: Path) -> None:
    """Findings are printed and written as JSON; --fail-on high makes a high finding exit 1."""
    (tmp_path / "client.py").write_text(VULNERABLE)
    out = tmp_path / "report.json"
    result = run("code", str(tmp_path), "--json", str(out), "--fail-on", "high")
    assert result.exit_code == 1, result.output
    assert "code.tls-verify-off" in result.output
    checks = {f["check"] for f in json.loads(out.read_text())["findings"]}
    assert "code.tls-verify-off" in checks


def test_code_clean_source_exits_0(tmp_path: Path) -> None:
    """Source with nothing to report exits 0 even with --fail-on."""
    (tmp_path / "ok.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    assert run("code", str(tmp_path), "--fail-on", "info").exit_code == 0


def test_code_missing_path_is_a_config_error(tmp_path: Path) -> None:
    """A missing path raises the ConfigError that the CLI turns into one line and exit 2."""
    result = run("code", str(tmp_path / "missing"))
    assert isinstance(result.exception, ConfigError)
    assert "missing: no such file or folder" in str(result.exception)


def test_deps_offline_with_sbom(tmp_path: Path) -> None:
    """Offline mode reads the OSV file, reports matches and writes a CycloneDX SBOM."""
    sbom = tmp_path / "bom.cdx.json"
    result = run(
        "deps",
        "--requirements",
        str(DATA / "requirements.txt"),
        "--vulns",
        str(DATA / "osv.json"),
        "--sbom",
        str(sbom),
        "--fail-on",
        "medium",
    )
    assert result.exit_code == 1, result.output
    assert "GHSA-34jh-p97f-mpxf" in result.output
    bom = json.loads(sbom.read_text())
    assert len(bom["vulnerabilities"]) == 3


def test_deps_needs_one_source_of_packages() -> None:
    """Neither --requirements nor --installed is a usage error."""
    result = run("deps", "--vulns", str(DATA / "osv.json"))
    assert isinstance(result.exception, ConfigError)


def test_deps_malformed_requirement_names_the_line(tmp_path: Path) -> None:
    """An unpinned requirement is an error naming file and line."""
    path = tmp_path / "requirements.txt"
    path.write_text("fastapi==0.110.0\nrequests\n")
    result = run("deps", "-r", str(path), "--vulns", str(DATA / "osv.json"))
    assert str(result.exception).startswith(f"{path}:2: requests is not pinned")


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_deps_unreachable_service_is_one_clear_error(closed_port: int) -> None:
    """With no --vulns and the OSV service unreachable, the run ends in a TargetError, not a clean result."""
    url = f"http://127.0.0.1:{closed_port}"
    result = run("deps", "-r", str(DATA / "requirements.txt"), "--osv-url", url)
    assert isinstance(result.exception, TargetError)
    message = str(result.exception)
    assert message.startswith(f"{url}/v1/querybatch: vulnerability service unreachable")
    assert "\n" not in message


# Through the real CLI (`apiward(*args)` runs it in a subprocess): what a user or CI sees.
Cli = Callable[..., subprocess.CompletedProcess[str]]
DEMO = Path(apiward.demo.__file__).parent


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The run's only stderr line, after checking it exited 2 without a traceback."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_cli_code_missing_path_is_one_line(apiward: Cli, tmp_path: Path) -> None:
    """`audit code MISSING` exits 2 with one line naming the path."""
    missing = tmp_path / "missing"
    assert f"{missing}: no such file or folder" in one_line(apiward("audit", "code", str(missing)))


def test_cli_code_demo_bank_fails_on_high(apiward: Cli, tmp_path: Path) -> None:
    """The demo bank's source fails --fail-on high; its SQL injection and alg-none JWT are in the JSON."""
    out = tmp_path / "code.json"
    done = apiward("audit", "code", str(DEMO), "--json", str(out), "--fail-on", "high")
    assert done.returncode == 1, done.stderr
    found = {(f["check"], Path(f["location"]["source"]).name) for f in load_findings(out)}
    assert ("code.sql-injection", "transfers.py") in found
    assert ("code.jwt-unverified", "tokens.py") in found


def test_cli_deps_offline_writes_a_valid_sbom(apiward: Cli, tmp_path: Path) -> None:
    """`audit deps -r --vulns --sbom --fail-on medium` exits 1 and writes a schema-valid CycloneDX SBOM."""
    sbom = tmp_path / "out.cdx.json"
    done = apiward(
        "audit", "deps", "-r", str(DATA / "requirements.txt"), "--vulns", str(DATA / "osv.json"),
        "--sbom", str(sbom), "--fail-on", "medium",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "GHSA-34jh-p97f-mpxf" in done.stdout
    text = sbom.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    assert {c["name"].lower() for c in bom["components"]} >= {"fastapi", "jinja2", "requests"}
    assert bom["vulnerabilities"]


def test_cli_deps_unreachable_osv_is_one_line(apiward: Cli, closed_port: int) -> None:
    """An OSV URL on a closed 127.0.0.1 port ends in one line naming it, exit 2."""
    url = f"http://127.0.0.1:{closed_port}"
    done = apiward("audit", "deps", "-r", str(DATA / "requirements.txt"), "--osv-url", url)
    assert f"{url}/v1/querybatch: vulnerability service unreachable" in one_line(done)


def load_findings(path: Path) -> list[dict[str, Any]]:
    """The findings of a JSON report."""
    return json.loads(path.read_text())["findings"]  # type: ignore[no-any-return]
