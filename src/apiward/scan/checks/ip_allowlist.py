"""``ip_allowlist`` (API5): an address allow-list that believes a client-sent forwarding header.

Operations that some APIs open only to an internal network (``/admin``, ``/internal``,
metrics) refuse the scanner with **403** (forbidden, not "who are you?"). For each read
refused that way — anonymously or to an identity — the same request goes out again
claiming an internal address in every header proxies use to pass the client's address
(``X-Forwarded-For``, ``X-Real-IP``, ``X-Client-IP``, ``X-Originating-IP``,
``True-Client-IP``, ``Forwarded``), for a few typical internal addresses. When one of
them gets a 2xx, a **control** claims a public documentation address (203.0.113.7, TEST-NET-3)
in the same headers: the finding needs the control refused like the plain request, so the
*value* of the header decides, not its presence. The header that does it is then named
by sending them one at a time.

Only header values change: nothing is sent anywhere but the target. Reads only (GET):
an allow-listed write may do anything. High, confirmed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._anonymous import without_credentials
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation

HEADERS = (
    "X-Forwarded-For",
    "X-Real-IP",
    "X-Client-IP",
    "X-Originating-IP",
    "True-Client-IP",
    "Forwarded",
)
INTERNAL = ("127.0.0.1", "10.0.0.1", "192.168.1.1", "172.16.0.1")
PUBLIC = "203.0.113.7"
"""TEST-NET-3: documentation only, never anyone's real address, so never on an allow-list."""


class IpAllowList:
    """A 403 lifted by claiming an internal address in a forwarding header."""

    id = "ip_allowlist"
    title = "IP allow-list bypassed with a forwarding header"
    owasp = "API5:2023"
    cwe = "CWE-290"
    safe = True  # reads only
    remediation = (
        "Decide on the connection's own address, or on a forwarding header only when it was "
        "set by your own proxy (trust exactly your proxies' addresses, take the right-most "
        "untrusted hop); better, protect internal operations with authentication and roles."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Find a caller refused with 403, then claim internal addresses as that caller."""
        if operation.method != "GET":
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="reads only (GET)")
            return
        refused = await _refused(ctx, operation)
        if refused is None:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no caller is refused with 403")
            return
        who, request, plain = refused
        for address in INTERNAL:
            lifted = await ctx.send(_claim(request, HEADERS, address), as_=who, note=address)
            if not lifted.ok:
                continue
            control = await ctx.send(_claim(request, HEADERS, PUBLIC), as_=who, note="control")
            if control.status != plain.status:
                return  # the headers' presence alone changes the answer: nothing shown
            header = await _which(ctx, request, who, address)
            yield self._finding(ctx, operation, who, address, header, [plain, control, lifted])
            return

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        who: Identity | None,
        address: str,
        header: str | None,
        evidence: list[Reply],
    ) -> Outcome:
        caller = who.name if who is not None else "an anonymous client"
        named = header or "the forwarding headers together"
        return ctx.finding(
            self,
            operation,
            title=f"{operation.key} trusts {named} for its address allow-list",
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{caller} is refused with {evidence[0].status}; the same request claiming "
                f"{address} in {named} gets {evidence[-1].status}, while claiming the public "
                f"address {PUBLIC} the same way is refused ({evidence[1].status}): anyone can "
                "pass the allow-list by sending that header."
            ),
            evidence=evidence,
            key=f"header:{header or 'forwarding'}",
        )


async def _refused(
    ctx: Context, operation: Operation
) -> tuple[Identity | None, Request, Reply] | None:
    """The first caller (anonymous, then each identity) refused with 403, and its request."""
    request, reply = await _anonymous(ctx, operation)
    if reply.status == 403:
        return None, request, reply
    for identity in ctx.identities:
        legit = await ctx.legit(operation, identity)
        if legit.status == 403:
            return identity, ctx.legit_request(operation, identity), legit
    return None


async def _anonymous(ctx: Context, operation: Operation) -> tuple[Request, Reply]:
    """An anonymous request and its answer.

    Where the contract secures the operation, an identity's legitimate request stripped of
    its credentials: ``auth_bypass`` sends it too, once for both. Else the synthesised one.
    """
    if not (operation.is_public or operation.auth_optional):
        for identity in ctx.identities:
            if ctx.withheld(operation, identity) is None:
                legit = await ctx.legit(operation, identity)
                reply = await without_credentials(ctx, operation, identity, legit)
                return reply.sent, reply
    request = ctx.request(operation)
    return request, await ctx.send(request, as_=None, note="plain, anonymous")


async def _which(ctx: Context, request: Request, who: Identity | None, address: str) -> str | None:
    """The single header that lifts the refusal on its own, if one does."""
    for header in HEADERS:
        reply = await ctx.send(_claim(request, (header,), address), as_=who, note=header)
        if reply.ok:
            return header
    return None


def _claim(request: Request, headers: tuple[str, ...], address: str) -> Request:
    for header in headers:
        value = f"for={address}" if header == "Forwarded" else address
        request = request.with_param(Where.HEADER, header, value)
    return request
