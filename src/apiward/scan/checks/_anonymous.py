"""Requests without credentials: the legitimate request stripped of them, and whether an
operation the contract makes credentials optional on does without them.

A global ``security: [{}, {"Bearer": []}]`` makes credentials optional on every operation:
BlackSheep writes it for every app with authentication, and other generators for optional
dependencies. Most such operations still answer 401 without one. Taken at its word, the scan
skipped every check of authentication on them (the BlackSheep trial: ``auth_bypass``,
``bfla`` and the JWT attacks on all 27 operations, so its ``changeme`` secret went unseen).
So credentials are :func:`optional` only while the API takes a request without them: the
identity's legitimate request stripped of its credentials (:func:`without_credentials`, sent
once per scan and shared) answered 401 or 403 makes the operation a secured one for every
check that asks. Where no legitimate request can be sent, what other operations with the
same optional security answered decides (``scan.openness`` keeps every anonymous answer).
"""

from __future__ import annotations

import dataclasses

from apiward.scan.context import Context
from apiward.scan.diff import meaningful
from apiward.scan.identities import Identity
from apiward.scan.openness import ASKS_CREDENTIALS
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation, ParameterLocation

GARBAGE = "apiward.invalid.token"
BARE = "without credentials"


async def optional(ctx: Context, operation: Operation) -> bool:
    """True when credentials are optional on ``operation``: the contract gives it an
    anonymous alternative, and the API does not refuse a request without them."""
    if not operation.auth_optional:
        return False
    openness = ctx.sessions.openness
    if openness.refused(operation):
        return False
    found = await legitimate(ctx, operation)
    if found is not None:
        reply = await without_credentials(ctx, operation, *found)
        return reply.status not in ASKS_CREDENTIALS
    # No legitimate answer to strip (a write no identity may send as its own, ``PATCH
    # /admin/users/{id}``): the contract's word stands unless an operation it makes
    # credentials optional on the same way has refused one, and none has taken one.
    alike = [o for o in ctx.api.operations if o.auth_optional and o.security == operation.security]
    return not any(openness.refused(o) for o in alike) or any(openness.observed(o) for o in alike)


async def legitimate(ctx: Context, operation: Operation) -> tuple[Identity, Reply] | None:
    """The first identity whose legitimate request is sent and answered with data, and that answer."""
    for identity in ctx.identities:
        if ctx.withheld(operation, identity):
            continue
        reply = await ctx.legit(operation, identity)
        if reply.ok and meaningful(reply.text):
            return identity, reply
    return None


async def without_credentials(
    ctx: Context, operation: Operation, identity: Identity, legit: Reply
) -> Reply:
    """``identity``'s legitimate request with none of its credentials (sent once per scan).

    ``token_in_url`` and ``ip_allowlist`` ask it too: an operation that answers it needs no
    token anywhere. A listing the harvest already asked for anonymously, the very same
    request, is not sent again.
    """
    bare = probes(ctx, identity, legit.sent)[0][1]
    harvested = ctx.harvest.anonymous.get(operation.key)
    if harvested is not None and harvested.sent == bare:
        return harvested
    return await ctx.shared(
        (BARE, operation.key, identity.name),
        lambda: ctx.send(bare, as_=None, note=f"probe: {BARE}"),
    )


def probes(ctx: Context, identity: Identity, sent: Request) -> list[tuple[str, Request]]:
    """The legitimate request stripped of credentials, and with garbage credentials."""
    credentials = ctx.sessions.credentials(identity)
    bare = sent
    for name, _ in credentials.headers:
        bare = bare.without_header(name)
    # Only the cookies the contract asks for as parameters: any other may be a session
    # (one an answer set or renewed after the login, which the credentials no longer list).
    operation = ctx.api.operation(sent.method, sent.path)
    declared = {
        p.name
        for p in (operation.parameters if operation is not None else ())
        if p.location is ParameterLocation.COOKIE
    }
    cookies = {
        k: v
        for k, v in bare.cookies.items()
        if k in declared and k not in dict(credentials.cookies)
    }
    bare = dataclasses.replace(bare, cookies=cookies)
    garbage = bare
    for name, value in credentials.headers:
        scheme = value.split(" ", 1)[0] + " " if " " in value else ""
        garbage = garbage.with_param(Where.HEADER, name, scheme + GARBAGE)
    for name, _ in credentials.cookies:
        garbage = dataclasses.replace(garbage, cookies={**garbage.cookies, name: GARBAGE})
    return [(BARE, bare), ("with an invalid credential", garbage)]
