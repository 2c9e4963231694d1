"""No credential reaches a report: what the redactor hides and what it keeps."""

from __future__ import annotations

import pytest

from apiward.core.findings import (
    Exchange,
    Finding,
    RecordedRequest,
    RecordedResponse,
    Severity,
)
from apiward.core.redact import MASK, Redactor, secret_name

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


def test_words_that_name_a_secret_are_not_redacted() -> None:
    """Titles and fixes keep the word "password" even when a login sent `grant_type=password`."""
    redactor = Redactor(["password", "hunter2-hunter2"])
    title = "GET /users exposes password_hash; never return password hashes"
    assert Redactor(["hunter2-hunter2"]).text(title) == title
    assert redactor.text("exposes password_hash") == "exposes password_hash"


def test_a_known_secret_is_masked_where_it_stands_alone() -> None:
    """A known value is masked as a whole token, not inside a longer word or number."""
    redactor = Redactor(["s3cr3t-xyz", "123456"])
    assert redactor.text("sent s3cr3t-xyz, then 'Bearer s3cr3t-xyz'") == (
        f"sent {MASK}, then 'Bearer {MASK}'"
    )
    assert redactor.text("order 91234567 of 123456") == f"order 91234567 of {MASK}"


def test_short_known_values_are_not_masked_in_free_text() -> None:
    """A value under MIN_SECRET characters would hit ordinary text; fields named as secrets still hide it."""
    redactor = Redactor(["pin1"])
    assert redactor.text("spin1 pin1 ok") == "spin1 pin1 ok"
    assert redactor.text("pin=pin1") == f"pin={MASK}"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password_hash", True),
        ("X-Api-Key", True),
        ("apiKey", True),
        ("sessionToken", True),
        ("client_secret", True),
        ("pin", True),
        ("session_id", True),
        ("shipping", False),
        ("author", False),
        ("spinner", False),
        ("options", False),
        ("grant_type", False),
    ],
    ids=lambda value: str(value),
)
def test_secret_names_are_parts_not_letters(name: str, secret: bool) -> None:
    """A name is secret when one of its parts is (`apiKey`), not when it contains letters of one (`shipping`)."""
    assert secret_name(name) is secret
    assert (MASK in Redactor().text(f"{name}=value-1")) is secret


def test_cookies_are_masked_by_where_they_sit_names_kept() -> None:
    """Every cookie value of Cookie and Set-Cookie is masked, known or not; names and attributes stay."""
    redactor = Redactor()
    assert redactor.header("Cookie", "mojolicious=eyJ4Ijox--9f3a; theme=dark") == (
        f"mojolicious={MASK}; theme={MASK}"
    )
    assert redactor.header(
        "Set-Cookie", "sid=q8Zt-new-value; Path=/; HttpOnly, b=2; Max-Age=60"
    ) == (f"sid={MASK}; Path=/; HttpOnly, b={MASK}; Max-Age=60")


def test_a_curl_line_is_redacted_by_its_arguments() -> None:
    """A reproduction's -H cookie, a named credential header and a query token are masked; the rest stays."""
    line = (
        "curl -i -X GET -H 'cookie: mojolicious=never-seen-value-1--ab12' "
        "-H 'X-Ranger: r-77-unseen' -H 'accept: */*' 'http://h/api/x?jwt=unseen-jwt-value&page=2'"
    )
    shown = Redactor(names=["X-Ranger"], owners={"never-seen-value-1--ab12": "alma"}).text(line)
    assert shown == (
        "curl -i -X GET -H 'cookie: mojolicious=[credential of alma]' "
        f"-H 'X-Ranger: {MASK}' -H 'accept: */*' 'http://h/api/x?jwt={MASK}&page=2'"
    )


def test_credentials_seen_in_headers_are_masked_in_bodies_too() -> None:
    """A cookie value the target issued mid-scan is learned from a header and hidden in a body."""
    value = "re-signed-session-value-42"
    request = RecordedRequest(method="GET", url="http://h/", headers=(("Cookie", f"s={value}"),))
    response = RecordedResponse(status=200, body=f'{{"echo": "{value}"}}')
    finding = Finding(
        check="bola",
        title="t",
        severity=Severity.HIGH,
        evidence=(Exchange(request=request, response=response),),
    )
    redactor = Redactor().learning([finding])
    assert value not in repr(redactor.finding(finding))
