"""JUnit XML: a suite per check, a case per check × operation, passes, failures and skips."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from tests.report.samples import bola_finding, empty_report, full_report

from apiward.core.redact import Redactor
from apiward.report import FORMATS, Report


def _parse(report: Report) -> ET.Element:
    return ET.fromstring(FORMATS.get("junit")(report, Redactor()))  # noqa: S314 -- our own output


def _case(root: ET.Element, suite: str, name: str) -> ET.Element:
    found = root.find(f"testsuite[@name='{suite}']/testcase[@name='{name}']")
    assert found is not None, f"{suite} / {name}"
    return found


def test_one_suite_per_check(report: Report) -> None:
    """Each check that ran, was skipped or found something has its own testsuite."""
    suites = [s.get("name") for s in _parse(report).iter("testsuite")]
    assert suites == ["bfla", "bola", "contract.no-security", "cors", "sqli"]


def test_ran_without_findings_passes(report: Report) -> None:
    """A check × operation that ran and found nothing is a passing testcase."""
    case = _case(_parse(report), "bola", "GET /api/v2/cards/{card_id}")
    assert list(case) == []
    assert case.get("classname") == "bola"


def test_finding_fails_with_detail_and_reproduction(report: Report) -> None:
    """A finding is a failure whose text has the detail and the curl reproduction."""
    case = _case(_parse(report), "bola", "GET /api/v2/accounts/{account_id}")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "Another user's account is readable"
    assert failure.get("type") == "high"
    assert "bob read account 2" in (failure.text or "")
    assert "curl -H 'Authorization: Bearer" in (failure.text or "")


def test_target_level_finding_is_named_after_the_target(report: Report) -> None:
    """A finding with no operation fails the case of its check on the whole target."""
    case = _case(_parse(report), "contract.no-security", "http://127.0.0.1:8000")
    failure = case.find("failure")
    assert failure is not None
    assert "specs/bank.yaml:42" in (failure.text or "")


def test_skipped_has_its_reason_and_detail(report: Report) -> None:
    """A check that did not run on an operation is a skipped testcase: reason, then detail."""
    case = _case(_parse(report), "bola", "DELETE /api/v2/cards/{card_id}")
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "excluded by --safe: deleting card 7 would remove alice's card"


def test_counts_add_up(report: Report) -> None:
    """tests, failures and skipped on each suite and on the whole match the cases."""
    root = _parse(report)
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("8", "3", "3")
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
        assert suite.get("skipped") == str(sum(1 for c in cases if c.find("skipped") is not None))


def test_control_characters_do_not_break_the_xml() -> None:
    """A body or detail with bytes XML cannot carry still gives a parseable file."""
    finding = dataclasses.replace(bola_finding(), detail="garbage \x00\x1b[31m from the API")
    case = _case(_parse(full_report(finding)), "bola", "GET /api/v2/accounts/{account_id}")
    assert "from the API" in (case.findtext("failure") or "")


def test_empty_report_is_an_empty_suite_list() -> None:
    """A run with nothing to show is valid XML with zero tests."""
    root = _parse(empty_report())
    assert root.tag == "testsuites"
    assert root.get("tests") == "0"


def test_failing_case_carries_its_evidence(report: Report) -> None:
    """The exchanges that prove a finding are in the case's system-out, long bodies cut."""
    case = _case(_parse(report), "bola", "GET /api/v2/accounts/{account_id}")
    out = case.findtext("system-out") or ""
    assert "GET http://127.0.0.1:8000/api/v2/accounts/2?api_key=[redacted]" in out
    assert "Authorization: Bearer [redacted]" in out
    assert "HTTP 200" in out
    sqli = _case(_parse(report), "sqli", "GET /api/v2/search").findtext("system-out") or ""
    assert "bytes, truncated]" in sqli
    assert len(sqli) < 3_000
