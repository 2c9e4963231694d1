"""JWTs accepted without checking them: signature off, ``none`` allowed, expiry ignored.

Library calls (PyJWT, python-jose: ``jwt.decode(..., options={"verify_signature": False})``,
``algorithms=["none"]``, ``verify=False``) and hand-rolled checks that *accept* a token
whose header says ``alg: none`` (an ``if`` comparing the alg to ``"none"`` that does not raise).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apiward.audit.code.astutil import calls, is_constant, keyword, last_name, strings, text
from apiward.audit.code.rule import CodeRule, Hit
from apiward.audit.code.source import Project, SourceFile
from apiward.core.findings import Severity

OFF_OPTIONS = {"verify_signature": "signature", "verify_exp": "expiry", "verify_aud": "audience"}


def _hits(project: Project) -> Iterator[Hit]:
    for source in project.files:
        for call in calls(source.tree):
            if last_name(call.func) == "decode" and "jwt" in ast.unparse(call.func).lower():
                yield from _decode_call(source, call)
        yield from _hand_rolled(source)


def _decode_call(source: SourceFile, call: ast.Call) -> Iterator[Hit]:
    if any(s.lower() == "none" for s in strings(keyword(call, "algorithms"))):
        yield Hit(source=source, line=call.lineno, why='"none" is an accepted algorithm')
    if is_constant(keyword(call, "verify"), False):
        yield Hit(source=source, line=call.lineno, why="verify=False")
    options = keyword(call, "options")
    if isinstance(options, ast.Dict):
        for key, value in zip(options.keys, options.values, strict=True):
            what = OFF_OPTIONS.get(text(key) or "")
            if what and is_constant(value, False):
                yield Hit(source=source, line=call.lineno, why=f"{what} verification off")


def _hand_rolled(source: SourceFile) -> Iterator[Hit]:
    for node in ast.walk(source.tree):
        if isinstance(node, ast.If) and _accepts_none(node):
            yield Hit(source=source, line=node.lineno, why='a token with alg "none" is accepted')


def _accepts_none(branch: ast.If) -> bool:
    """``if <...alg...> == "none":`` whose body does not refuse the token."""
    test = branch.test
    if not isinstance(test, ast.Compare) or not isinstance(test.ops[0], ast.Eq | ast.In):
        return False
    sides = [test.left, *test.comparators]
    says_none = any(s.lower() == "none" for side in sides for s in strings(side))
    about_alg = "alg" in ast.unparse(test).lower()
    refuses = any(isinstance(n, ast.Raise) for stmt in branch.body for n in ast.walk(stmt))
    return says_none and about_alg and not refuses


RULE = CodeRule(
    id="jwt-unverified",
    title="JWT accepted without verification",
    severity=Severity.CRITICAL,
    owasp="API2:2023",
    cwe="CWE-347",
    remediation=(
        "Verify every token with a vetted library (joserfc, PyJWT) and an explicit algorithm "
        "allow-list such as `algorithms=['RS256']`; never accept `none`, never switch off "
        "signature or expiry checks."
    ),
    check=_hits,
)
