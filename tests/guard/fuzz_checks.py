"""schemathesis hooks for the guarded bank's fuzz run (loaded through SCHEMATHESIS_HOOKS).

``declared_or_guard_refusal`` is schemathesis's status-code conformance with one
exception, stated here rather than switched off: a status the contract does not
list passes only when it is a guard refusal — an RFC 9457 problem document
(``application/problem+json``) whose ``type`` is one of the guard's rules and whose
status is that rule's status. Any other undeclared status (the app's own, a 5xx,
a problem document with the wrong status) fails the run — with one more stated
exception, which is the bank's and not the guard's: the bank's contract omits the
401 it answers to a request sent with no Authorization header at all (schemathesis's
coverage phase drops the header on purpose), so that exact case passes.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

from apiward.guard.problem import MEDIA_TYPE, TYPE_BASE, Rule, status_of

_NOT_REFUSALS = frozenset({Rule.UPSTREAM_ERROR, Rule.UPSTREAM_UNAVAILABLE})


def _declared(codes: Any, status: int) -> bool:
    for code in map(str, codes):
        if code.lower() == "default" or code == str(status):
            return True
        if code.upper().endswith("XX") and code[0] == str(status)[0]:
            return True
    return False


def refusal_rule(headers: Any, body: bytes, status: int) -> Rule | None:
    """The guard rule a response is a refusal under, or None when it is not one."""
    media = next((v for k, v in headers.items() if k.lower() == "content-type"), [""])
    if (media[0] if isinstance(media, list) else media).encode() != MEDIA_TYPE:
        return None
    try:
        kind = json.loads(body).get("type", "")
        rule = Rule(kind[len(TYPE_BASE) :]) if kind.startswith(TYPE_BASE) else None
    except (ValueError, AttributeError):
        return None
    if rule is None or rule in _NOT_REFUSALS or status_of(rule) != status:
        return None
    return rule


def _has_credentials(response: Any) -> bool:
    return any(name.lower() == "authorization" for name in response.request.headers)


@schemathesis.check
def declared_or_guard_refusal(ctx: Any, response: Any, case: Any) -> None:
    """The status is declared for the operation, or the answer is a guard refusal."""
    status = response.status_code
    if _declared(case.operation.responses.status_codes, status):
        return
    if status == 401 and not _has_credentials(response):
        return  # the bank's own undeclared 401 (see the module docstring)
    if refusal_rule(response.headers, response.content, status) is None:
        raise AssertionError(
            f"{case.operation.label}: status {status} is neither in the contract "
            f"nor a guard refusal: {response.content[:200]!r}"
        )
