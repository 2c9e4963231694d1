"""Findings: what every verb that judges an API produces, in one model.

The scanner's findings carry *exchanges* (recorded request/response pairs) as evidence
and a ``curl`` reproduction; the audit's and the inventory's carry a *location* in a
file (source, line, JSON pointer). Everything else is shared, so one set of report
writers serves them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is; ordered, so ``--fail-on high`` can compare."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info up to 4 for critical."""
        return _SEVERITY_ORDER.index(self)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    @property
    def sarif_level(self) -> str:
        """The SARIF 2.1.0 ``level`` for this severity."""
        return {"info": "note", "low": "note", "medium": "warning"}.get(self.value, "error")


_SEVERITY_ORDER = tuple(Severity)


class Confidence(StrEnum):
    """How sure apiward is: ``confirmed`` means the effect was observed (read back, canary hit)."""

    TENTATIVE = "tentative"
    FIRM = "firm"
    CONFIRMED = "confirmed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One side of an HTTP exchange as it was recorded (headers in wire order)."""

    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""


MAX_RECORDED_BODY = 64_000
"""Characters of a body an exchange keeps: the scan records no more, reports show no more."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest(Message):
    """A request apiward sent (or saw)."""

    method: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedResponse(Message):
    """The response it got; ``elapsed_ms`` matters for timing-based evidence."""

    status: int
    elapsed_ms: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """A request and its response, with a note on what this exchange shows."""

    request: RecordedRequest
    response: RecordedResponse | None = None
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where in a file a static finding applies."""

    source: str
    line: int | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where} (at {self.pointer or '/'})" if self.pointer is not None else where


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One thing wrong with an API, with what proves it and how to fix it."""

    check: str
    """Stable id of the check or rule that produced it, e.g. ``bola`` or ``contract.no-security``."""
    title: str
    severity: Severity
    confidence: Confidence = Confidence.FIRM
    owasp: str | None = None
    """OWASP API Security Top 10 id with its edition, e.g. ``API1:2023``."""
    cwe: str | None = None
    operation: str | None = None
    """``METHOD /path/template`` when the finding is about one operation."""
    location: Location | None = None
    detail: str = ""
    """What was observed, specific to this finding (which id, which identity, which field)."""
    remediation: str = ""
    evidence: tuple[Exchange, ...] = ()
    reproduction: str | None = None
    """A command (usually ``curl``) that shows the problem again."""
    key: str = ""
    """What tells two findings of one check on one operation apart (e.g. the parameter)."""
    tags: tuple[str, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        """A stable id for de-duplication and for comparing scans over time."""
        where = self.operation or (
            f"{self.location.source}#{self.location.pointer}" if self.location else ""
        )
        text = "\x1f".join((self.check, where, self.key))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by check, operation or location, and key: stable for reports."""
    return sorted(
        findings,
        key=lambda f: (
            -f.severity.rank,
            f.check,
            f.operation or "",
            str(f.location or ""),
            f.key,
        ),
    )


def at_or_above(findings: Iterable[Finding], threshold: Severity) -> list[Finding]:
    """The findings whose severity is ``threshold`` or worse (for ``--fail-on``)."""
    return [f for f in findings if f.severity >= threshold]
