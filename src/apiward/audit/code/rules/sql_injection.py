"""SQL text built by formatting request data into it, then run.

Fires when an f-string, ``%``, ``.format()`` or ``+`` puts a value derived from a
function parameter into text that reads as SQL, and that text reaches ``execute`` (or
a project function that hands its argument on to ``execute``). Constants formatted into
SQL (table names, shared clauses) and bound parameters (``?``, ``:name``) do not fire.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from apiward.audit.code.astutil import (
    FunctionNode,
    calls,
    functions,
    last_name,
    parameters,
)
from apiward.audit.code.rule import CodeRule, Hit
from apiward.audit.code.source import Project
from apiward.audit.code.taint import reads, tainted_names
from apiward.core.findings import Severity

SQL = re.compile(
    r"\b(select\b.*\bfrom|insert\s+into|update\b.*\bset|delete\s+from|replace\s+into"
    r"|drop\s+table|alter\s+table|create\s+table)\b",
    re.IGNORECASE | re.DOTALL,
)
SINKS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "exec_driver_sql",
        "raw",
        "text",
        "read_sql",
        "read_sql_query",
        "mogrify",
        "fetch",
        "fetchrow",
        "fetchval",
    }
)


def formatted_sql(node: ast.AST, tainted: set[str]) -> set[str]:
    """The tainted names formatted into ``node`` when it builds SQL text; empty otherwise."""
    constant, variables = _parts(node, tainted)
    if not constant or not SQL.search(constant):
        return set()
    return variables


def _parts(node: ast.AST, tainted: set[str]) -> tuple[str, set[str]]:
    """The literal text of a formatting expression and the tainted names it formats in."""
    if isinstance(node, ast.JoinedStr):
        literal = "".join(_literal(v) for v in node.values)
        return literal, set().union(
            *(reads(v.value, tainted) for v in node.values if isinstance(v, ast.FormattedValue))
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _literal(node.left):
        return _literal(node.left), reads(node.right, tainted)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _parts(node.left, tainted), _parts(node.right, tainted)
        return left[0] + right[0], left[1] | right[1]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and _literal(node.func.value)
    ):
        formatted = [*node.args, *(kw.value for kw in node.keywords)]
        return _literal(node.func.value), set().union(*(reads(a, tainted) for a in formatted))
    return _literal(node), reads(node, tainted) if not isinstance(node, ast.Constant) else set()


def _literal(node: ast.AST) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def sinks(project: Project) -> frozenset[str]:
    """``execute`` and friends, plus project functions that pass an argument on to one."""
    known = set(SINKS)
    for _ in range(3):  # wrappers of wrappers, a few levels deep
        for source in project.files:
            known |= {f.name for f in functions(source.tree) if _passes_sql_on(f, known)}
    return frozenset(known)


def _passes_sql_on(function: FunctionNode, known: set[str]) -> bool:
    own = {arg.arg for arg in parameters(function)} - {"self", "cls"}
    return any(
        last_name(call.func) in known
        and call.args
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id in own
        for call in calls(function)
    )


def _hits(project: Project) -> Iterator[Hit]:
    known = sinks(project)
    for source in project.files:
        for function in functions(source.tree):
            for line, names in _in_function(function, known):
                yield Hit(
                    source=source,
                    line=line,
                    why=f"{', '.join(sorted(names))} (request data) is formatted into SQL",
                )


def _in_function(function: FunctionNode, known: frozenset[str]) -> Iterator[tuple[int, set[str]]]:
    tainted = tainted_names(function)
    built: dict[str, set[str]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and (names := formatted_sql(node.value, tainted)):
                built[target.id] = names
    for call in calls(function):
        if last_name(call.func) not in known or not call.args:
            continue
        first = call.args[0]
        names = built.get(first.id, set()) if isinstance(first, ast.Name) else set()
        if names := names or formatted_sql(first, tainted):
            yield first.lineno, names


RULE = CodeRule(
    id="sql-injection",
    title="SQL built from request data by string formatting",
    severity=Severity.HIGH,
    owasp=None,
    cwe="CWE-89",
    remediation=(
        "Pass values as bound parameters (`?`, `:name`, `%s` with a params tuple) and pick "
        "identifiers (columns, tables) from a fixed allow-list, never from the request."
    ),
    check=_hits,
)
