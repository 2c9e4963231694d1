"""Code review of an API's Python source: bandit's analysis plus apiward's API rules.

from apiward.audit.code import audit_code
result = audit_code("src/myapi")        # CodeAudit(findings, files, rules, unparsed)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from apiward.audit.code.bandit_rules import bandit_findings
from apiward.audit.code.registry import BUILTIN, code_rules
from apiward.audit.code.rule import CodeRule, Hit
from apiward.audit.code.source import Project, load_project
from apiward.core.findings import Finding, sorted_findings

__all__ = ["BUILTIN", "CodeAudit", "CodeRule", "Hit", "Project", "audit_code", "load_project"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeAudit:
    """What a code audit found, and what it looked at."""

    findings: tuple[Finding, ...]
    files: int
    rules: tuple[str, ...]
    """Every rule that ran: apiward's ids and, when bandit ran, ``bandit``."""
    unparsed: tuple[tuple[str, str], ...] = ()
    """Files that are not valid Python, with why: not reviewed, not clean."""


def audit_code(
    path: str | Path, *, rules: tuple[CodeRule, ...] = BUILTIN, bandit: bool = True
) -> CodeAudit:
    """Review every Python file under ``path``; a missing path is a ConfigError."""
    project = load_project(path)
    registry = code_rules(rules)
    findings = [finding for rule in registry for finding in rule.findings(project)]
    if bandit and project.files:
        findings += bandit_findings(project)
    return CodeAudit(
        findings=tuple(sorted_findings(findings)),
        files=len(project.files),
        rules=(
            *(f"code.{name}" for name in registry.names()),
            *(("code.bandit",) if bandit else ()),
        ),
        unparsed=project.unparsed,
    )
