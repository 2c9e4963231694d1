"""Output: what responses expose, and which errors the contract admits to."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apiward.audit.contract.contract import Contract
from apiward.audit.contract.names import secret_kind, types, words
from apiward.audit.contract.rule import Hit, Rule
from apiward.audit.contract.rules.schemas import node_hit
from apiward.audit.contract.walk import Side
from apiward.core.findings import Severity
from apiward.spec import Operation

# Operations whose job is to hand out credentials: a token in their response is the point.
_ISSUES_CREDENTIALS = re.compile(
    r"\b(?:token|tokens|login|logon|signin|sign in|auth|oauth|oauth2|authorize|session|sessions"
    r"|register|signup|sign up|api keys?|keys|credentials?|secrets?|password|passwords|reset|otp"
    r"|mfa|2fa|sso|saml|oidc|connect)\b"
)
_THROTTLE_HEADERS = re.compile(r"^(?:x-)?rate-?limit|^retry-after$", re.IGNORECASE)
# Throttling a contract documents in prose ("Rate limiting: 10 requests per second",
# "Error code 429 is returned..."): a reviewer reading it knows the API throttles.
_THROTTLE_PROSE = re.compile(r"\b429\b|rate[ -]?limit|throttl", re.IGNORECASE)


def _issues_credentials(contract: Contract, key: str) -> bool:
    method, path = key.split(" ", 1)
    op = contract.api.operation(method, path)
    text = words(f"{path} {op.operation_id or ''} {' '.join(op.tags)}") if op else ""
    return bool(_ISSUES_CREDENTIALS.search(text))


def secret_in_response(contract: Contract) -> Iterator[Hit]:
    """A response property named like a secret: password, token, API key, card number, CVV, SSN.

    Not flagged: ``writeOnly`` properties (never returned), non-string values
    (``password_expires_at``, ``has_password``, ``token_count``), names about a
    secret rather than holding one (``token_type``, ``next_page_token``,
    ``secret_name``, ``password_policy``), and credentials returned only by
    operations whose path, operationId or tags say they issue credentials
    (login, token, keys, register...).
    """
    for node in contract.nodes:
        kind = secret_kind(node.name) if node.side is Side.RESPONSE and node.name else None
        if kind is None or node.schema.get("writeOnly") is True:
            continue
        if types(node.schema) - {"string"}:
            continue
        if kind == "credential" and all(_issues_credentials(contract, k) for k in node.operations):
            continue
        worse = kind != "credential" or "password" in words(node.name)
        yield node_hit(
            contract,
            node,
            f"response exposes a {kind}",
            Severity.HIGH if worse else None,
        )


def _declared(op: Operation, *statuses: str) -> bool:
    return any(status in op.responses for status in statuses)


def no_error_responses(contract: Contract) -> Iterator[Hit]:
    """An operation that declares no error response, or a secured one with no 401/403.

    Undocumented errors hide how the API fails (and clients handle failures
    badly). Not flagged: a ``default`` or ``4XX`` response counts as declaring
    errors, and as declaring 401/403; public operations are not asked for 401/403.
    """
    for op in contract.api.operations:
        errors = [s for s in op.responses if s[:1] in "45" or s == "default"]
        if not errors:
            yield Hit(
                pointer=f"{op.pointer}/responses",
                document=op.document or None,
                detail=f"{op.key} declares no error response",
                key="any",
                operation=op.key,
            )
        elif not op.is_public and not _declared(op, "401", "403", "4XX", "4xx", "default"):
            yield Hit(
                pointer=f"{op.pointer}/responses",
                document=op.document or None,
                detail=f"{op.key} needs credentials but declares neither 401 nor 403",
                key="auth",
                operation=op.key,
            )


def no_rate_limit(contract: Contract) -> Iterator[Hit]:
    """No operation declares a 429 response or a rate-limit header: no declared throttling.

    Not flagged: a contract that declares 429 or a ``RateLimit``/``X-RateLimit-*``/
    ``Retry-After`` response header on at least one operation; a contract whose
    description, or an operation's or response's, documents throttling in prose
    (429, rate limit, throttling); a contract with no operations.
    """
    ops = contract.api.operations
    if not ops or _throttling_in_prose(contract):
        return
    for op in ops:
        for status, response in op.responses.items():
            if status == "429" or any(map(_THROTTLE_HEADERS.match, response.headers)):
                return
    yield Hit(pointer="/paths", detail="no operation declares 429 Too Many Requests", key="")


def _throttling_in_prose(contract: Contract) -> bool:
    info = contract.source.at("/info")
    texts = [info.get("description", "")] if isinstance(info, dict) else []
    for op in contract.api.operations:
        texts += [op.summary, op.description]
        texts += [response.description for response in op.responses.values()]
    return any(isinstance(text, str) and _THROTTLE_PROSE.search(text) for text in texts)


RULES = (
    Rule(
        id="contract.output.secret-in-response",
        title="Response exposes a secret",
        severity=Severity.MEDIUM,
        owasp="API3:2023",
        cwe="CWE-200",
        remediation="Remove the property from the response schema (mark it writeOnly if clients send it).",
        check=secret_in_response,
    ),
    Rule(
        id="contract.output.no-error-responses",
        title="Error responses not declared",
        severity=Severity.LOW,
        owasp="API8:2023",
        cwe=None,
        remediation="Declare the operation's error responses (401 and 403 when it needs credentials, 4XX otherwise).",
        check=no_error_responses,
    ),
    Rule(
        id="contract.output.no-rate-limit",
        title="No throttling declared",
        severity=Severity.MEDIUM,
        owasp="API4:2023",
        cwe="CWE-770",
        remediation="Rate-limit the API and declare it: 429 responses with Retry-After and RateLimit headers.",
        check=no_rate_limit,
    ),
)
