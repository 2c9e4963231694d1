"""``logout`` (API2): a credential that still works after its session was logged out.

Runs once per scan. The *logout* operations are those whose path or operationId says
``logout``, ``log-out``, ``signout``, ``sign-out`` or ``revoke`` for one session (the
"everywhere" kinds are destructive and never sent). The identity is the scan's own
(``scan.throwaway``: a user it signed up) when the API has a sign-up, so a logout that
ends every session of its user never ends a real user's; else the first identity that
logs in through a login operation. A **fresh** login gives a second credential of its
own, so the identity's working session is never the one logged out. Then:

1. control: a secured read (the identity's own legitimate ``GET`` without path
   parameters) with the fresh credential answers 2xx;
2. the logout operation, sent with the fresh credential, answers 2xx;
3. the same read with the same fresh credential — what a thief who copied it would
   send — still answers 2xx like the control.

That is a finding (medium, CWE-613): logging out does not end the session on the
server, so a stolen token or cookie outlives the user's logout. A 401/403 in step 3
means the server revoked it. So is a refresh token the fresh login handed out that, after
the logout, still gets a new access token from the contract's refresh
(``checks._refresh``: the Hono trial's access token expired, its refresh token lived on).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from apiward.core.errors import ConfigError
from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks import _refresh as refresh
from apiward.scan.checks._bearer import secured_gets
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.sessions import Credentials
from apiward.scan.transport import Reply
from apiward.spec import Operation, ParameterLocation


class LogoutNotRevoking:
    """Logging out leaves the credential valid."""

    id = "logout"
    title = "Logout does not revoke the session"
    owasp = "API2:2023"
    cwe = "CWE-613"
    safe = True  # logs out a session of its own making only
    remediation = (
        "On logout, invalidate the session or token on the server (delete the server-side "
        "session, or put the token's jti on a deny-list until it expires) and keep token "
        "lifetimes short; clearing the cookie in the browser is not enough."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Log a fresh session out and replay a read with its credential."""
        # A DELETE logout (`DELETE /api/session`, operationId signOut) is destructive for every
        # other check, yet it is this check's very probe: it goes on a session of its own.
        logouts = [
            op
            for op in ctx.api.operations
            if op.key in ctx.logouts and op.key not in ctx.out_of_scope
        ]
        made = await ctx.throwaway() if logouts else None
        identity = made or next((i for i in ctx.identities if i.login is not None), None)
        if not logouts or identity is None or identity.login is None:
            detail = "no logout operation" if not logouts else "no identity logs in"
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=detail)
            return
        read = await _own_read(ctx, identity)
        if read is None:
            yield Skip(reason=SkipReason.NO_ACCESS, detail="no secured read answers the identity")
            return
        try:
            fresh = await ctx.sessions.log_in(identity.login, name=f"{identity.name} (2nd login)")
        except ConfigError as error:
            yield Skip(reason=SkipReason.NO_ACCESS, detail=f"a second login failed: {error}")
            return
        for op in logouts:
            outcomes = await self._probe(ctx, op, read, fresh)
            for outcome in outcomes:
                yield outcome
            if outcomes:
                return

    async def _probe(
        self, ctx: Context, logout: Operation, read: Request, fresh: Credentials
    ) -> list[Outcome]:
        before = await ctx.send(fresh.apply(read), as_=None, note="control: fresh session")
        if not before.ok:
            return []
        request = refresh.own_tokens(ctx, logout, fresh, fresh.apply(ctx.request(logout)))
        out = await ctx.send(request, as_=None, note="logout")
        if not out.ok:
            return []
        found: list[Outcome] = []
        after = await ctx.send(fresh.apply(read), as_=None, note="the same credential, after")
        if after.ok and similarity(after.text, before.text) >= SAME:
            found.append(self._finding(ctx, logout, [before, out, after]))
        refreshed = await refresh.after_logout(ctx, fresh)
        if refreshed is not None:
            found.append(self._refreshed(ctx, logout, out, refreshed))
        return found

    def _refreshed(self, ctx: Context, logout: Operation, out: Reply, again: Reply) -> Outcome:
        return ctx.finding(
            self,
            logout,
            title=f"{logout.key} leaves the session's refresh token valid",
            severity=Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"A fresh session logged out with {logout.key} ({out.status}); its refresh token, "
                f"sent to {again.sent.method} {again.sent.path}, still got a new access token "
                f"({again.status}): whoever copied it keeps the account after the user logs out."
            ),
            evidence=[out, again],
            key="logout refresh",
        )

    def _finding(self, ctx: Context, logout: Operation, evidence: list[Reply]) -> Outcome:
        before, out, after = evidence
        return ctx.finding(
            self,
            logout,
            title=f"{logout.key} does not revoke the session it ends",
            severity=Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"A fresh session read {before.sent.method} {before.sent.path} ({before.status}), "
                f"logged out with {logout.key} ({out.status}), then read it again with the same "
                f"credential and got the same answer ({after.status}): a copied token or cookie "
                "keeps working after the user logs out."
            ),
            evidence=evidence,
            key="logout",
        )


async def _own_read(ctx: Context, identity: Identity) -> Request | None:
    """A GET without path parameters the identity reads and an anonymous client may not.

    Contract-secured reads first; then any read, as many APIs check credentials without
    declaring it, which the anonymous refusal then shows.
    """
    secured = await secured_gets(ctx)
    others = [op for op in ctx.probes if op.method == "GET" and op not in secured]
    for op in [*secured, *others]:
        if any(p.location is ParameterLocation.PATH for p in op.parameters):
            continue
        if not (await ctx.legit(op, identity)).ok:
            continue
        request = ctx.legit_request(op, identity)
        anonymous = await ctx.send(request, as_=None, note="the same read, anonymous")
        if anonymous.status in {401, 403}:
            return request
    return None
