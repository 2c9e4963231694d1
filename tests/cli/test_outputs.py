"""The output options every verb shares: same flags, same files, same exit codes."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from rich.console import Console
from tests.report.samples import PASSWORD, bola_finding, full_report, static_finding
from typer.testing import CliRunner

from apiward.cli.outputs import (
    FailOnOption,
    JsonOption,
    JunitOption,
    Outputs,
    ReportOption,
    SarifOption,
    ShowSecretsOption,
    emit,
)
from apiward.core.errors import ConfigError
from apiward.core.findings import Severity
from apiward.report import Report
from apiward.report.terminal import PARTIAL

app = typer.Typer()


@app.command()
def verb(
    partial: bool = typer.Option(False, "--partial"),
    clean: bool = typer.Option(False, "--clean"),
    json: JsonOption = None,
    sarif: SarifOption = None,
    junit: JunitOption = None,
    html: ReportOption = None,
    fail_on: FailOnOption = None,
    show_secrets: ShowSecretsOption = False,
) -> None:
    """A stand-in verb: builds a report and ends the way every real verb does."""
    outputs = Outputs(
        json=json, sarif=sarif, junit=junit, html=html, fail_on=fail_on, show_secrets=show_secrets
    )
    findings = () if clean else (bola_finding(), static_finding())
    report = full_report(*findings, complete=not partial)
    raise typer.Exit(
        emit(report, outputs, Console(width=100, color_system=None), secrets=[PASSWORD])
    )


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_every_file_option_writes_its_format(tmp_path: Path) -> None:
    """--json, --sarif, --junit and --report each write their file, and say so."""
    paths = {name: tmp_path / f"out.{name}" for name in ("json", "sarif", "xml", "html")}
    code, output = _run(
        "--json", str(paths["json"]), "--sarif", str(paths["sarif"]),
        "--junit", str(paths["xml"]), "--report", str(paths["html"]),
    )  # fmt: skip
    assert code == 0
    assert json.loads(paths["json"].read_text())["schema_version"] == 1
    assert json.loads(paths["sarif"].read_text())["version"] == "2.1.0"
    assert ET.parse(paths["xml"]).getroot().tag == "testsuites"  # noqa: S314 -- our own output
    assert paths["html"].read_text().startswith("<!DOCTYPE html>")
    for name in ("json", "sarif", "junit", "html"):
        assert f"{name} report written to" in output


def test_terminal_summary_is_printed_without_files() -> None:
    """With no file options the report is printed and nothing else happens."""
    code, output = _run()
    assert code == 0
    assert "Findings by category and severity" in output
    assert "written to" not in output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), 0),
        (("--fail-on", "high"), 1),
        (("--fail-on", "HIGH"), 1),
        (("--fail-on", "critical"), 0),
        (("--fail-on", "info", "--clean"), 0),
        (("--fail-on", "severe"), 2),
    ],
    ids=["no-fail-on", "high", "case-insensitive", "critical", "clean-run", "unknown-level"],
)
def test_fail_on_sets_the_exit_code(args: tuple[str, ...], expected: int) -> None:
    """Exit 1 with a finding at or above --fail-on, 0 otherwise, 2 for a level that does not exist."""
    code, _ = _run(*args)
    assert code == expected


def test_secrets_are_redacted_unless_show_secrets(tmp_path: Path) -> None:
    """Known secrets and credentials are masked in files and output; --show-secrets shows them."""
    hidden, shown = tmp_path / "hidden.json", tmp_path / "shown.json"
    _, output = _run("--json", str(hidden))
    assert PASSWORD not in hidden.read_text()
    assert "[redacted]" in output
    _, output = _run("--json", str(shown), "--show-secrets")
    assert PASSWORD in shown.read_text()
    assert "[redacted]" not in output


def test_partial_run_still_writes_whole_reports(tmp_path: Path) -> None:
    """A cut-short run prints the partial line and writes reports marked incomplete."""
    path = tmp_path / "partial.json"
    code, output = _run("--partial", "--json", str(path))
    assert code == 0
    assert PARTIAL in output
    assert json.loads(path.read_text())["complete"] is False


def test_unwritable_path_is_an_input_error(tmp_path: Path) -> None:
    """A report path in a missing folder raises a ConfigError naming it (exit 2 at the CLI)."""
    with pytest.raises(ConfigError, match="missing"):
        _run("--json", str(tmp_path / "missing" / "out.json"))


def test_options_appear_in_help() -> None:
    """Every shared option is listed in the verb's --help."""
    _, output = _run("--help")
    for option in ("--json", "--sarif", "--junit", "--report", "--fail-on", "--show-secrets"):
        assert option in output


def test_outputs_lists_requested_files_in_a_fixed_order(tmp_path: Path) -> None:
    """files() gives (format, path) for what was asked, json, sarif, junit, html."""
    outputs = Outputs(html=tmp_path / "r.html", json=tmp_path / "r.json", fail_on=Severity.LOW)
    assert outputs.files() == (("json", tmp_path / "r.json"), ("html", tmp_path / "r.html"))
    assert outputs.redactor().enabled
    assert not Outputs(show_secrets=True).redactor().enabled


def test_emit_returns_the_exit_code_directly() -> None:
    """emit() is usable without Typer: it returns 0 or 1 for the caller to exit with."""
    report: Report = full_report(bola_finding())
    console = Console(file=io.StringIO(), width=80)
    assert emit(report, Outputs(fail_on=Severity.HIGH), console) == 1
    assert emit(report, Outputs(), console) == 0
    assert "Another user's account is readable" in console.file.getvalue()  # type: ignore[attr-defined]


class _BrokenTerminal(io.StringIO):
    """A terminal that fails on write (rich turns a closed pipe into SystemExit the same way)."""

    def write(self, text: str) -> int:
        raise OSError("terminal went away")


def test_files_are_written_even_when_printing_fails(tmp_path: Path) -> None:
    """A closed stdout does not cost the user the report files."""
    path = tmp_path / "out.json"
    console = Console(file=_BrokenTerminal(), width=80)
    with pytest.raises(OSError, match="went away"):
        emit(full_report(bola_finding()), Outputs(json=path), console)
    assert json.loads(path.read_text())["summary"]["findings"] == 1
