"""``apiward audit contract``: a security review of an OpenAPI contract, with a risk score.

Rules live in one registry (:data:`~apiward.audit.contract.registry.RULES`), one module
per theme under ``rules/``; each yields findings located at the exact JSON pointer and
line. The risk formula is in :mod:`apiward.audit.contract.risk`::

    from apiward.audit.contract import audit_spec

    result = audit_spec("openapi.yaml")
    result.findings          # Findings, most severe first
    result.stats             # risk_api, risk_max, operations
    result.risks[:10]        # OperationRisk, highest first
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from apiward.audit.contract.contract import Contract, prepare
from apiward.audit.contract.registry import RULES
from apiward.audit.contract.risk import OperationRisk, api_risk, score
from apiward.audit.contract.rule import Rule
from apiward.core.findings import Finding, sorted_findings
from apiward.spec import Api, Source, load_source

__all__ = ["ContractAudit", "OperationRisk", "audit", "audit_spec"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractAudit:
    """What a contract audit found, what ran, and every operation's risk, highest first."""

    target: str
    findings: tuple[Finding, ...]
    risks: tuple[OperationRisk, ...]
    rules: tuple[str, ...]
    """Every rule that ran to the end."""
    failed: tuple[tuple[str, str], ...] = ()
    """Rules that crashed, with why: not checked, which is not clean."""
    stats: Mapping[str, int | float | str]
    warnings: tuple[str, ...] = ()
    """The loader's warnings (dangling refs...)."""


def audit_spec(
    spec: str | os.PathLike[str],
    *,
    allow_private: bool = False,
    remote_refs: bool = True,
) -> ContractAudit:
    """Load ``spec`` (file, folder or URL) and audit it; SpecError when it cannot be read."""
    api, source = load_source(spec, allow_private=allow_private, remote_refs=remote_refs)
    return audit(api, source)


def audit(api: Api, source: Source, *, rules: Iterable[Rule] = RULES) -> ContractAudit:
    """Run ``rules`` over a loaded contract; a rule that crashes is reported as failed."""
    contract = prepare(api, source)
    findings: list[Finding] = []
    ran: list[str] = []
    failed: list[tuple[str, str]] = []
    for rule in rules:
        try:
            findings.extend(rule.run(contract))
        except Exception as error:  # noqa: BLE001 - a broken rule must not pass for a clean one
            failed.append((rule.id, f"rule failed: {type(error).__name__}: {error}"))
        else:
            ran.append(rule.id)
    risks = tuple(score(contract, findings))
    return ContractAudit(
        target=source.name,
        findings=tuple(sorted_findings(findings)),
        risks=risks,
        rules=tuple(ran),
        failed=tuple(failed),
        stats=_stats(contract, risks),
        warnings=api.warnings,
    )


def _stats(contract: Contract, risks: tuple[OperationRisk, ...]) -> dict[str, int | float | str]:
    return {
        "operations": len(contract.api.operations),
        "schema_nodes": len(contract.nodes),
        "risk_api": api_risk(list(risks)),
        "risk_max": risks[0].score if risks else 0,
    }
