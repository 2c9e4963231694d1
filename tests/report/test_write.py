"""Writing reports: every format through one call, atomically; and the exit code."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from tests.report.samples import empty_report

from apiward.core.errors import ConfigError
from apiward.core.findings import Severity
from apiward.core.redact import Redactor
from apiward.report import FORMATS, Report, exit_code, write


@pytest.mark.parametrize("name", FORMATS.names(), ids=FORMATS.names())
def test_write_puts_the_rendered_text_in_the_file(
    name: str, report: Report, tmp_path: Path
) -> None:
    """write() leaves exactly what the writer renders, and no temporary file."""
    path = tmp_path / f"out.{name}"
    write(report, path, name, Redactor())
    assert path.read_text(encoding="utf-8") == FORMATS.get(name)(report, Redactor())
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_replaces_an_existing_report_owner_only(report: Report, tmp_path: Path) -> None:
    """An older report at the path is replaced whole; the new one is readable by its owner only."""
    path = tmp_path / "out.json"
    path.write_text("old")
    write(report, path, "json", Redactor())
    assert path.read_text().startswith("{")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_failed_render_leaves_the_old_file(report: Report, tmp_path: Path) -> None:
    """An unknown format fails before anything is written."""
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(KeyError, match="unknown report format 'pdf'"):
        write(report, path, "pdf", Redactor())
    assert path.read_text() == "old"


@pytest.mark.parametrize(
    "where", ["missing-dir/out.json", "."], ids=["missing-directory", "a-directory"]
)
def test_unwritable_path_is_a_config_error(report: Report, tmp_path: Path, where: str) -> None:
    """A path that cannot be written is one clear error naming it, and leaves no temp file."""
    path = tmp_path / where
    with pytest.raises(ConfigError, match="cannot write report") as error:
        write(report, path, "json", Redactor())
    assert error.value.source == str(path)
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [(None, 0), (Severity.INFO, 1), (Severity.HIGH, 1), (Severity.CRITICAL, 1)],
    ids=["no-fail-on", "info", "high", "critical"],
)
def test_exit_code_is_1_at_or_above_fail_on(
    report: Report, fail_on: Severity | None, expected: int
) -> None:
    """The worst finding is critical: any threshold fails, no threshold passes."""
    assert exit_code(report, fail_on) == expected


def test_exit_code_is_0_below_fail_on(report: Report) -> None:
    """Findings below the threshold do not fail the run."""
    from dataclasses import replace

    mild = replace(report, findings=tuple(f for f in report.findings if f.severity < Severity.HIGH))
    assert exit_code(mild, Severity.HIGH) == 0
    assert exit_code(mild, Severity.MEDIUM) == 1
    assert exit_code(empty_report(), Severity.INFO) == 0
