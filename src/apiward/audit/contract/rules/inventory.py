"""Inventory: what a contract says about its own lifecycle and documentation."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from apiward.audit.contract.contract import Contract
from apiward.audit.contract.rule import Hit, Rule
from apiward.core.findings import Severity
from apiward.spec.documents import escape

API9 = "API9:2023"
_VERSION = re.compile(r"^v(\d+)(?:[._]\d+)*(?:beta\d*|alpha\d*)?$", re.IGNORECASE)


def deprecated_operation(contract: Contract) -> Iterator[Hit]:
    """An operation marked ``deprecated``: old code still deployed, a zombie in waiting.

    Not flagged: deprecated parameters or properties (the operation itself lives on).
    """
    for op in contract.api.operations:
        if op.deprecated:
            yield Hit(
                pointer=f"{op.pointer}/deprecated",
                document=op.document or None,
                detail=f"{op.key} is deprecated; check whether it still receives traffic",
                key="",
                operation=op.key,
            )


def several_versions(contract: Contract) -> Iterator[Hit]:
    """Paths carrying more than one API version (``/v1/...`` and ``/v2/...``).

    Older versions tend to lack the newer one's fixes. One finding, at the first
    path of the oldest version. Not flagged: a single version, versions only in the
    server URL, date-like segments, versions of operations served from different
    servers (DigitalOcean's ``/v1`` inference API next to its ``/v2`` API is another
    service, not an old version).
    """
    by_server: dict[tuple[str, ...], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for op in contract.api.operations:
        servers = tuple(server.url for server in op.servers or contract.api.servers)
        for segment in op.path.split("/"):
            if _VERSION.match(segment):
                by_server[servers][segment.lower()].append(op.path)
                break
    for by_version in by_server.values():
        yield from _versions_hit(by_version)


def _versions_hit(by_version: dict[str, list[str]]) -> Iterator[Hit]:
    if len(by_version) < 2:
        return
    ordered = sorted(by_version, key=_version_key)
    oldest = sorted(by_version[ordered[0]])[0]
    counts = ", ".join(f"{v} ({len(set(by_version[v]))} paths)" for v in ordered)
    yield Hit(
        pointer=f"/paths/{escape(oldest)}",
        detail=f"paths carry {len(ordered)} versions: {counts}",
        key=",".join(ordered),
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version))


def missing_operation_id(contract: Contract) -> Iterator[Hit]:
    """An operation with no ``operationId``: tools, policies and logs cannot name it stably.

    Not flagged: duplicate operationIds (the loader keeps the last one).
    """
    for op in contract.api.operations:
        if not op.operation_id:
            yield Hit(
                pointer=op.pointer,
                document=op.document or None,
                detail=f"{op.key} has no operationId",
                key="",
                operation=op.key,
            )


def missing_description(contract: Contract) -> Iterator[Hit]:
    """An operation with neither a summary nor a description.

    Not flagged: undocumented parameters and schemas (too many to be useful).
    """
    for op in contract.api.operations:
        if not op.summary.strip() and not op.description.strip():
            yield Hit(
                pointer=op.pointer,
                document=op.document or None,
                detail=f"{op.key} has no summary or description",
                key="",
                operation=op.key,
            )


RULES = (
    Rule(
        id="contract.inventory.deprecated-operation",
        title="Deprecated operation",
        severity=Severity.LOW,
        owasp=API9,
        cwe="CWE-477",
        remediation="Set a removal date, watch its traffic, and remove it from the deployment when unused.",
        check=deprecated_operation,
    ),
    Rule(
        id="contract.inventory.several-versions",
        title="Several API versions in paths",
        severity=Severity.LOW,
        owasp=API9,
        cwe=None,
        remediation="Retire old versions, or give them the same controls as the newest one.",
        check=several_versions,
    ),
    Rule(
        id="contract.inventory.missing-operation-id",
        title="Operation without operationId",
        severity=Severity.INFO,
        owasp=API9,
        cwe="CWE-1059",
        remediation="Give every operation a unique operationId.",
        check=missing_operation_id,
    ),
    Rule(
        id="contract.inventory.missing-description",
        title="Operation without description",
        severity=Severity.INFO,
        owasp=API9,
        cwe="CWE-1059",
        remediation="Describe what each operation does and who may call it.",
        check=missing_description,
    ),
)
