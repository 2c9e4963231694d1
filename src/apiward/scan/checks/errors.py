"""``error_disclosure`` (API8): malformed input makes the API show its stack or debug output.

Each operation gets a few malformed requests (at most ``MAX_PROBES``), derived from the
legitimate one: a string where the contract says integer, an out-of-range huge number,
a value outside the enum or pattern, quote and brace characters, a broken JSON body and
a body with every field of the wrong type. The oracle is never a 500 by itself: it is a
*signature* of leaked internals in the answer (a Python, Java, .NET, Node, Go, Ruby, PHP
or Perl stack or runtime error naming a file and line, an SQL error, a framework's debug
page: :mod:`._traces`), absent from the legitimate answer and from what the probe sent.
Whatever the status: a PHP warning printed before a 200's JSON is the same leak.
Medium, confirmed: the leaked trace is in the evidence.

The probes start from the identity's legitimate request (``Context.legit_request``), so a
write the engine would withhold (another's object, a privilege field) gets no malformed
variant either — not even the broken JSON body no parser can apply. A lenient API may
apply the others (a huge number, a wrong type coerced), and every one of them is aimed
at an object that is not the scanner's. The operation is then skipped as ``withheld``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._traces import signature
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation, Parameter, ParameterLocation, json_types

MAX_PROBES = 6
HUGE = "9" * 40
ODD = "apiward'\"{{<%"
BROKEN_JSON = '{"apiward": [1, '


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
            sent = (reply.exchange.request.url, reply.exchange.request.body)
            leaked = signature(reply.text, legit.text if legit is not None else "", sent)
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
