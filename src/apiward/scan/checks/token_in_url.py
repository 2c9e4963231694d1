"""``token_in_url`` (API2): secured operations that take the caller's token in the query string.

Tokens in URLs end up in access logs, proxies, browser history and ``Referer`` headers.
For one identity's token, the legitimate request of each secured GET whose answer is
the caller's own (at most ``MAX_OPERATIONS``, the most representative first) is sent
*without* its credential header or cookie and with the real token in a query
parameter (``NAMES``). A hit needs two things: the answer is the legitimate one (2xx,
same data), and the same parameter with a garbage value is refused — else the
operation simply answers anonymously, which is ``auth_bypass``'s finding. An operation
that answers the legitimate request stripped of every credential (asked once, shared
with ``auth_bypass``) is not tried at all: no token is needed there. Names the
contract itself declares for the operation (query parameters, ``apiKey`` schemes in
the query) are left to the contract audit, and a skip says so when that leaves none. A name that worked on an earlier operation
is tried first; the others go under every name at once, and one by one only when that
was accepted: on an API that takes no token in its URLs, one request per operation.
One finding per parameter name, on the first operation it worked on, listing the others.
A token renewed since the check read it (a refresh) is read again; one the target renews
with every answer (a session cookie re-signed on each response, as Mojolicious and Flask
sessions that count requests do) cannot be moved alone: the check skips as inconclusive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._anonymous import without_credentials
from apiward.scan.checks._bearer import (
    accepted,
    alone,
    carries,
    carrying,
    secured_gets,
    strip,
    subject,
    token_of,
)
from apiward.scan.context import Context
from apiward.scan.diff import SAME, meaningful, similarity
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation, ParameterLocation

NAMES = ("access_token", "token", "jwt", "api_key", "auth", "api_token", "auth_token")
MAX_OPERATIONS = 8
GARBAGE = "apiward-invalid-token"


class TokenInUrl:
    """The caller's token accepted as a query parameter."""

    id = "token_in_url"
    title = "Credential accepted in the URL"
    owasp = "API2:2023"
    cwe = "CWE-598"
    safe = True
    remediation = (
        "Accept credentials only in the Authorization header (or a Secure, HttpOnly "
        "cookie); refuse requests that carry them in the query string, and scrub query "
        "strings from logs."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Try each name on each representative secured GET; one finding per name."""
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        found = await _operations(ctx)
        if found is None:
            yield Skip(reason=SkipReason.NO_ACCESS, detail="no secured GET answers an identity")
            return
        identity, token, answered = found
        operations = _without_query_keys(ctx, answered)
        if not operations:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=_declared(ctx, identity))
            return
        hits: dict[str, list[tuple[Operation, list[Reply]]]] = {}
        for op in operations:
            token = token_of(ctx, identity) or token  # renewed since (a refresh): the new one
            legit = await carrying(ctx, op, identity, token)
            bare = alone(ctx, identity, legit.sent, token)
            if not carries(bare, token):
                yield Skip(reason=SkipReason.INCONCLUSIVE, detail=_renewed(identity))
                break
            if await _open(ctx, op, identity, legit):
                continue
            bare = strip(bare, token)
            known = [n for n in _names(op) if n in hits]  # what worked elsewhere goes first
            rest = [n for n in _names(op) if n not in hits]
            hit = await _first(ctx, legit, bare, token, known)
            if hit is None and await _screen(ctx, legit, bare, token, rest):
                hit = await _first(ctx, legit, bare, token, rest)
            if hit is not None:
                hits.setdefault(hit[0], []).append((op, hit[1]))
        for name, where in hits.items():
            yield self._finding(ctx, name, where, identity, len(operations))

    def _finding(
        self,
        ctx: Context,
        name: str,
        where: list[tuple[Operation, list[Reply]]],
        identity: Identity,
        tested: int,
    ) -> Outcome:
        op, evidence = where[0]
        others = ", ".join(o.key for o, _ in where[1:]) or "none"
        return ctx.finding(
            self,
            op,
            title=f"{op.key} accepts the token in the query parameter {name!r}",
            severity=Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"Without any Authorization header or cookie, {identity.name}'s token in "
                f"?{name}= got {identity.name}'s own answer, while a garbage value there was "
                f"refused: tokens in URLs leak through logs and Referer headers. Also on "
                f"(of {tested} secured GETs tried): {others}."
            ),
            evidence=evidence,
            key=name,
        )


def _names(op: Operation) -> list[str]:
    """The query names to try: those the contract does not declare for ``op``."""
    declared = {p.name.lower() for p in op.parameters if p.location is ParameterLocation.QUERY}
    return [n for n in NAMES if n not in declared]


async def _operations(ctx: Context) -> tuple[Identity, str, list[Operation]] | None:
    """The first identity with a token, and the secured GETs that answer it, best first.

    Identities with a fixed credential of the file first: a session cookie the target signs
    anew with every answer cannot be moved into the URL (the Sinatra trial's admin), while
    carol's ``Authorization: Token`` could have been."""
    for identity in sorted(ctx.identities, key=lambda i: not i.headers):
        token = token_of(ctx, identity)
        if not token:
            continue
        best = await subject(ctx, identity, token)
        if best is None:
            continue
        rest = [op for op in await secured_gets(ctx) if op.key != best.operation.key]
        answered = [best.operation]
        for op in rest:
            legit = await carrying(ctx, op, identity, token)
            if legit.ok and meaningful(legit.text) and len(answered) < MAX_OPERATIONS:
                answered.append(op)
        return identity, token, answered
    return None


def _query_keys(ctx: Context) -> dict[str, str]:
    """The contract's apiKey schemes sent in the query: scheme name → parameter name."""
    return {
        name: scheme.parameter_name or ""
        for name, scheme in ctx.api.security_schemes.items()
        if scheme.type == "apiKey" and scheme.location is ParameterLocation.QUERY
    }


def _without_query_keys(ctx: Context, operations: list[Operation]) -> list[Operation]:
    """Operations the contract lets take an apiKey in the query are the audit's business."""
    in_query = set(_query_keys(ctx))
    return [op for op in operations if not any(set(alt) & in_query for alt in op.security)]


def _declared(ctx: Context, identity: Identity) -> str:
    schemes = ", ".join(f"{s!r} (?{p}=)" for s, p in _query_keys(ctx).items())
    return (
        f"every secured GET that answers {identity.name} takes a key in the query string by "
        f"contract ({schemes}): `apiward audit` reports that as "
        "contract.authentication.api-key-in-query"
    )


def _renewed(identity: Identity) -> str:
    return (
        f"{identity.name}'s credential changed between two answers (the target renews it "
        "with each one, as a session cookie re-signed on every response): there is no "
        "token to move into the URL"
    )


async def _open(ctx: Context, op: Operation, identity: Identity, legit: Reply) -> bool:
    """Whether ``op`` answers ``identity``'s legitimate request without any credential."""
    return await accepted(ctx, legit, await without_credentials(ctx, op, identity, legit))


async def _first(
    ctx: Context, legit: Reply, bare: Request, token: str, names: list[str]
) -> tuple[str, list[Reply]] | None:
    """The first of ``names`` that carries the token to ``bare``'s operation, with its evidence."""
    for name in names:
        evidence = await _probe(ctx, legit, bare, token, name)
        if evidence is not None:
            return name, evidence
    return None


async def _screen(ctx: Context, legit: Reply, bare: Request, token: str, names: list[str]) -> bool:
    """Whether the token under every one of ``names`` at once is accepted (one request).

    An API reads the names it knows and ignores the others: refused under all of them,
    the token is refused under each. A single name needs no screen.
    """
    if len(names) < 2:
        return bool(names)
    for name in names:
        bare = bare.with_param(Where.QUERY, name, token)
    reply = await ctx.send(bare, as_=None, note=f"token in ?{'=, ?'.join(names)}=")
    return await accepted(ctx, legit, reply)


async def _probe(
    ctx: Context, legit: Reply, bare: Request, token: str, name: str
) -> list[Reply] | None:
    """The legit reply, the token-in-query reply and the refused garbage reply, on a hit.

    ``bare`` is the legitimate request stripped of every credential.
    """
    reply = await ctx.send(
        bare.with_param(Where.QUERY, name, token), as_=None, note=f"token in ?{name}="
    )
    if not await accepted(ctx, legit, reply):
        return None
    garbage = await ctx.send(
        bare.with_param(Where.QUERY, name, GARBAGE), as_=None, note=f"garbage in ?{name}="
    )
    # Pages echo their own query string (DRF's "next" link): compare with the echo undone.
    echoed = garbage.text.replace(GARBAGE, token)
    if garbage.ok and max(similarity(echoed, legit.text), similarity(echoed, reply.text)) >= SAME:
        return None
    return [legit, garbage, reply]
