"""Where an identity's token travels, and an operation whose answer says whose token it is.

The token checks (``jwt``, ``token_in_url``) replay one identity's legitimate request
with its token changed, moved or forged, and judge by the answer. They share:

* ``token_of``: the credential an identity sends (a header value without its scheme
  word, or a cookie value), as the session holds it after login;
* ``subject``: a *representative* secured GET: one whose answer belongs to the caller
  (another identity's answer differs) and preferably names the caller (its username
  or its token's ``sub``) at the top level of one object — a "who am I" answer, so a forged token
  for another subject shows up as that subject's data;
* ``alone``: the legitimate request with every *other* credential of the identity
  removed (its session cookie beside a bearer token, a fixed API key), so a probe
  judges the token and nothing else;
* ``swap``/``strip``: the legitimate request with the token replaced or removed (a
  request that does not carry it is a ValueError: ``carries`` asks first);
* ``accepted``: a reply that is 2xx with the same data as the legitimate one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from apiward.scan.checks._anonymous import optional
from apiward.scan.checks._jwt_tokens import find
from apiward.scan.context import Context
from apiward.scan.diff import SAME, leaves, meaningful, similarity
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.spec import Operation

LISTED = 8
_NAMEISH = re.compile(r"user|login|email|name|sub", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Subject:
    """An identity, its token, and a secured GET whose answer is that identity's."""

    identity: Identity
    token: str
    operation: Operation
    legit: Reply


def token_of(ctx: Context, identity: Identity) -> str | None:
    """The token ``identity`` sends: a JWT wherever it is, else a value without its scheme word."""
    credentials = ctx.sessions.credentials(identity)
    for _, value in (*credentials.headers, *credentials.cookies):
        jwt = find(value)
        token = jwt.raw if jwt else value.strip().rsplit(" ", 1)[-1]
        # Rails' ``Token token=abc, ...``: the value after ``token=``, not the whole pair.
        token = re.sub(r'^token="?([^",]+)"?,?$', r"\1", token, flags=re.I)
        if token:
            return token
    return None


async def secured_gets(ctx: Context) -> list[Operation]:
    """GET operations the contract secures, or makes credentials optional on where the API
    refuses a request without them (``checks._anonymous``)."""
    gets = [op for op in ctx.probes if op.method == "GET" and not op.is_public]
    return [op for op in gets if not await optional(ctx, op)]


def names(identity: Identity, token: str) -> set[str]:
    """What an answer about ``identity`` would call it: login names and the token's ``sub``."""
    body = identity.login.body if identity.login else {}
    found = {str(v) for k, v in body.items() if v not in (None, "") and _NAMEISH.search(k)}
    jwt = find(token)
    if jwt is not None and jwt.claims.get("sub") not in (None, ""):
        found.add(str(jwt.claims["sub"]))
    return found | {identity.name}


async def subject(ctx: Context, identity: Identity, token: str) -> Subject | None:
    """The best representative secured GET for ``identity`` (None when none answers it)."""
    ranked: list[tuple[tuple[bool, bool, int, int], Subject]] = []
    called = names(identity, token)
    for op in await secured_gets(ctx):
        legit = await carrying(ctx, op, identity, token)
        if not (legit.ok and meaningful(legit.text)):
            continue
        personal = await _personal(ctx, op, identity, legit)
        rank = (not personal, not _names_caller(legit, called), len(op.parameters), len(legit.text))
        ranked.append((rank, Subject(identity=identity, token=token, operation=op, legit=legit)))
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


async def carrying(ctx: Context, op: Operation, identity: Identity, token: str) -> Reply:
    """``identity``'s legitimate reply, sent with ``token`` (again if the token was renewed)."""
    legit = await ctx.legit(op, identity)
    if carries(legit.sent, token):
        return legit
    # The session logged in again since the shared baseline: replaying that request with
    # the old token swapped or stripped would send a valid token and prove nothing.
    request = ctx.legit_request(op, identity)
    return await ctx.send(request, as_=identity, note="baseline, current token")


def carries(request: Request, token: str) -> bool:
    """Whether ``request`` sends ``token`` in a header or a cookie."""
    return any(token in v for _, v in request.headers) or any(
        token in v for v in request.cookies.values()
    )


def _names_caller(reply: Reply, called: set[str]) -> bool:
    """True for one object naming the caller at its top level: a "who am I" answer."""
    data = reply.data
    if not isinstance(data, dict):
        return False
    top = {value.strip('"') for path, value in leaves(data) if path.count(".") == 1}
    return bool(called & top)


async def _personal(ctx: Context, op: Operation, identity: Identity, legit: Reply) -> bool:
    """True when another identity's legitimate answer differs: the data is the caller's."""
    for other in ctx.identities:
        if other.name != identity.name:
            reply = await ctx.legit(op, other)
            if reply.ok and similarity(reply.text, legit.text) < SAME:
                return True
    return False


def alone(
    ctx: Context, identity: Identity, request: Request, token: str, *, as_sent: bool = False
) -> Request:
    """``request`` carrying ``token`` and none of ``identity``'s other credentials.

    ``as_sent``: judged by what the request carries, not by the session's credentials now,
    which the API may have signed anew since (Mojolicious moves a session's expiry every
    second): the cookie ``token`` travels in stays. Without it, such a request loses its
    credential, which ``token_in_url`` takes for a renewed session it cannot judge.
    """
    credentials = ctx.sessions.credentials(identity)
    headers = {k.lower() for k, v in credentials.headers if as_sent or token not in v}
    cookies = {k for k, v in credentials.cookies if as_sent or token not in v}

    def other(name: str, value: str, names: set[str]) -> bool:
        return name in names and not (as_sent and token in value)

    return dataclasses.replace(
        request,
        headers=tuple((k, v) for k, v in request.headers if not other(k.lower(), v, headers)),
        cookies={k: v for k, v in request.cookies.items() if not other(k, v, cookies)},
    )


def swap(request: Request, old: str, new: str) -> Request:
    """``request`` with the token ``old`` replaced by ``new`` wherever it travels."""
    _require(request, old)
    headers = tuple((k, v.replace(old, new)) for k, v in request.headers)
    cookies = {k: v.replace(old, new) for k, v in request.cookies.items()}
    return dataclasses.replace(request, headers=headers, cookies=cookies)


def strip(request: Request, token: str) -> Request:
    """``request`` without any header or cookie that carries ``token``."""
    _require(request, token)
    headers = tuple((k, v) for k, v in request.headers if token not in v)
    cookies = {k: v for k, v in request.cookies.items() if token not in v}
    return dataclasses.replace(request, headers=headers, cookies=cookies)


def _require(request: Request, token: str) -> None:
    if not carries(request, token):
        # Never a silent no-op: the request would still carry a valid credential.
        raise ValueError("the request does not carry the token to replace")


async def accepted(ctx: Context, legit: Reply, reply: Reply) -> bool:
    """True when ``reply`` is a 2xx with the data of ``legit`` (asked again if it changed)."""
    if not reply.ok:
        return False
    if similarity(reply.text, legit.text) >= SAME:
        return True
    again = await ctx.send(legit.sent, as_=None, note="baseline, again")
    return again.ok and similarity(reply.text, again.text) >= SAME


def listing(operations: Sequence[Operation], but: Operation) -> str:
    """A short list of the other operations a finding applies to."""
    others = [op.key for op in operations if op.key != but.key]
    if not others:
        return ""
    more = f" and {len(others) - LISTED} more" if len(others) > LISTED else ""
    return ", ".join(others[:LISTED]) + more
