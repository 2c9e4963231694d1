"""A skip's detail reaches every format, redacted like everything else."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from rich.console import Console
from tests.report.samples import SKIP_DETAIL, full_report

from apiward.core.redact import MASK, Redactor
from apiward.report import FORMATS, Report, render_terminal

FORMAT_NAMES = (*FORMATS.names(), "terminal")
TOKEN = "tok-9f8e7d6c5b4a"


def _render(name: str, report: Report, redactor: Redactor) -> str:
    if name == "terminal":
        console = Console(width=400, color_system=None, file=io.StringIO())
        console.print(render_terminal(report, redactor))
        return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]
    text = FORMATS.get(name)(report, redactor)
    # JSON and SARIF escape nothing in these texts; HTML and XML escape the apostrophe.
    return text.replace("&#39;", "'").replace("&apos;", "'")


def _leaky_skip() -> Report:
    report = full_report()
    detail = f"login answered 401 for token={TOKEN} and Bearer {TOKEN}"
    leaky = dataclasses.replace(report.skipped[0], detail=detail)
    return dataclasses.replace(report, skipped=(leaky, *report.skipped[1:]))


@pytest.mark.parametrize("name", FORMAT_NAMES, ids=FORMAT_NAMES)
def test_a_skip_detail_reaches_every_format(name: str) -> None:
    """What exactly was missing is written wherever the skip is."""
    assert SKIP_DETAIL in _render(name, full_report(), Redactor())


@pytest.mark.parametrize("name", FORMAT_NAMES, ids=FORMAT_NAMES)
def test_a_credential_in_a_skip_detail_is_redacted(name: str) -> None:
    """A token a check echoed into a skip's detail is masked in every format."""
    text = _render(name, _leaky_skip(), Redactor([TOKEN]))
    assert TOKEN not in text
    assert f"login answered 401 for token={MASK}" in text


@pytest.mark.parametrize("name", FORMATS.names(), ids=FORMATS.names())
def test_show_secrets_keeps_a_skip_detail_as_recorded(name: str) -> None:
    """With redaction off the detail is written as the check said it."""
    assert TOKEN in _render(name, _leaky_skip(), Redactor([TOKEN], enabled=False))


def test_sarif_lists_each_skip_with_its_detail() -> None:
    """SARIF keeps skips in the run's properties, each with check, operation, reason, detail."""
    log = json.loads(FORMATS.get("sarif")(full_report(), Redactor()))
    skipped = log["runs"][0]["properties"]["skipped"]
    assert {
        "check": "bola",
        "operation": "DELETE /api/v2/cards/{card_id}",
        "reason": "excluded by --safe",
        "detail": SKIP_DETAIL,
    } in skipped


def test_a_skip_recorded_twice_is_counted_once() -> None:
    """The stats' count of skips is the list's length, as in the terminal's coverage line
    (the PHP trial's report said 850 skipped and listed 848)."""
    report = full_report()
    twice = dataclasses.replace(report, skipped=(*report.skipped, report.skipped[0]))
    twice = dataclasses.replace(twice, stats={**report.stats, "checks_skipped": 99})
    data = json.loads(FORMATS.get("json")(twice, Redactor()))
    assert data["stats"]["checks_skipped"] == len(data["skipped"]) == len(set(twice.skipped))
