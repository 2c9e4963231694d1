"""JUnit XML: one ``testsuite`` per check, one ``testcase`` per check × operation.

A check × operation that ran and found nothing passes; one with findings fails (every
finding of the pair in one ``failure``, whatever its severity: the exit code, not the
dashboard, is where ``--fail-on`` applies); one that did not run is skipped with its
reason. Suites per check read best in CI dashboards: a failing suite names what kind of
flaw it is and its cases name where. Built with ElementTree, so escaping is its job.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # building our own XML only; never parses input
from collections import defaultdict
from dataclasses import dataclass, field

from apiward.core.findings import Exchange, Finding, Message
from apiward.core.redact import Redactor
from apiward.report import clip, summary
from apiward.report.model import Report
from apiward.report.redacted import prepare

# XML 1.0 cannot carry these at all, not even escaped; a response body may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(slots=True)
class _Case:
    findings: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    ran: bool = False


def render(report: Report, redactor: Redactor) -> str:
    """``report`` as JUnit XML text, credentials redacted."""
    report = prepare(report, redactor)
    suites = _cases(report)
    root = ET.Element("testsuites", _clean_attrs(_totals(report, suites)))
    for check in sorted(suites):
        root.append(_suite(report, check, suites[check]))
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{xml}\n'


def _cases(report: Report) -> dict[str, dict[str | None, _Case]]:
    suites: dict[str, dict[str | None, _Case]] = defaultdict(lambda: defaultdict(_Case))
    for ran in report.ran:
        suites[ran.check][ran.operation].ran = True
    for skipped in report.skipped:
        reason = f"{skipped.reason}: {skipped.detail}" if skipped.detail else skipped.reason
        suites[skipped.check][skipped.operation].reasons.append(clip.cut(reason, clip.TEXT))
    for finding in report.findings:
        suites[finding.check][finding.operation].findings.append(finding)
    return suites


def _totals(report: Report, suites: dict[str, dict[str | None, _Case]]) -> dict[str, str]:
    cases = [case for suite in suites.values() for case in suite.values()]
    return {
        "name": f"apiward {report.tool}",
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.findings)),
        "errors": "0",
        "skipped": str(sum(1 for c in cases if _is_skipped(c))),
        "time": f"{summary.duration(report):.3f}",
        "timestamp": summary.iso(report.started),
    }


def _is_skipped(case: _Case) -> bool:
    # A pair that ran for some identities but was skipped for others still ran.
    return not case.findings and not case.ran


def _suite(report: Report, check: str, cases: dict[str | None, _Case]) -> ET.Element:
    suite = ET.Element(
        "testsuite",
        _clean_attrs(
            {
                "name": check,
                "tests": str(len(cases)),
                "failures": str(sum(1 for c in cases.values() if c.findings)),
                "errors": "0",
                "skipped": str(sum(1 for c in cases.values() if _is_skipped(c))),
                "timestamp": summary.iso(report.started),
            }
        ),
    )
    suite.append(_properties(report))
    for operation in sorted(cases, key=lambda op: op or ""):
        suite.append(_case(report, check, operation, cases[operation]))
    return suite


def _properties(report: Report) -> ET.Element:
    properties = ET.Element("properties")
    values = [("target", report.target), ("complete", str(report.complete).lower())]
    values += [("note", note) for note in report.notes]
    for name, value in values:
        ET.SubElement(properties, "property", _clean_attrs({"name": name, "value": value}))
    return properties


def _case(report: Report, check: str, operation: str | None, case: _Case) -> ET.Element:
    name = operation or report.target
    element = ET.Element("testcase", _clean_attrs({"classname": check, "name": name}))
    if case.findings:
        element.append(_failure(case.findings, report.tool))
        evidence = [e for f in case.findings for e in f.evidence]
        if evidence:
            ET.SubElement(element, "system-out").text = _clean(_evidence_text(evidence))
    elif _is_skipped(case):
        reasons = "; ".join(dict.fromkeys(case.reasons))  # each "reason: detail"
        ET.SubElement(element, "skipped", _clean_attrs({"message": reasons}))
    return element


def _failure(findings: list[Finding], tool: str) -> ET.Element:
    worst = max(f.severity for f in findings)
    message = (
        findings[0].title
        if len(findings) == 1
        else (f"{len(findings)} findings: " + "; ".join(f.title for f in findings))
    )
    failure = ET.Element("failure", _clean_attrs({"message": message, "type": worst.value}))
    failure.text = _clean("\n\n".join(_failure_text(f, tool) for f in findings))
    return failure


def _failure_text(f: Finding, tool: str) -> str:
    lines = [f"[{f.severity.value.upper()}] {f.title}"]
    lines += [f"{label}: {value}" for label, value in _facts(f) if value]
    if f.detail:
        lines += ["", clip.cut(f.detail, clip.TEXT)]
    if f.reproduction:
        shown = clip.reproduction(f)
        lines += ["", "reproduce:", f"  {shown}"]
        lines += [] if shown == f.reproduction else [f"  ({clip.regenerate(f, tool)})"]
    if f.remediation:
        lines += ["", f"fix: {f.remediation}"]
    return "\n".join(lines)


def _evidence_text(evidence: list[Exchange]) -> str:
    """The exchanges as HTTP-like text, bodies cut to ``clip.CI_BODY`` (the JSON report has more)."""
    blocks = []
    for exchange in evidence:
        request, response = exchange.request, exchange.response
        lines = [f"# {exchange.note}"] if exchange.note else []
        lines += [
            f"{request.method} {clip.cut(request.url, clip.HEADER)}",
            *_header_lines(request),
            "",
            clip.body(request, clip.CI_BODY),
        ]
        if response is None:
            lines.append("(no response)")
        else:
            lines += [
                f"HTTP {response.status}",
                *_header_lines(response),
                "",
                clip.body(response, clip.CI_BODY),
            ]
        blocks.append("\n".join(lines).rstrip())
    return "\n\n".join(blocks)


def _header_lines(message: Message) -> list[str]:
    return [f"{name}: {clip.cut(value, clip.HEADER)}" for name, value in message.headers]


def _facts(f: Finding) -> list[tuple[str, str | None]]:
    return [
        ("where", summary.where(f)),
        ("owasp", f.owasp),
        ("cwe", f.cwe),
        ("confidence", f.confidence.value),
        ("fingerprint", f.fingerprint),
    ]


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _clean_attrs(attrs: dict[str, str]) -> dict[str, str]:
    return {name: _clean(value) for name, value in attrs.items()}
