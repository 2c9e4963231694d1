"""`audit code` and `audit deps` commands: output, SBOM, exit codes and one-line errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

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
