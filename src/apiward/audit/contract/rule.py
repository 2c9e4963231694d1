"""A contract rule: what it checks, how bad it is, and the findings it yields.

A rule's ``check`` is a plain function from the prepared :class:`Contract` to
:class:`Hit`\\ s (where, what, which key); :class:`Rule` adds the metadata every
finding of the rule shares. The check's docstring is the rule's description, and
says what the rule deliberately does not flag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from apiward.audit.contract.contract import Contract
from apiward.core.findings import Confidence, Finding, Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One place a rule fires: the JSON pointer, what is wrong there, and a stable key."""

    pointer: str
    detail: str
    key: str
    operation: str | None = None
    document: str | None = None
    """The document the pointer is in, when not the root document."""
    severity: Severity | None = None
    """Overrides the rule's severity for this hit (e.g. a write operation is worse)."""


Check = Callable[[Contract], Iterable[Hit]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A contract rule with the metadata every one of its findings carries."""

    id: str
    title: str
    severity: Severity
    owasp: str
    cwe: str | None
    remediation: str
    check: Check
    confidence: Confidence = Confidence.FIRM

    @property
    def description(self) -> str:
        """What the rule checks and what it deliberately leaves alone (the check's docstring)."""
        return " ".join((self.check.__doc__ or "").split())

    def run(self, contract: Contract) -> Iterator[Finding]:
        """The rule's findings on ``contract``."""
        for hit in self.check(contract):
            yield Finding(
                check=self.id,
                title=self.title,
                severity=hit.severity or self.severity,
                confidence=self.confidence,
                owasp=self.owasp,
                cwe=self.cwe,
                operation=hit.operation,
                location=contract.location(hit.pointer, hit.document),
                detail=hit.detail,
                remediation=self.remediation,
                key=hit.key,
                tags=("contract", self.id.split(".")[1]),
            )


def used_by(operations: tuple[str, ...], limit: int = 3) -> str:
    """``used by GET /a, POST /b (+4 more)``: the operations a schema finding concerns."""
    if not operations:
        return "used by no operation"
    shown = ", ".join(operations[:limit])
    more = f" (+{len(operations) - limit} more)" if len(operations) > limit else ""
    return f"used by {shown}{more}"
