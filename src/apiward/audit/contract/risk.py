"""Risk: how exposed each operation is, times how weak the contract leaves it.

For each operation::

    exposure = 1 + 2·unauthenticated + 1·writes + 1·sensitive + 1·url_input     (1 … 6)
    weakness = Σ weight(severity) over the findings that concern the operation
    risk     = exposure × weakness

* ``unauthenticated``: the operation needs no credentials (public on purpose or not);
* ``writes``: POST, PUT, PATCH or DELETE;
* ``sensitive``: a property or parameter it sends or returns is named like a secret or
  personal data (password, token, card number, SSN, email, phone, IBAN...);
* ``url_input``: it takes a URL-valued input (SSRF surface);
* weights: info 0, low 1, medium 3, high 6, critical 10.

A finding concerns an operation when it names it, when it sits on a schema,
parameter or security scheme the operation uses, or, for API-wide findings (servers,
no throttling), every operation. The API's risk is the mean of its
operations' risks (so a big API is not riskier merely for being big), reported
with the highest one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from apiward.audit.contract.contract import WRITES, Contract
from apiward.audit.contract.names import is_personal, url_named
from apiward.audit.contract.walk import Side
from apiward.core.findings import Finding, Severity
from apiward.spec import Operation
from apiward.spec.documents import unescape

WEIGHTS = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 3,
    Severity.HIGH: 6,
    Severity.CRITICAL: 10,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationRisk:
    """One operation's risk, with the parts it is computed from."""

    operation: str
    exposure: int
    weakness: int
    unauthenticated: bool
    writes: bool
    sensitive: bool
    url_input: bool
    findings: int

    @property
    def score(self) -> int:
        """``exposure × weakness``."""
        return self.exposure * self.weakness


def score(contract: Contract, findings: Iterable[Finding]) -> list[OperationRisk]:
    """Every operation's risk, highest first (ties by operation key)."""
    concern: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        for key in _concerned(contract, finding):
            concern[key].append(finding)
    risks = [_risk(contract, op, concern[op.key]) for op in contract.api.operations]
    return sorted(risks, key=lambda r: (-r.score, r.operation))


def api_risk(risks: list[OperationRisk]) -> float:
    """The mean operation risk, rounded to one decimal (0 for an API with no operations)."""
    return round(sum(r.score for r in risks) / len(risks), 1) if risks else 0.0


def _concerned(contract: Contract, finding: Finding) -> tuple[str, ...]:
    if finding.operation:
        return (finding.operation,)
    pointer = (finding.location.pointer if finding.location else None) or ""
    document = finding.location.source if finding.location else None
    users = contract.users(pointer, document) or contract.users(f"{pointer}/schema", document)
    if users:
        return users
    if pointer.startswith(contract.scheme_pointer("")):
        name = finding.key.split(":", 1)[0]
        return tuple(o.key for o in contract.api.operations if _uses(o, name))
    if pointer.startswith("/paths/") and document in (None, contract.source.name):
        path = unescape(pointer.split("/")[2])
        return tuple(o.key for o in contract.api.operations if o.path == path)
    return tuple(o.key for o in contract.api.operations)


def _uses(op: Operation, scheme: str) -> bool:
    return any(scheme in alternative for alternative in op.security)


def _risk(contract: Contract, op: Operation, findings: list[Finding]) -> OperationRisk:
    nodes = contract.nodes_of(op.key)
    sensitive = any(n.name and is_personal(n.name) for n in nodes)
    url_input = any(f.check == "contract.input.url-input" for f in findings) or any(
        n.side is Side.REQUEST and n.name and url_named(n.name) for n in nodes
    )
    unauthenticated = op.is_public
    writes = op.method in WRITES
    exposure = 1 + 2 * unauthenticated + writes + sensitive + url_input
    return OperationRisk(
        operation=op.key,
        exposure=exposure,
        weakness=sum(WEIGHTS[f.severity] for f in findings),
        unauthenticated=unauthenticated,
        writes=writes,
        sensitive=sensitive,
        url_input=url_input,
        findings=len(findings),
    )
