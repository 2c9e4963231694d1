"""Which names in a function hold data that came in through its parameters.

Deliberately simple and flow-insensitive: a parameter is request data, and so is any
local assigned (or looped over) from an expression that reads a tainted name. Module
constants never are, which is what tells ``f"... {_COLUMNS}"`` from ``f"... {q}"``.

An allow-list is what the remediation asks for, so it is no flaw: a name checked against
a container that holds no request data, with an early exit (``if sort not in COLUMNS:
raise``/``return``/``abort(400)``, ``assert sort in COLUMNS``), is not data anywhere in the
function; a lookup in such a container (``COLUMNS[sort]``, ``COLUMNS.get(sort, "id")``)
carries the container's values, never the key (:func:`reads`).
"""

from __future__ import annotations

import ast

from apiward.audit.code.astutil import FunctionNode, last_name, names_in, parameters

_NOT_DATA = frozenset({"self", "cls"})


def tainted_names(function: FunctionNode) -> set[str]:
    """The parameters of ``function`` and every local derived from one of them."""
    own = {arg.arg for arg in parameters(function)} - _NOT_DATA
    vouched = _allow_listed(function, own)
    tainted = own - vouched
    flows = list(_flows(function))
    changed = True
    while changed:
        changed = False
        for targets, value in flows:
            if reads(value, tainted) and not (targets - vouched) <= tainted:
                tainted |= targets - vouched
                changed = True
    return tainted


def reads(node: ast.AST, tainted: set[str]) -> set[str]:
    """The tainted names whose data the value of ``node`` can carry."""
    if isinstance(node, ast.Name):
        return {node.id} & tainted
    if isinstance(node, ast.Subscript):
        return reads(node.value, tainted)  # the key picks a value, it is not one
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
    ):
        defaults = [*node.args[1:], *(k.value for k in node.keywords)]
        return reads(node.func.value, tainted).union(*(reads(d, tainted) for d in defaults))
    return set().union(*(reads(child, tainted) for child in ast.iter_child_nodes(node)))


def _allow_listed(function: FunctionNode, own: set[str]) -> set[str]:
    """Names checked against a container of no request data, leaving the function if absent."""
    vouched: set[str] = set()
    wanted: type[ast.cmpop]
    for node in ast.walk(function):
        if isinstance(node, ast.If) and _exits(node.body):
            test, wanted = node.test, ast.NotIn
        elif isinstance(node, ast.Assert):
            test, wanted = node.test, ast.In
        else:
            continue
        if (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and len(test.ops) == 1
            and isinstance(test.ops[0], wanted)
            and not names_in(test.comparators[0]) & own
        ):
            vouched.add(test.left.id)
    return vouched


def _exits(body: list[ast.stmt]) -> bool:
    last = body[-1] if body else None
    if isinstance(last, ast.Raise | ast.Return | ast.Continue | ast.Break):
        return True
    return (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and last_name(last.value.func) == "abort"  # Flask's abort(400) raises
    )


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
