"""``error_disclosure`` (API8): malformed input makes the API show its stack or debug output.

Each operation gets a few malformed requests (at most ``MAX_PROBES``), derived from the
legitimate one: a string where the contract says integer, an out-of-range huge number,
a value outside the enum or pattern, quote and brace characters, a broken JSON body and
a body with every field of the wrong type. The oracle is never a 500 by itself: it is a
*signature* of leaked internals in the answer (a Python or Java or .NET or Node or Go
or Ruby or PHP stack, an SQL error, a framework's debug page), absent from the
legitimate answer. Medium, confirmed: the leaked trace is in the evidence.

The probes start from the identity's legitimate request (``Context.legit_request``), so a
write the engine would withhold (another's object, a privilege field) gets no malformed
variant either — not even the broken JSON body no parser can apply. A lenient API may
apply the others (a huge number, a wrong type coerced), and every one of them is aimed
at an object that is not the scanner's. The operation is then skipped as ``withheld``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation, Parameter, ParameterLocation, json_types

MAX_PROBES = 6
HUGE = "9" * 40
ODD = "apiward'\"{{<%"
BROKEN_JSON = '{"apiward": [1, '
SIGNATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("Python stack frame", re.compile(r'File "[^"\n]+", line \d+')),
    (
        "Java exception",
        re.compile(r"Exception in thread \"|\bat (java|javax|com|org|sun|jdk)\.[\w$.]+\("),
    ),
    ("Java stack frame", re.compile(r"\bat [\w$.]+\([\w$]+\.(java|kt|scala):\d+\)")),
    (
        ".NET exception",
        re.compile(
            r"System\.[\w.]+Exception|--- End of (inner exception )?stack trace|Server Error in '/' Application"
        ),
    ),
    (".NET stack frame", re.compile(r"\bat [\w.`<>]+\(.*\) in .+:line \d+")),
    (
        "Node stack",
        re.compile(
            r"at Object\.<anonymous>|at Module\._compile|\(node:internal/[^)]+:\d+:\d+\)|at [\w.<>]+ \(/[^)]+\.[cm]?js:\d+:\d+\)"
        ),
    ),
    ("Go panic", re.compile(r"goroutine \d+ \[running\]|panic: runtime error")),
    ("Ruby stack", re.compile(r"\.rb:\d+:in `")),
    ("PHP error", re.compile(r"(PHP )?(Fatal|Parse) error:.+ on line \d+|Stack trace:\s*#0 ")),
    (
        "SQL error",
        re.compile(
            r"You have an error in your SQL syntax|SQLSTATE\[|\bORA-\d{5}\b|PG::\w+Error|"
            r"psycopg2?\.errors|sqlite3\.\w*Error|unterminated quoted string|"
            r"Unclosed quotation mark after the character string|SQLITE_ERROR|"
            r"syntax error at or near \"",
            re.IGNORECASE,
        ),
    ),
    (
        "debug page",
        re.compile(
            r"Werkzeug Debugger|You're seeing this error because you have <code>DEBUG = True|"
            r"Whoops! There was an error|Action Controller: Exception caught|xdebug-error"
        ),
    ),
)


class ErrorDisclosure:
    """Stack traces, SQL errors or debug pages in answers to malformed input."""

    id = "error_disclosure"
    title = "Malformed input makes the API leak a stack trace or debug output"
    owasp = "API8:2023"
    cwe = "CWE-209"
    safe = True
    remediation = (
        "Catch every exception at the edge and answer with a generic problem document "
        "(RFC 9457) carrying a correlation id; log the details server-side; never run with "
        "a framework's debug mode in production."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Send malformed variants of ``operation``'s request; look for leaked internals."""
        identity, base = await _base(ctx, operation)
        probes = list(_probes(operation, base))[:MAX_PROBES]
        if not probes:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no input to malform")
            return
        legit = await ctx.legit(operation, identity) if identity is not None else None
        for label, probe in probes:
            reply = await ctx.send(probe, as_=identity, note=f"malformed: {label}")
            leaked = signature(reply.text, legit.text if legit is not None else "")
            if leaked is not None:
                evidence = [legit, reply] if legit is not None else [reply]
                yield self._finding(ctx, operation, label, leaked, evidence)
                return

    def _finding(
        self, ctx: Context, operation: Operation, label: str, leaked: str, evidence: list[Reply]
    ) -> Outcome:
        return ctx.finding(
            self,
            operation,
            title=f"{operation.key} leaks a {leaked} on malformed input",
            severity=Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"A request with {label} got {evidence[-1].status} with a {leaked} in its "
                "body: internal paths, code and library versions for an attacker to use."
            ),
            evidence=evidence,
            key=label.split(" ", 1)[-1],
        )


def signature(text: str, legit: str = "") -> str | None:
    """The kind of leaked internals in ``text`` that ``legit`` does not show, or None."""
    for label, pattern in SIGNATURES:
        if pattern.search(text) and not pattern.search(legit):
            return label
    return None


async def _base(ctx: Context, operation: Operation) -> tuple[Identity | None, Request]:
    probers = await ctx.probers(operation)
    if operation.is_public or not probers:
        return None, ctx.request(operation)
    identity = probers[0]
    return identity, ctx.legit_request(operation, identity)


def _probes(operation: Operation, base: Request) -> Iterator[tuple[str, Request]]:
    """Malformed variants of ``base``: parameters first, then the body."""
    for parameter in operation.parameters:
        if parameter.location in (ParameterLocation.PATH, ParameterLocation.QUERY):
            where = Where(parameter.location.value)
            for value in _bad_values(parameter):
                yield f"{where} {parameter.name}", base.with_param(where, parameter.name, value)
    if base.body_kind is BodyKind.JSON:
        broken = dataclasses.replace(base, body=BROKEN_JSON, body_kind=BodyKind.RAW)
        yield (
            "a broken JSON body",
            broken.with_param(Where.HEADER, "Content-Type", "application/json"),
        )
        if isinstance(base.body, dict):
            wrong = {k: _wrong_type(v) for k, v in base.body.items()}
            yield "body fields of the wrong type", dataclasses.replace(base, body=wrong)


def _bad_values(parameter: Parameter) -> list[str]:
    if json_types(parameter.schema) & {"integer", "number"}:
        return ["apiward", HUGE]
    return [ODD]


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        return ODD
    if isinstance(value, str):
        return {"apiward": [HUGE]}
    return int(HUGE)
