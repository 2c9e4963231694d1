"""A code rule: what it looks for, how bad it is, and the hits it finds in a project."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from apiward.audit.code.source import Project, SourceFile
from apiward.core.findings import Confidence, Finding, Location, Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One place where a rule applies, and what makes it apply there."""

    source: SourceFile
    line: int
    why: str
    operation: str | None = None
    severity: Severity | None = None
    """Overrides the rule's severity for this hit (e.g. writes are worse than reads)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeRule:
    """An apiward rule over Python source, with the OWASP id, CWE and fix it carries."""

    id: str
    title: str
    severity: Severity
    owasp: str | None
    cwe: str
    remediation: str
    check: Callable[[Project], Iterable[Hit]]
    confidence: Confidence = Confidence.FIRM

    def findings(self, project: Project) -> list[Finding]:
        """Run the rule over ``project`` and turn each hit into a Finding."""
        return [self.finding(hit) for hit in self.check(project)]

    def finding(self, hit: Hit) -> Finding:
        """The Finding for one hit: the code line goes in the detail and the key."""
        code = hit.source.line(hit.line)
        return Finding(
            check=f"code.{self.id}",
            title=self.title,
            severity=hit.severity or self.severity,
            confidence=self.confidence,
            owasp=self.owasp,
            cwe=self.cwe,
            operation=hit.operation,
            location=Location(source=str(hit.source.path), line=hit.line),
            detail=f"{hit.why}: {code}" if code else hit.why,
            remediation=self.remediation,
            key=f"{hit.line}:{code}",
            tags=("code-review",),
        )
