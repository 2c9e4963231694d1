"""Schema-node helpers shared by the input and output rules."""

from __future__ import annotations

from collections.abc import Iterator

from apiward.audit.contract.contract import Contract
from apiward.audit.contract.rule import Hit, used_by
from apiward.audit.contract.walk import SchemaNode, Side, Where
from apiward.core.findings import Severity

BOUNDED_INPUT = frozenset({Where.BODY, Where.QUERY})


def request_nodes(contract: Contract, wheres: frozenset[Where]) -> Iterator[SchemaNode]:
    """Request-side schema nodes travelling in ``wheres``, without ``readOnly`` ones.

    A ``readOnly`` property is never sent by clients, so input rules ignore it.
    """
    for node in contract.nodes:
        if (
            node.side is Side.REQUEST
            and node.where in wheres
            and node.schema.get("readOnly") is not True
        ):
            yield node


def node_hit(
    contract: Contract, node: SchemaNode, what: str, severity: Severity | None = None
) -> Hit:
    """A hit at a schema node, naming it and the operations that use it."""
    label = f"{node.name!r}: " if node.name else ""
    single = node.operations[0] if len(node.operations) == 1 else None
    inline = single is not None and _inside_operation(contract, single, node)
    return Hit(
        pointer=node.pointer,
        document=node.document,
        detail=f"{label}{what}; {used_by(node.operations)}",
        key=f"{node.side.value}:{node.pointer}",
        operation=single if inline else None,
        severity=severity,
    )


def _inside_operation(contract: Contract, key: str, node: SchemaNode) -> bool:
    method, path = key.split(" ", 1)
    op = contract.api.operation(method, path)
    if op is None or (op.document or contract.source.name) != node.document:
        return False
    return node.pointer.startswith(op.pointer + "/")
