"""Reports show one OWASP edition, 2023: a 2019 id never reads as a 2023 number."""

from __future__ import annotations

import dataclasses

import pytest
from rich.console import Console
from tests.report.samples import bola_finding, full_report

from apiward.core.findings import Finding
from apiward.core.redact import Redactor
from apiward.report import FORMATS, render_terminal, summary


def _with(owasp: str, cwe: str = "CWE-89") -> Finding:
    return dataclasses.replace(bola_finding(), check="sql_injection", owasp=owasp, cwe=cwe)


@pytest.mark.parametrize(
    ("owasp", "shown"),
    [
        ("API8:2019", "Injection"),
        ("API6:2019", "API3:2023"),
        ("API7:2019", "API8:2023"),
        ("API1:2023", "API1:2023"),
        ("API4", "API4:2023"),
    ],
    ids=["injection", "mass-assignment", "misconfiguration", "2023", "no-edition"],
)
def test_each_id_maps_to_its_2023_category(owasp: str, shown: str) -> None:
    """A 2019 id shows as the 2023 category that took it in, or under its own name."""
    assert summary.category(_with(owasp)) == shown


def test_injection_is_not_a_second_api8() -> None:
    """Injection (API8:2019) beside a misconfiguration (API8:2023) gives two rows, one API8."""
    rows = summary.by_category([_with("API8:2019"), _with("API8:2023")])
    assert list(rows) == ["API8:2023", "Injection"]
    assert summary.category_name("Injection", short=True) == "Injection"


@pytest.mark.parametrize("name", ["terminal", "html"])
def test_writers_show_injection_by_name_and_keep_the_cwe(name: str) -> None:
    """The terminal and the HTML page say "Injection" with its CWE, never "API8:2019"."""
    report = full_report(_with("API8:2019", cwe="CWE-943"))
    if name == "terminal":
        console = Console(record=True, width=120)
        console.print(render_terminal(report, Redactor()))
        text = console.export_text()
    else:
        text = FORMATS.get("html")(report, Redactor())
    assert "API8:2019" not in text
    assert "Injection" in text
    assert "CWE-943" in text
