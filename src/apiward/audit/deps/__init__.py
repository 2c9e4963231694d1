"""Dependency review: pinned or installed packages against OSV advisories, and an SBOM.

from apiward.audit.deps import read_packages, load_advisories, audit_deps
result = audit_deps(read_packages("requirements.txt"), load_advisories("osv/"))
result.findings                       # deps.vulnerable findings
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apiward.audit.deps.matching import Match, finding, match_all
from apiward.audit.deps.osv import Advisory, load_advisories
from apiward.audit.deps.packages import Package, installed_packages, read_packages
from apiward.core.findings import Finding, sorted_findings

__all__ = [
    "Advisory",
    "DepsAudit",
    "Match",
    "Package",
    "audit_deps",
    "installed_packages",
    "load_advisories",
    "read_packages",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DepsAudit:
    """The packages audited, the advisories they matched, and the findings."""

    packages: tuple[Package, ...]
    matches: tuple[Match, ...]
    advisories: int

    @property
    def findings(self) -> tuple[Finding, ...]:
        """One ``deps.vulnerable`` finding per (package, advisory), most severe first."""
        return tuple(sorted_findings(finding(m) for m in self.matches))


def audit_deps(packages: Sequence[Package], advisories: Sequence[Advisory]) -> DepsAudit:
    """Check every package against every advisory."""
    return DepsAudit(
        packages=tuple(packages),
        matches=tuple(match_all(packages, advisories)),
        advisories=len(advisories),
    )
