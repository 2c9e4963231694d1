"""One-way actions (approve) are tried only on objects the scan made for them, then deleted.

The expenses API in Flask (``expenses_app``): ``POST /expenses/{ref}/approve``
moves an expense to ``approved`` for good. On the flawed twin any member approves any
expense; on the fixed twin only the manager does. The scan must find the flaw by its
effect on an expense a member filed for the probe (the owner's read shows ``status``
moved), stay silent about approve on the twin, and leave both databases exactly as it
found them: every seeded expense keeps its status, and no expense of the scan's is left
(an approved expense is closed to its member: the manager deletes it). Under ``--safe``
the same, unless nothing could delete the expense made for it: then no approval at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from expenses_app import EXPENSES, IDENTITIES, served
from tests.conftest import scan_with_identities

_APPROVE = "POST /expenses/{expense_ref}/approve"


def _about_approve(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["operation"] == _APPROVE]


def _medium_up(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["severity"] in {"medium", "high", "critical"}]


@pytest.mark.parametrize(
    ("mode", "loose"),
    [([], False), (["--safe"], False), ([], True)],
    ids=["default", "safe", "contract as DRF writes it"],
)
def test_any_member_approving_any_expense_is_found_on_an_expense_made_for_it(
    tmp_path: Path, mode: list[str], loose: bool
) -> None:
    """The flawed twin: approve is found (2xx, status read back moved), and nothing stays changed."""
    with served(flawed=True, loose=loose) as (office, url):
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, *mode)
        after = office.state()
    assert result.returncode < 2, result.stderr
    found = _medium_up(_about_approve(report))
    assert found, [(s["check"], s["operation"], s["detail"]) for s in report["skipped"]]
    assert {"bola", "bfla"} <= {f["check"] for f in found}
    found = [f for f in found if f["check"] in {"bola", "bfla"}]
    for finding in found:  # the owner's read after the action shows the status it moved to
        assert "status" in finding["detail"]
        assert "'submitted'" in finding["detail"]
        assert "'approved'" in finding["detail"]
        assert "approve" in finding["reproduction"]
        after_read = finding["evidence"][-1]
        assert after_read["request"]["method"] == "GET"
        assert '"approved"' in after_read["response"]["body"]
    assert not set(office.approvals) & set(EXPENSES)
    assert after == EXPENSES


@pytest.mark.parametrize("mode", [[], ["--safe"]], ids=["default", "safe"])
def test_the_fixed_twin_says_nothing_about_approve_and_stays_as_found(
    tmp_path: Path, mode: list[str]
) -> None:
    """The fixed twin: no medium+ finding on approve, and the expenses are as seeded."""
    with served(flawed=False) as (office, url):
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, *mode)
        after = office.state()
    assert result.returncode < 2, result.stderr
    assert not _medium_up(_about_approve(report))
    assert after == EXPENSES


def test_under_safe_no_expense_is_approved_when_nothing_could_delete_it(tmp_path: Path) -> None:
    """Without a DELETE, --safe makes no expense for the action, so approves none, and says why."""
    with served(flawed=True, deletable=False) as (office, url):
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--safe")
        after = office.state()
    assert result.returncode < 2, result.stderr
    assert office.approvals == []
    assert after == EXPENSES
    said = [
        s["detail"]
        for s in report["skipped"]
        if s["operation"] == _APPROVE and s["check"] in {"bola", "bfla"}
    ]
    assert len(said) == 2
    assert all("no DELETE" in d and "--safe" in d for d in said), said
