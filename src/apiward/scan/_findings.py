"""A finding of a check on an operation, with its evidence and a ``curl`` to reproduce it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan.request import curl
from apiward.scan.transport import Reply
from apiward.spec import Operation


class CheckInfo(Protocol):
    """What :func:`finding` reads from a check."""

    id: str
    owasp: str
    cwe: str
    remediation: str


def finding(
    check: CheckInfo,
    operation: Operation | str,
    *,
    title: str,
    severity: Severity,
    detail: str,
    evidence: Sequence[Reply],
    confidence: Confidence = Confidence.FIRM,
    key: str = "",
    remediation: str = "",
    cwe: str = "",
    proof: Reply | None = None,
) -> Finding:
    """A finding of ``check`` on ``operation``, proved by ``evidence`` (the attack last).

    ``proof`` is the request the reproduction replays when the attack is not last
    (a read-back after it shows the effect, but replaying the read proves nothing).

    ``operation`` may be a ``"METHOD /path"`` string for endpoints the contract does
    not document (shadow endpoints, old versions). ``cwe`` names the specific weakness
    when a check proves several (a cracked HMAC secret is not an unverified signature);
    it defaults to the check's own.
    """
    return Finding(
        check=check.id,
        title=title,
        severity=severity,
        confidence=confidence,
        owasp=check.owasp,
        cwe=cwe or check.cwe or None,
        operation=operation if isinstance(operation, str) else operation.key,
        detail=detail,
        remediation=remediation or check.remediation,
        evidence=tuple(r.exchange for r in evidence),
        reproduction=_reproduction(proof or (evidence[-1] if evidence else None)),
        key=key,
    )


def _reproduction(proof: Reply | None) -> str | None:
    return curl(proof.exchange.request) if proof is not None else None
