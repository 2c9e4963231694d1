"""SARIF 2.1.0: one run, one rule per check, one result per finding, for code-scanning dashboards.

Static findings point at their file and line. Dynamic findings are about an operation of
a live API, which has no file: they get a ``logicalLocations`` entry naming the operation
(the request URL goes in ``properties``) and, when the report names the contract file the
run worked from, a physical location in that file, so dashboards that only show results
anchored in the repository (GitHub code scanning) still show them. Severity also goes in
``properties.security-severity`` (a CVSS-like number), which GitHub uses to rank alerts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from apiward import __version__
from apiward.core.findings import Confidence, Finding, Severity
from apiward.core.redact import Redactor
from apiward.report import serialize, summary
from apiward.report.model import Report
from apiward.report.redacted import prepare
from apiward.report.serialize import Json

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
_PRECISION = {
    Confidence.CONFIRMED: "very-high",
    Confidence.FIRM: "high",
    Confidence.TENTATIVE: "medium",
}


def render(report: Report, redactor: Redactor) -> str:
    """``report`` as a SARIF 2.1.0 log (JSON text), credentials redacted."""
    report = prepare(report, redactor)
    rules = _rules(report.findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    run: Json = {
        "tool": {"driver": {"name": "apiward", "version": __version__, "rules": rules}},
        "invocations": [_invocation(report)],
        "results": [_result(f, report, index[f.check]) for f in report.findings],
        "properties": _run_properties(report),
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rules(findings: Iterable[Finding]) -> list[Json]:
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check, []).append(f)
    return [_rule(check, group) for check, group in sorted(by_check.items())]


def _rule(check: str, findings: list[Finding]) -> Json:
    # Findings arrive worst first, so the first one speaks for the rule.
    first = findings[0]
    worst = max(f.severity for f in findings)
    tags = ["security", *(t for t in (first.owasp, first.cwe) if t)]
    rule: Json = {
        "id": check,
        "shortDescription": {"text": first.title},
        "defaultConfiguration": {"level": worst.sarif_level},
        "properties": {
            "tags": tags,
            "security-severity": _SECURITY_SEVERITY[worst],
            "precision": _PRECISION[max(findings, key=_confidence_rank).confidence],
        },
    }
    if first.owasp:
        rule["fullDescription"] = {
            "text": f"{first.title} ({summary.category_name(summary.category(first))})"
        }
    if first.remediation:
        rule["help"] = {"text": first.remediation}
    return rule


def _confidence_rank(f: Finding) -> int:
    return list(Confidence).index(f.confidence)


def _result(f: Finding, report: Report, rule_index: int) -> Json:
    message = f"{f.title}: {serialize.text(f.detail)}" if f.detail else f.title
    result: Json = {
        "ruleId": f.check,
        "ruleIndex": rule_index,
        "level": f.severity.sarif_level,
        "message": {"text": message},
        "partialFingerprints": {"apiwardFingerprint/v1": f.fingerprint},
        "locations": [_location(f, report)],
        "properties": _result_properties(f),
    }
    return result


def _location(f: Finding, report: Report) -> Json:
    if f.location is not None:
        physical: Json = {"artifactLocation": {"uri": _uri(f.location.source)}}
        if f.location.line is not None and f.location.line >= 1:
            physical["region"] = {"startLine": f.location.line}
        return {"physicalLocation": physical}
    name = f.operation or report.target
    location: Json = {"logicalLocations": [{"name": name, "fullyQualifiedName": name}]}
    if report.contract and not urlsplit(report.contract).scheme.startswith("http"):
        location["physicalLocation"] = {"artifactLocation": {"uri": _uri(report.contract)}}
    return location


def _uri(path: str) -> str:
    """A relative path as a URI reference: forward slashes, reserved characters escaped."""
    return quote(path.replace("\\", "/"), safe="/:@-._~")


def _result_properties(f: Finding) -> Json:
    properties: Json = {
        "severity": f.severity.value,
        "security-severity": _SECURITY_SEVERITY[f.severity],
        "confidence": f.confidence.value,
        "owasp": f.owasp,
        "cwe": f.cwe,
        "operation": f.operation,
        "remediation": f.remediation,
        "reproduction": serialize.text(f.reproduction) if f.reproduction else None,
        "evidence": [serialize.exchange(e) for e in f.evidence],
    }
    if f.evidence:
        properties["requestUrl"] = f.evidence[-1].request.url  # the last exchange is the attack
    if f.location is not None and f.location.pointer is not None:
        properties["pointer"] = f.location.pointer
    if f.key:
        properties["key"] = f.key
    if f.tags:
        properties["tags"] = list(f.tags)
    return properties


def _invocation(report: Report) -> Json:
    invocation: Json = {
        "executionSuccessful": report.complete,
        "startTimeUtc": summary.iso(report.started),
        "endTimeUtc": summary.iso(report.finished),
    }
    notes = list(report.notes)
    if not report.complete:
        notes.insert(0, "partial report: the run was cut short")
    if notes:
        invocation["toolExecutionNotifications"] = [
            {"level": "note", "message": {"text": note}} for note in notes
        ]
    return invocation


def _run_properties(report: Report) -> Json:
    return {
        "verb": report.tool,
        "target": report.target,
        "complete": report.complete,
        "stats": dict(report.stats),
        "checksRun": len(report.ran),
        "skipped": [serialize.skipped(s) for s in report.skipped],
    }
