"""Sample reports every writer is tested on: static and dynamic findings, leaks, coverage."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

from apiward.core.findings import (
    Confidence,
    Exchange,
    Finding,
    Location,
    RecordedRequest,
    RecordedResponse,
    Severity,
)
from apiward.report import Ran, Report, Skipped

STARTED = datetime(2026, 3, 1, 9, 30, 0, tzinfo=UTC)
FINISHED = datetime(2026, 3, 1, 9, 31, 12, 500000, tzinfo=UTC)
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
PASSWORD = "alice-wonderland-2026"
API_KEY = "k3y-abcdef0123"
SESSION = "s3ss10n-9f8e7d6c"
# Each must be absent from a redacted report and present with --show-secrets.
SECRETS = {
    "bearer JWT signature": "c2lnbmF0dXJl",
    "bearer JWT claims": "eyJzdWIiOiJhbGljZSJ9",
    "password in JSON body": PASSWORD,
    "api_key in URL": API_KEY,
    "Set-Cookie session": SESSION,
}
XSS = "<script>alert(1)</script>"
SKIP_DETAIL = "deleting card 7 would remove alice's card"
PAD_BYTES = 2 * 1024 * 1024


def bola_finding() -> Finding:
    """A dynamic finding that leaks every kind of credential in its evidence."""
    request = RecordedRequest(
        method="GET",
        url=f"http://127.0.0.1:8000/api/v2/accounts/2?api_key={API_KEY}",
        headers=(("Authorization", f"Bearer {JWT}"), ("Accept", "application/json")),
    )
    response = RecordedResponse(
        status=200,
        headers=(("Content-Type", "application/json"), ("Set-Cookie", f"session={SESSION}")),
        body='{"id": 2, "owner": "alice", "balance": 1200}',
        elapsed_ms=12.5,
    )
    login = RecordedRequest(
        method="POST",
        url="http://127.0.0.1:8000/api/v2/auth/login",
        headers=(("Content-Type", "application/json"),),
        body=f'{{"username": "bob", "password": "{PASSWORD}"}}',
    )
    return Finding(
        check="bola",
        title="Another user's account is readable",
        severity=Severity.HIGH,
        confidence=Confidence.CONFIRMED,
        owasp="API1:2023",
        cwe="CWE-639",
        operation="GET /api/v2/accounts/{account_id}",
        detail="bob read account 2, owned by alice (balance included).",
        remediation="Check that the account belongs to the caller before returning it.",
        evidence=(
            Exchange(request=login, response=RecordedResponse(status=200), note="bob logs in"),
            Exchange(request=request, response=response, note="bob reads alice's account"),
        ),
        reproduction=(
            f"curl -H 'Authorization: Bearer {JWT}' "
            f"'http://127.0.0.1:8000/api/v2/accounts/2?api_key={API_KEY}'"
        ),
        key="account_id",
    )


def static_finding() -> Finding:
    """A contract finding: a file, a line and a JSON pointer, no exchanges."""
    return Finding(
        check="contract.no-security",
        title="Operation has no security requirement",
        severity=Severity.MEDIUM,
        owasp="API2:2023",
        cwe="CWE-306",
        location=Location(source="specs/bank.yaml", line=42, pointer="/paths/~1admin/get"),
        detail="GET /admin declares security: [] and is public.",
        remediation="Declare the security scheme the operation needs.",
    )


def injection_finding() -> Finding:
    """A finding without an OWASP id, to exercise the 'other' category."""
    return Finding(
        check="sqli",
        title="SQL error on a quote in q",
        severity=Severity.CRITICAL,
        operation="GET /api/v2/search",
        detail="A single quote in q made the API answer 500 with a SQLite syntax error.",
        evidence=(
            Exchange(
                request=RecordedRequest(
                    method="GET", url="http://127.0.0.1:8000/api/v2/search?q='"
                ),
                response=RecordedResponse(status=500, body="sqlite3.OperationalError " * 600),
            ),
        ),
        reproduction='curl "http://127.0.0.1:8000/api/v2/search?q=\'"',
        key="q",
    )


def padded_finding() -> Finding:
    """A write padded to 2 MB, recorded whole (as a library user may): huge body and curl line."""
    body = '{"name": "pad", "filler": "' + "x" * PAD_BYTES + '"}'
    request = RecordedRequest(
        method="POST",
        url="http://127.0.0.1:8000/api/v2/notes?" + "q=1&" * 2_000,
        headers=(("Content-Type", "application/json"), ("X-Trace", "t" * 100_000)),
        body=body,
    )
    echo = RecordedResponse(status=201, body=body[:64_000])
    return Finding(
        check="resource_limits",
        title="A 2048 KiB body is accepted",
        severity=Severity.MEDIUM,
        owasp="API4:2023",
        operation="POST /api/v2/notes",
        detail="The legitimate request padded with one 2 MB property was accepted: " + "y" * 9_000,
        evidence=(Exchange(request=request, response=echo, note="body padded"),),
        reproduction=f"curl -i -X POST --data-raw '{body}' http://127.0.0.1:8000/api/v2/notes",
        key="body",
    )


def full_report(*findings: Finding, complete: bool = True) -> Report:
    """A scan report with coverage, stats and notes around ``findings``."""
    return Report(
        tool="scan",
        target="http://127.0.0.1:8000",
        started=STARTED,
        finished=FINISHED,
        findings=findings,
        ran=(
            Ran(check="bola", operation="GET /api/v2/accounts/{account_id}"),
            Ran(check="bola", operation="GET /api/v2/cards/{card_id}"),
            Ran(check="sqli", operation="GET /api/v2/search"),
            Ran(check="contract.no-security", operation=None),
            Ran(check="cors", operation=None),
        ),
        skipped=(
            Skipped(
                check="bola",
                operation="DELETE /api/v2/cards/{card_id}",
                reason="excluded by --safe",
                detail=SKIP_DETAIL,
            ),
            Skipped(
                check="bfla", operation="GET /api/v2/admin/users", reason="no identity with access"
            ),
            Skipped(
                check="bfla", operation="POST /api/v2/admin/users", reason="no identity with access"
            ),
        ),
        stats=MappingProxyType({"operations": 32, "requests": 812}),
        complete=complete,
        notes=("identities: alice, bob, admin",),
        contract="specs/bank.yaml",
    )


def empty_report() -> Report:
    """A run that examined nothing: no findings, no coverage."""
    return Report(
        tool="audit contract", target="specs/empty.yaml", started=STARTED, finished=STARTED
    )
