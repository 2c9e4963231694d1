"""Debug mode left on: tracebacks, debuggers and settings served to whoever asks.

Supersedes bandit's B201 (Flask ``app.run(debug=True)`` only).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apiward.audit.code.astutil import calls, dotted, is_constant, keyword, last_name, text
from apiward.audit.code.rule import CodeRule, Hit
from apiward.audit.code.source import Project, SourceFile
from apiward.core.findings import Severity

APPS = frozenset({"FastAPI", "Starlette", "Flask", "Quart", "Sanic", "run", "run_simple"})


def _hits(project: Project) -> Iterator[Hit]:
    for source in project.files:
        for call in calls(source.tree):
            if last_name(call.func) in APPS and is_constant(keyword(call, "debug"), True):
                yield Hit(source=source, line=call.lineno, why=f"{dotted(call.func)}(debug=True)")
        yield from _assignments(source)


def _assignments(source: SourceFile) -> Iterator[Hit]:
    """``DEBUG = True`` (settings), ``app.debug = True``, ``app.config["DEBUG"] = True``."""
    for node in ast.walk(source.tree):
        if not isinstance(node, ast.Assign) or not is_constant(node.value, True):
            continue
        for target in node.targets:
            if _debug_target(target):
                yield Hit(source=source, line=node.lineno, why="debug switched on")


def _debug_target(target: ast.AST) -> bool:
    if isinstance(target, ast.Name):
        return target.id == "DEBUG"
    if isinstance(target, ast.Attribute):
        return target.attr == "debug"
    if isinstance(target, ast.Subscript):
        return text(target.slice) == "DEBUG"
    return False


RULE = CodeRule(
    id="debug-mode",
    title="Debug mode on",
    severity=Severity.MEDIUM,
    owasp="API8:2023",
    cwe="CWE-215",
    remediation=(
        "Turn debug off in anything deployed: read it from the environment with a false "
        "default (`debug=os.environ.get('APP_DEBUG') == '1'`)."
    ),
    check=_hits,
)
