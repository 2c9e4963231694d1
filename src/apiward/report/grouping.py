"""Repeated findings as one entry: the same weakness on many operations is one thing to fix.

A contract audit finds "unbounded string" on hundreds of properties and a scan finds one
CORS weakness on every operation; listing each as its own entry buries the rest. Findings
group when they share a check, a title, a severity and a fix (they differ only in where,
the detail and the evidence), in the order of their first member, so the worst stay first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from apiward.core.findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class Group:
    """Findings that are one weakness in several places; ``members[0]`` stands for them."""

    members: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        """The member shown in full."""
        return self.members[0]

    @property
    def size(self) -> int:
        """How many places the weakness is in."""
        return len(self.members)


@dataclass(frozen=True, slots=True)
class Rule:
    """Every finding of one check (a rule), whatever its titles and severities."""

    check: str
    members: tuple[Finding, ...]

    @property
    def worst(self) -> Severity:
        """The most severe of its findings."""
        return max((f.severity for f in self.members), key=lambda s: s.rank)


def same_weakness(findings: Iterable[Finding]) -> tuple[Group, ...]:
    """Findings grouped by check, title, severity and fix, in the order of their first member."""
    groups: dict[tuple[str, str, Severity, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.check, f.title, f.severity, f.remediation), []).append(f)
    return tuple(Group(tuple(members)) for members in groups.values())


def by_rule(findings: Iterable[Finding]) -> tuple[Rule, ...]:
    """Findings grouped by check: worst severity first, then the most findings, then by name."""
    rules: dict[str, list[Finding]] = {}
    for f in findings:
        rules.setdefault(f.check, []).append(f)
    ordered = sorted(rules.items(), key=lambda item: (-_rank(item[1]), -len(item[1]), item[0]))
    return tuple(Rule(check, tuple(members)) for check, members in ordered)


def _rank(findings: list[Finding]) -> int:
    return max(f.severity.rank for f in findings)
