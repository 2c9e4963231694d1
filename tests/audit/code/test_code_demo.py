"""The code audit on the demo bank's own source, against its ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

import apiward.demo
from apiward.audit.code import CodeAudit, audit_code
from apiward.core.findings import Finding

DEMO = Path(apiward.demo.__file__).parent


@pytest.fixture(scope="module")
def result() -> CodeAudit:
    """One audit of the demo's source, shared by the tests in this module."""
    return audit_code(DEMO)


def _at(result: CodeAudit, check: str, file: str) -> list[Finding]:
    return [
        f
        for f in result.findings
        if f.check == check and f.location is not None and f.location.source.endswith(file)
    ]


def _line_of(file: str, marker: str) -> int:
    lines = (DEMO / file).read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if marker in line)


def test_planted_sql_injection_is_found(result: CodeAudit) -> None:
    """sqli-transfer-search: the search text pasted into SQL is reported on its line."""
    lines = {
        f.location.line for f in _at(result, "code.sql-injection", "transfers.py") if f.location
    }
    assert lines == {_line_of("transfers.py", "LIKE '%{q}%'")}


def test_fixed_branch_parameterised_sql_is_not_flagged(result: CodeAudit) -> None:
    """The fixed bank's SQL formats only a module constant and binds the user's values."""
    flagged = {
        f.location.line
        for f in result.findings
        if f.location and f.location.source.endswith("transfers.py")
    }
    assert _line_of("transfers.py", "memo LIKE :pattern") not in flagged
    assert _line_of("transfers.py", "ORDER BY created_at DESC") not in flagged


def test_hand_rolled_alg_none_is_found(result: CodeAudit) -> None:
    """jwt-alg-none: the branch that returns claims for alg 'none' is critical."""
    (finding,) = _at(result, "code.jwt-unverified", "tokens.py")
    assert finding.severity == "critical"
    assert finding.location is not None
    assert finding.location.line == _line_of("tokens.py", '== "none"')


def test_weak_secret_is_found_by_bandit(result: CodeAudit) -> None:
    """jwt-weak-secret: bandit's hard-coded password check names WEAK_SECRET."""
    (finding,) = _at(result, "code.bandit.B105", "tokens.py")
    assert "WEAK_SECRET" in finding.detail
    assert finding.cwe == "CWE-259"


@pytest.mark.parametrize(
    "operation",
    [
        "GET /api/v2/debug/config",
        "GET /api/v2/internal/users/export",
        "GET /api/v1/accounts/{account_id}",
        "GET /api/v1/users/{username}",
    ],
    ids=["debug-config", "user-export", "v1-account", "v1-user"],
)
def test_unauthenticated_planted_routes_are_found(result: CodeAudit, operation: str) -> None:
    """Shadow, debug and zombie routes that ask for no token are reported by operation."""
    assert operation in {
        f.operation for f in result.findings if f.check == "code.route-without-auth"
    }


def test_routes_with_the_me_alias_count_as_authenticated(result: CodeAudit) -> None:
    """Handlers taking ``me: Me`` (an Annotated Depends alias from deps.py) are not reported."""
    flagged = {f.operation for f in result.findings if f.check == "code.route-without-auth"}
    assert "GET /api/v2/accounts/{account_id}" not in flagged
    assert "POST /api/v2/transfers" not in flagged
    assert not any(op and "/auth/login" in op for op in flagged)


def test_reflecting_cors_and_template_injection_are_found(result: CodeAudit) -> None:
    """cors-reflects-any-origin and ssti-notification-preview show up as their rules."""
    assert _at(result, "code.cors-any-origin-with-credentials", "middleware.py")
    assert _at(result, "code.template-injection", "notifications.py")
