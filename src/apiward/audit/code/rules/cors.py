"""CORS that lets any site make credentialed calls to the API.

``CORSMiddleware(allow_origins=["*"] or allow_origin_regex=".*", allow_credentials=True)``
(Starlette makes that reflect the caller's origin), Flask-CORS
``CORS(app, supports_credentials=True)`` with its ``*`` default, and hand-written
middleware that copies the request's origin into ``Access-Control-Allow-Origin`` next to
``Access-Control-Allow-Credentials: true`` without comparing it to an allow-list.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apiward.audit.code.astutil import (
    FunctionNode,
    calls,
    functions,
    is_constant,
    keyword,
    last_name,
    names_in,
    parameters,
    strings,
    text,
)
from apiward.audit.code.rule import CodeRule, Hit
from apiward.audit.code.source import Project, SourceFile
from apiward.core.findings import Severity

ANY_ORIGIN = frozenset({"*", ".*", "^.*$", ".+", "^.+$"})
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"


def _hits(project: Project) -> Iterator[Hit]:
    for source in project.files:
        for call in calls(source.tree):
            if _open_with_credentials(call):
                yield Hit(source=source, line=call.lineno, why="any origin, with credentials")
        yield from _reflecting(source)


def _open_with_credentials(call: ast.Call) -> bool:
    name = last_name(call.func)
    args = [*call.args, *(kw.value for kw in call.keywords)]
    if name == "add_middleware" and not any(last_name(a) == "CORSMiddleware" for a in args):
        return False
    if name in {"add_middleware", "CORSMiddleware", "Middleware"}:
        origins = strings(keyword(call, "allow_origins")) + strings(
            keyword(call, "allow_origin_regex")
        )
        return is_constant(keyword(call, "allow_credentials"), True) and bool(
            ANY_ORIGIN & set(origins)
        )
    if name == "CORS":
        given = keyword(call, "origins") or keyword(call, "resources")
        wide = given is None or bool(ANY_ORIGIN & set(strings(given)))
        return wide and is_constant(keyword(call, "supports_credentials"), True)
    return False


def _reflecting(source: SourceFile) -> Iterator[Hit]:
    """Functions that set allow-origin from a variable and allow credentials, unchecked."""
    for function in functions(source.tree):
        literals = {(text(n) or "").lower() for n in ast.walk(function)}
        if ALLOW_CREDENTIALS not in literals:
            continue
        for value, line in _allow_origin_values(function):
            if not isinstance(value, ast.Constant) and not _checked(source, function, value):
                yield Hit(source=source, line=line, why="the request's origin is reflected")


def _checked(source: SourceFile, function: FunctionNode, value: ast.AST) -> bool:
    """Whether the origin is compared with something (an allow-list) before it is echoed:
    in this function, or, for a helper taking it as a parameter, at every call in the file."""
    names = names_in(value)
    if _compares(function, names):
        return True
    params = [a.arg for a in parameters(function)]
    position = next((params.index(n) for n in names if n in params), None)
    if position is None:
        return False
    callers = [
        (outer, call)
        for outer in functions(source.tree)
        for call in calls(outer)
        if last_name(call.func) == function.name
    ]
    offset = 1 if params and params[0] in {"self", "cls"} else 0
    return bool(callers) and all(
        len(call.args) > position - offset
        and _compares(outer, names_in(call.args[position - offset]))
        for outer, call in callers
    )


def _compares(function: ast.AST, names: set[str]) -> bool:
    return any(
        isinstance(node, ast.Compare)
        and isinstance(node.ops[0], ast.In | ast.NotIn | ast.Eq | ast.NotEq)
        and names & names_in(node)
        for node in ast.walk(function)
    )


def _allow_origin_values(function: ast.AST) -> Iterator[tuple[ast.AST, int]]:
    """Values paired with the allow-origin header: in tuples, dicts and item assignments."""
    for node in ast.walk(function):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2 and _is_allow_origin(node.elts[0]):
            yield node.elts[1], node.lineno
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is not None and _is_allow_origin(key):
                    yield value, node.lineno
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Subscript)
            and _is_allow_origin(node.targets[0].slice)
        ):
            yield node.value, node.lineno


def _is_allow_origin(node: ast.AST) -> bool:
    return (text(node) or "").lower() == ALLOW_ORIGIN


RULE = CodeRule(
    id="cors-any-origin-with-credentials",
    title="CORS lets any origin send credentialed requests",
    severity=Severity.HIGH,
    owasp="API8:2023",
    cwe="CWE-942",
    remediation=(
        "List the exact origins that may call the API (`allow_origins=['https://app.example']`) "
        "or drop `allow_credentials`; never echo the Origin header back unchecked."
    ),
    check=_hits,
)
