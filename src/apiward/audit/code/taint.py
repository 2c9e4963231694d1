"""Which names in a function hold data that came in through its parameters.

Deliberately simple and flow-insensitive: a parameter is request data, and so is any
local assigned (or looped over) from an expression that reads a tainted name. Module
constants never are, which is what tells ``f"... {_COLUMNS}"`` from ``f"... {q}"``.
"""

from __future__ import annotations

import ast

from apiward.audit.code.astutil import FunctionNode, names_in, parameters

_NOT_DATA = frozenset({"self", "cls"})


def tainted_names(function: FunctionNode) -> set[str]:
    """The parameters of ``function`` and every local derived from one of them."""
    tainted = {arg.arg for arg in parameters(function)} - _NOT_DATA
    flows = list(_flows(function))
    changed = True
    while changed:
        changed = False
        for targets, value in flows:
            if names_in(value) & tainted and not targets <= tainted:
                tainted |= targets
                changed = True
    return tainted


def _flows(function: FunctionNode) -> list[tuple[set[str], ast.AST]]:
    """``(assigned names, source expression)`` for every binding in the function body."""
    flows: list[tuple[set[str], ast.AST]] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            flows.append((set().union(*(_targets(t) for t in node.targets)), node.value))
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and node.value is not None:
            flows.append((_targets(node.target), node.value))
        elif isinstance(node, ast.For | ast.AsyncFor):
            flows.append((_targets(node.target), node.iter))
        elif isinstance(node, ast.NamedExpr):
            flows.append((_targets(node.target), node.value))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            flows.append((_targets(node.optional_vars), node.context_expr))
    return flows


def _targets(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
