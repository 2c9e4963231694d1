"""Findings, evidence and coverage as plain JSON values: shared by the JSON and SARIF writers."""

from __future__ import annotations

from typing import Any

from apiward.core.findings import Exchange, Finding, Location, RecordedRequest, RecordedResponse
from apiward.report.model import Ran, Skipped

Json = dict[str, Any]


def finding(f: Finding) -> Json:
    """Every field of a finding, plus its fingerprint."""
    return {
        "fingerprint": f.fingerprint,
        "check": f.check,
        "title": f.title,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "owasp": f.owasp,
        "cwe": f.cwe,
        "operation": f.operation,
        "location": location(f.location) if f.location else None,
        "detail": f.detail,
        "remediation": f.remediation,
        "reproduction": f.reproduction,
        "key": f.key,
        "tags": list(f.tags),
        "evidence": [exchange(e) for e in f.evidence],
    }


def location(loc: Location) -> Json:
    """A file location: source, line (1-based or null), JSON pointer (or null)."""
    return {"source": loc.source, "line": loc.line, "pointer": loc.pointer}


def exchange(e: Exchange) -> Json:
    """A recorded request and its response (null when none came back), with the note."""
    return {
        "note": e.note,
        "request": request(e.request),
        "response": response(e.response) if e.response else None,
    }


def request(r: RecordedRequest) -> Json:
    """Method, URL, headers as ``[name, value]`` pairs in wire order, body."""
    return {"method": r.method, "url": r.url, "headers": _headers(r.headers), "body": r.body}


def response(r: RecordedResponse) -> Json:
    """Status, time taken, headers as ``[name, value]`` pairs in wire order, body."""
    return {
        "status": r.status,
        "elapsed_ms": r.elapsed_ms,
        "headers": _headers(r.headers),
        "body": r.body,
    }


def ran(r: Ran) -> Json:
    """A check that ran, and on which operation (null: the whole target)."""
    return {"check": r.check, "operation": r.operation}


def skipped(s: Skipped) -> Json:
    """A check that did not run, where, and why."""
    return {"check": s.check, "operation": s.operation, "reason": s.reason}


def _headers(headers: tuple[tuple[str, str], ...]) -> list[list[str]]:
    # Pairs, not an object: repeated headers (Set-Cookie) and their order are evidence.
    return [[name, value] for name, value in headers]
