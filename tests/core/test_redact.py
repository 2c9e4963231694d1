"""No credential reaches a report: what the redactor hides and what it keeps."""

from __future__ import annotations

from apiward.core.findings import (
    Exchange,
    Finding,
    RecordedRequest,
    RecordedResponse,
    Severity,
)
from apiward.core.redact import MASK, Redactor

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"


def _leaky_finding() -> Finding:
    request = RecordedRequest(
        method="POST",
        url="http://127.0.0.1:8000/login?api_key=k3y-abcdef&page=2",
        headers=(("Authorization", f"Bearer {JWT}"), ("Accept", "application/json")),
        body='{"username": "alice", "password": "alice-wonderland-2026"}',
    )
    response = RecordedResponse(
        status=200,
        headers=(("Set-Cookie", "session=abc123456; HttpOnly"),),
        body=f'{{"access_token": "{JWT}", "name": "Alice"}}',
    )
    return Finding(
        check="bola",
        title="t",
        severity=Severity.HIGH,
        evidence=(Exchange(request=request, response=response),),
        reproduction=f"curl -H 'Authorization: Bearer {JWT}' http://127.0.0.1:8000/x",
        detail="logged in with alice-wonderland-2026",
    )


def test_no_credential_survives_redaction() -> None:
    """Tokens, passwords, keys and cookies are masked everywhere in a finding."""
    redacted = Redactor(["alice-wonderland-2026"]).finding(_leaky_finding())
    text = repr(redacted)
    for secret in ("alice-wonderland-2026", "k3y-abcdef", "abc123456", "c2lnbmF0dXJl", "eyJzdWIi"):
        assert secret not in text
    assert MASK in text


def test_redaction_keeps_what_a_reader_needs() -> None:
    """The auth scheme, the JWT header, ordinary fields and the URL path stay readable."""
    redacted = Redactor().finding(_leaky_finding())
    request = redacted.evidence[0].request
    assert dict(request.headers)["Authorization"] == f"Bearer {MASK}"
    assert dict(request.headers)["Accept"] == "application/json"
    assert "page=2" in request.url
    assert '"username": "alice"' in request.body
    assert "eyJhbGciOiJIUzI1NiJ9." in redacted.reproduction  # type: ignore[operator]


def test_show_secrets_turns_redaction_off() -> None:
    """A disabled redactor (--show-secrets) returns findings unchanged."""
    finding = _leaky_finding()
    assert Redactor(["alice-wonderland-2026"], enabled=False).finding(finding) == finding
