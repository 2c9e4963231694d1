"""No credential from a leaky finding reaches any format; --show-secrets shows them all."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console
from tests.report.samples import SECRETS, bola_finding, full_report

from apiward.core.redact import MASK, Redactor
from apiward.report import FORMATS, Report, render_terminal

FORMAT_NAMES = (*FORMATS.names(), "terminal")


def _render(name: str, report: Report, redactor: Redactor) -> str:
    if name == "terminal":
        console = Console(width=400, color_system=None, file=io.StringIO())
        console.print(render_terminal(report, redactor))
        return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]
    return FORMATS.get(name)(report, redactor)


def _leaky() -> Report:
    return full_report(bola_finding())


@pytest.mark.parametrize("name", FORMAT_NAMES, ids=FORMAT_NAMES)
@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_no_credential_reaches_the_output(name: str, secret: str) -> None:
    """Bearer JWTs, passwords in bodies, keys in URLs and session cookies are masked."""
    assert secret not in _render(name, _leaky(), Redactor())


@pytest.mark.parametrize("name", FORMAT_NAMES, ids=FORMAT_NAMES)
def test_output_shows_that_something_was_redacted(name: str) -> None:
    """The mask is visible, so a reader knows a value was there."""
    assert MASK in _render(name, _leaky(), Redactor())


@pytest.mark.parametrize("name", FORMATS.names(), ids=FORMATS.names())
@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_show_secrets_shows_them(name: str, secret: str) -> None:
    """With redaction off (--show-secrets), every credential is in the file as recorded."""
    assert secret in _render(name, _leaky(), Redactor(enabled=False))


@pytest.mark.parametrize("name", FORMAT_NAMES, ids=FORMAT_NAMES)
def test_known_secrets_are_masked_in_free_text(name: str) -> None:
    """A secret the run knew (an identity's password) is masked in notes and skip reasons too."""
    report = full_report()
    report = Report(
        tool="scan",
        target=report.target,
        started=report.started,
        finished=report.finished,
        notes=("logged in bob with hunter2-hunter2",),
    )
    assert "hunter2-hunter2" not in _render(name, report, Redactor(["hunter2-hunter2"]))


def test_table_cells_are_redacted_too() -> None:
    """A verb's table (the scan's target state holds undo requests) goes through the redactor."""
    token = SECRETS["bearer JWT claims"]
    jwt = f"eyJhbGciOiJIUzI1NiJ9.{token}.{SECRETS['bearer JWT signature']}"
    row = {"what": "object written", "undo": f"curl -H 'Authorization: Bearer {jwt}' http://x/"}
    report = dataclasses.replace(_leaky(), tables={"target_state": (row,)})
    assert token not in FORMATS.get("json")(report, Redactor())
    assert token in FORMATS.get("json")(report, Redactor(enabled=False))
