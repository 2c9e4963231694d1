"""Packages against advisories: which installed version is hit by which advisory, as findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from apiward.audit.deps.osv import Advisory, matches
from apiward.audit.deps.packages import Package
from apiward.core.findings import Finding, Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """One package version hit by one advisory, and the versions that fix it."""

    package: Package
    advisory: Advisory
    fixed: tuple[str, ...]

    @property
    def upgrade_to(self) -> str | None:
        """The lowest fixed version above the installed one, if any is published."""
        above = [v for v in self.fixed if _after(v, self.package.version)]
        return min(above, key=Version) if above else None


def _after(candidate: str, installed: str) -> bool:
    try:
        return Version(candidate) > Version(installed)
    except InvalidVersion:
        return False


def match_all(packages: Sequence[Package], advisories: Sequence[Advisory]) -> list[Match]:
    """Every (package, advisory) pair where the advisory covers the package's version."""
    return [
        Match(package=package, advisory=advisory, fixed=affected.fixed)
        for package in packages
        for advisory, affected in matches(advisories, package.name, package.version)
    ]


def finding(match: Match) -> Finding:
    """The ``deps.vulnerable`` finding for one match (update-and-patch, no OWASP id)."""
    package, advisory = match.package, match.advisory
    aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
    return Finding(
        check="deps.vulnerable",
        title=f"{package.name} {package.version} is affected by {advisory.id}{aliases}",
        severity=advisory.severity,
        owasp=None,
        cwe=advisory.cwes[0] if advisory.cwes else None,
        location=Location(source=package.source, line=package.line),
        detail=advisory.summary or advisory.id,
        remediation=_remediation(match),
        key=f"{package.key}@{package.version}:{advisory.id}",
        tags=("patching", "dependencies", advisory.id, *advisory.aliases),
    )


def _remediation(match: Match) -> str:
    name = match.package.name
    if target := match.upgrade_to:
        others = ", ".join(v for v in match.fixed if v != target)
        also = f" (also fixed in {others})" if others else ""
        return f"Upgrade {name} to {target} or later{also}."
    return (
        f"No fixed version of {name} is published for {match.advisory.id}: remove it or mitigate."
    )
