"""bandit's analysis, run as a library, folded into apiward findings.

bandit runs with its built-in defaults (``BanditConfig()`` with no file reads no
project or user configuration), over exactly the files apiward parsed, with its
logger silenced for the run so nothing is printed. Tests that an apiward rule does
better are left out (``SUPERSEDED``): B608 flags every SQL-looking f-string, constants
included, where ``code.sql-injection`` follows the data; B501 and B201 are narrower
than ``code.tls-verify-off`` and ``code.debug-mode``.

bandit's hardcoded-password tests (B105–B107) flag any string given to a name like
``token`` or ``password``; an OAuth ``token_type = "bearer"`` or an authentication scheme
(``"Basic"``) is a protocol word, not a secret, and is left out (``PROTOCOL_WORDS``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# stevedore, which bandit loads its plugins with, warns about its own deprecated argument.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from bandit.core import config as b_config  # type: ignore[import-untyped]
    from bandit.core import manager as b_manager

from apiward.audit.code.source import Project
from apiward.core.findings import Confidence, Finding, Location, Severity

SUPERSEDED = {"B608": "sql-injection", "B501": "tls-verify-off", "B201": "debug-mode"}
_PASSWORD_TESTS = frozenset({"B105", "B106", "B107"})
PROTOCOL_WORDS = frozenset(
    {"bearer", "basic", "digest", "negotiate", "token", "jwt", "mac", "dpop", "apikey", "api-key"}
)
"""Authentication schemes and OAuth token types (RFC 6750, 7617, 7616, 9449), any case."""

# bandit's severity x confidence -> apiward severity: a likely issue keeps its weight,
# a doubtful one drops a step, a low one stays low.
_SEVERITY = {
    ("HIGH", "HIGH"): Severity.HIGH,
    ("HIGH", "MEDIUM"): Severity.MEDIUM,
    ("HIGH", "LOW"): Severity.LOW,
    ("MEDIUM", "HIGH"): Severity.MEDIUM,
    ("MEDIUM", "MEDIUM"): Severity.MEDIUM,
    ("MEDIUM", "LOW"): Severity.LOW,
    ("LOW", "HIGH"): Severity.LOW,
    ("LOW", "MEDIUM"): Severity.LOW,
    ("LOW", "LOW"): Severity.INFO,
}
_CONFIDENCE = {"HIGH": Confidence.FIRM, "MEDIUM": Confidence.FIRM, "LOW": Confidence.TENTATIVE}


def severity(bandit_severity: str, bandit_confidence: str) -> Severity:
    """The apiward severity for a bandit issue's severity and confidence."""
    return _SEVERITY.get((bandit_severity.upper(), bandit_confidence.upper()), Severity.LOW)


def bandit_findings(
    project: Project, *, skip: tuple[str, ...] = tuple(SUPERSEDED)
) -> list[Finding]:
    """Run bandit over the project's files and return its issues as Findings."""
    manager = b_manager.BanditManager(
        b_config.BanditConfig(), "file", quiet=True, profile={"exclude": list(skip)}
    )
    manager.files_list = [str(source.path) for source in project.files]
    with _silent():
        manager.run_tests()
    return [_finding(issue) for issue in manager.get_issue_list() if not _protocol_word(issue)]


def _protocol_word(issue: Any) -> bool:
    """A hardcoded-"password" issue whose string is an auth scheme or token type."""
    if issue.test_id not in _PASSWORD_TESTS:
        return False
    text = str(issue.text)  # "Possible hardcoded password: 'bearer'"
    quoted = text.rsplit(": ", 1)[-1].strip("'\"")
    return quoted.lower() in PROTOCOL_WORDS


def _finding(issue: Any) -> Finding:
    code = _code_line(issue)
    cwe = getattr(issue.cwe, "id", 0)
    return Finding(
        check=f"code.bandit.{issue.test_id}",
        title=str(issue.text),
        severity=severity(str(issue.severity), str(issue.confidence)),
        confidence=_CONFIDENCE.get(str(issue.confidence).upper(), Confidence.TENTATIVE),
        cwe=f"CWE-{cwe}" if cwe else None,
        location=Location(source=str(issue.fname), line=int(issue.lineno)),
        detail=f"{issue.test}: {code}" if code else str(issue.test),
        remediation=f"See https://bandit.readthedocs.io/en/latest/ for {issue.test_id} ({issue.test}).",
        key=f"{issue.lineno}:{code}",
        tags=("code-review", "bandit"),
    )


def _code_line(issue: Any) -> str:
    try:
        with open(issue.fname, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return ""
    number = int(issue.lineno)
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


@contextmanager
def _silent() -> Iterator[None]:
    """Keep bandit's logger quiet for the run: apiward reports skipped files itself."""
    logger = logging.getLogger("bandit")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
