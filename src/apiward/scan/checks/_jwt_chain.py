"""The second step after a JWT forgery: a forged token with more rights, where the API refused.

Once ``jwt`` shows a token can be forged (unsigned, unverified, or signed with a cracked
or confused key), an attacker does not stop at their own claims: they raise them. The
*raised* claims are, in order: the role-like claims another identity's token carries
(an admin's ``role``, ``scope``, ``groups``...), then ``admin`` put into every role-like
claim the token has (a flag set true, a list or space-separated scope extended), or an
added ``role: admin`` when it has none.

The targets are reads the identity is **refused** with 401/403 in its own legitimate
request (at most ``MAX_TARGETS``): operations behind a role. A raised, forged token
that gets one of them answered 2xx is the chain — forgery, then the role's operation —
reported once, critical, with both steps as evidence. Reads only: nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from apiward.scan.checks import _jwt_tokens as tokens
from apiward.scan.checks._bearer import Subject, alone, swap, token_of
from apiward.scan.context import Context
from apiward.scan.transport import Reply
from apiward.spec import Operation

Forge = Callable[[Mapping[str, Any]], str]
MAX_TARGETS = 10
ROLE_CLAIM = re.compile(
    r"^(role|roles|scope|scopes|scp|groups?|permissions?|authorities|user_?type|"
    r"is_?admin|admin|is_?staff|is_?superuser|privileges?|level|tier)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reached:
    """A refused operation a raised, forged token got answered."""

    operation: Operation
    refused: Reply
    reply: Reply
    raised: str
    who: str
    """The identity whose token was raised: the one its real token refuses."""


async def escalate(
    ctx: Context, target: Subject, own: Mapping[str, Any], forge: Forge
) -> list[Reached]:
    """Refused reads that a forged token with raised claims gets answered (first raise that works).

    The forging identity first; when nothing refuses it (a driver reads all a driver may
    want), the other identities with a token, lowest rank first: a mechanic refused the
    fuel logs is the one whose raised token shows what the forgery reaches.
    """
    for subject, claims in [(target, own), *_others(ctx, target)]:
        refused = await _refused(ctx, subject)
        if not refused:
            continue
        for label, raised in raises(ctx, subject, claims):
            reached = await _try(ctx, subject, forge(raised), label, refused)
            if reached:
                return reached
    return []


def _others(ctx: Context, target: Subject) -> list[tuple[Subject, Mapping[str, Any]]]:
    """Every other identity that sends a JWT, as a subject, with its claims; lowest rank first."""
    found = []
    for other in sorted(ctx.identities, key=lambda i: (i.rank is None, i.rank or 0)):
        token = token_of(ctx, other) if other.name != target.identity.name else None
        jwt = tokens.find(token) if token else None
        if token and jwt is not None:
            found.append(
                (
                    Subject(
                        identity=other, token=token, operation=target.operation, legit=target.legit
                    ),
                    jwt.claims,
                )
            )
    return found


def raises(
    ctx: Context, target: Subject, own: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """``(label, claims)``: the identity's claims with another's roles, then with admin."""
    found: list[tuple[str, dict[str, Any]]] = []
    for other in ctx.identities:
        token = token_of(ctx, other) if other.name != target.identity.name else None
        jwt = tokens.find(token) if token else None
        if jwt is None:
            continue
        roles = {k: v for k, v in jwt.claims.items() if ROLE_CLAIM.match(k) and own.get(k) != v}
        if roles:
            found.append((f"{other.name}'s {', '.join(sorted(roles))}", {**own, **roles}))
    admin = {k: _admin(v) for k, v in own.items() if ROLE_CLAIM.match(k)} or {"role": "admin"}
    found.append((", ".join(f"{k}={v!r}" for k, v in admin.items()), {**own, **admin}))
    return found


def _admin(value: Any) -> Any:
    """``value`` raised to admin, in its own shape."""
    if isinstance(value, bool):
        return True
    if isinstance(value, list):
        return [*value, "admin"]
    if isinstance(value, int):
        return max(value, 0) + 100
    if isinstance(value, str) and " " in value:
        return f"{value} admin"
    return "admin"


async def _refused(ctx: Context, target: Subject) -> list[tuple[Operation, Reply]]:
    """Reads (without the subject's own operation) the identity is refused with 401/403."""
    found: list[tuple[Operation, Reply]] = []
    for op in ctx.probes:
        if op.method != "GET" or op.key == target.operation.key:
            continue
        legit = await ctx.legit(op, target.identity)
        if legit.status in {401, 403}:
            found.append((op, legit))
        if len(found) >= MAX_TARGETS:
            break
    return found


async def _try(
    ctx: Context,
    target: Subject,
    token: str,
    label: str,
    refused: list[tuple[Operation, Reply]],
) -> list[Reached]:
    reached: list[Reached] = []
    for op, legit in refused:
        try:
            sent = alone(ctx, target.identity, legit.sent, target.token)
            request = swap(sent, target.token, token)
        except ValueError:
            continue  # sent with a token refreshed since: nothing to replace
        reply = await ctx.send(request, as_=None, note=f"jwt chain: {label}")
        if reply.ok and reply.text.strip() not in {"", "{}", "[]", "null"}:
            reached.append(
                Reached(
                    operation=op,
                    refused=legit,
                    reply=reply,
                    raised=label,
                    who=target.identity.name,
                )
            )
    return reached
