"""``cors`` (API8): any origin may read secured answers with the caller's credentials.

An identity's legitimate read of a secured operation is sent again with an ``Origin``
header naming a site the API cannot know (``https://evil.example`` — only a header
value: no traffic goes there), then with ``Origin: null`` (sandboxed frames, ``file:``
pages). It is a finding when the answer allows exactly that origin *and* says
``Access-Control-Allow-Credentials: true``: a page on that origin reads the answer with
the visitor's ambient credentials. ``*`` is not a finding (browsers refuse it with
credentials), nor is an allowed origin without credentials.

Severity: high when the API authenticates by cookie (the browser attaches it on its
own: the read is shown), medium otherwise (exploitable as soon as any ambient
credential — a cookie, HTTP auth, a client certificate — is accepted).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import READS, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation, ParameterLocation

ORIGINS = ("https://evil.example", "null")


class Cors:
    """Arbitrary origins allowed to read secured answers with credentials."""

    id = "cors"
    title = "CORS lets any origin read answers with credentials"
    owasp = "API8:2023"
    cwe = "CWE-942"
    safe = True
    remediation = (
        "Allow only a fixed list of trusted origins (compare the Origin header with it, "
        "never echo it), never allow 'null', and send Access-Control-Allow-Credentials "
        "only for those origins."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Send ``operation``'s legitimate read with foreign origins."""
        if operation.is_public or operation.method not in READS:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="only secured reads")
            return
        found = await _access(ctx, operation)
        if found is None:
            yield Skip(reason=SkipReason.NO_ACCESS if ctx.identities else SkipReason.NO_IDENTITIES)
            return
        identity, legit = found
        for origin in ORIGINS:
            probe = ctx.legit_request(operation, identity).with_param(
                Where.HEADER, "Origin", origin
            )
            reply = await ctx.send(probe, as_=identity, note=f"Origin: {origin}")
            if _allows(reply, origin):
                yield self._finding(ctx, operation, identity, origin, [legit, reply])
                return

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        identity: Identity,
        origin: str,
        evidence: list[Reply],
    ) -> Outcome:
        cookie = _cookie_auth(ctx, operation, identity)
        return ctx.finding(
            self,
            operation,
            title=f"{operation.key} lets origin {origin} read it with credentials",
            severity=Severity.HIGH if cookie else Severity.MEDIUM,
            confidence=Confidence.CONFIRMED if cookie else Confidence.FIRM,
            detail=(
                f"With Origin: {origin} the answer to {identity.name}'s request says "
                f"Access-Control-Allow-Origin: {origin} and Access-Control-Allow-Credentials: "
                "true, so a page on that origin can read it with the visitor's credentials"
                + (
                    " (the API authenticates by cookie, which the browser sends by itself)."
                    if cookie
                    else " (ambient ones: cookies, HTTP auth, client certificates)."
                )
            ),
            evidence=evidence,
            key="Origin",
        )


async def _access(ctx: Context, operation: Operation) -> tuple[Identity, Reply] | None:
    for identity in ctx.identities:
        reply = await ctx.legit(operation, identity)
        if reply.ok:
            return identity, reply
    return None


def _allows(reply: Reply, origin: str) -> bool:
    allowed = (reply.header("access-control-allow-origin") or "").strip()
    credentials = (reply.header("access-control-allow-credentials") or "").strip().lower()
    return allowed == origin and credentials == "true"


def _cookie_auth(ctx: Context, operation: Operation, identity: Identity) -> bool:
    """True when the identity's credential or the operation's security is a cookie."""
    if ctx.sessions.credentials(identity).cookies:
        return True
    schemes = {name for requirement in operation.security for name in requirement}
    return any(
        ctx.api.security_schemes[name].location is ParameterLocation.COOKIE
        for name in schemes
        if name in ctx.api.security_schemes
    )
