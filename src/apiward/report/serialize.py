"""Findings, evidence and coverage as plain JSON values: shared by the JSON and SARIF writers.

Bodies are kept up to :data:`apiward.report.clip.FILE_BODY` characters, what the scan's
transport records (header values too), and details and reproductions up to ``FILE_TEXT``: a longer one (from
a verb or library user that records more) is cut, saying its real size.
"""

from __future__ import annotations

from typing import Any

from apiward.core.findings import Exchange, Finding, Location, RecordedRequest, RecordedResponse
from apiward.report import clip
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
        "detail": text(f.detail),
        "remediation": f.remediation,
        "reproduction": text(f.reproduction) if f.reproduction else None,
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
    return {
        "method": r.method,
        "url": r.url,
        "headers": _headers(r.headers),
        "body": clip.body(r, clip.FILE_BODY),
    }


def response(r: RecordedResponse) -> Json:
    """Status, time taken, headers as ``[name, value]`` pairs in wire order, body."""
    return {
        "status": r.status,
        "elapsed_ms": r.elapsed_ms,
        "headers": _headers(r.headers),
        "body": clip.body(r, clip.FILE_BODY),
    }


def ran(r: Ran) -> Json:
    """A check that ran, and on which operation (null: the whole target)."""
    return {"check": r.check, "operation": r.operation}


def skipped(s: Skipped) -> Json:
    """A check that did not run, where, why, and what exactly was missing (or empty)."""
    return {
        "check": s.check,
        "operation": s.operation,
        "reason": s.reason,
        "detail": text(s.detail),
    }


def text(value: str) -> str:
    """Free text (a detail, a reproduction) as a file keeps it: up to ``clip.FILE_TEXT``."""
    return clip.cut(value, clip.FILE_TEXT)


def _headers(headers: tuple[tuple[str, str], ...]) -> list[list[str]]:
    # Pairs, not an object: repeated headers (Set-Cookie) and their order are evidence.
    return [[name, clip.cut(value, clip.FILE_BODY)] for name, value in headers]
