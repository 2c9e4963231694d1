"""Deleting accounts as a lower role: the classic function of a higher one.

``DELETE /admin/users/{user_id}`` is tried only on accounts the scan signed up itself
(*victims*, ``scan.checks._sign_up``), never on anyone else's: the highest identity
deletes a first victim, which shows the operation works and takes an account away (the
victim can no longer log in); then each lower role, the lowest first, deletes a victim
of its own making. A lower identity whose DELETE takes its victim away is the finding.
A lower identity is never the victim's owner: the scan signed every victim up apart.

Only where the operation's one path parameter is in a collection of people
(``scan.accounts``) and the contract has a sign-up; never under ``--safe`` (``bfla``
sends no write there).
"""

from __future__ import annotations

from dataclasses import dataclass

from apiward.scan import accounts
from apiward.scan.checks._readback import send_as
from apiward.scan.checks._sign_up import Account, logs_in, ordered, register
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.provision import sign_up_route
from apiward.scan.request import Request, Where
from apiward.scan.resources import collection_of
from apiward.scan.transport import Reply
from apiward.spec import Operation, ParameterLocation


@dataclass(frozen=True, slots=True, kw_only=True)
class Deleted:
    """A lower identity took a victim's account away; the higher one's deletion first."""

    low: Identity
    high: Identity
    evidence: tuple[Reply, Reply]
    key: str


def applies(op: Operation) -> bool:
    """True for a DELETE of one account: its one path parameter is in a collection of people."""
    params = [p.name for p in op.parameters if p.location is ParameterLocation.PATH]
    if op.method != "DELETE" or len(params) != 1:
        return False
    collection = collection_of(op.path, params[0])
    return collection is not None and accounts.holds_accounts(collection)


async def probe(ctx: Context, op: Operation, rank: dict[str, int]) -> Deleted | None:
    """The highest identity deletes one victim, then each lower role another (see module doc)."""
    route = sign_up_route(
        ctx.api, ctx.identities, ctx.synthesizer, ctx.scope, ctx.sessions.openness
    )
    if route is None:
        return None
    sign_up, login = route
    schema, _ = ctx.synthesizer.body_schema(sign_up)
    properties = (schema or {}).get("properties", {})

    async def victim() -> Account | None:
        return await register(
            ctx, sign_up, properties, login, note="a victim to delete", read=False
        )

    top = max(rank.values())
    high = next(i for i in ctx.identities if rank[i.name] == top)
    control = await _delete(ctx, op, await victim(), high)
    if control is None:
        return None
    lows = sorted((i for i in ctx.identities if rank[i.name] < top), key=lambda i: rank[i.name])
    roles: set[str] = set()
    for low in lows:
        if low.role in roles:
            continue
        roles.add(low.role)
        attack = await _delete(ctx, op, await victim(), low)
        if attack is not None:
            param = next(iter(attack.sent.path_params))
            return Deleted(low=low, high=high, evidence=(control, attack), key=f"path:{param}")
    return None


async def _delete(
    ctx: Context, op: Operation, victim: Account | None, who: Identity
) -> Reply | None:
    """``who``'s DELETE of ``victim``, when it took the account away (it no longer logs in)."""
    if victim is None:
        return None
    request = _aimed(ctx, op, victim)
    if request is None:
        return None
    reply = await send_as(ctx, request, who, f"{who.name} deletes an account the scan made")
    if not reply.ok or await logs_in(ctx, victim):
        return None
    return reply


def _aimed(ctx: Context, op: Operation, victim: Account) -> Request | None:
    """``op`` aimed at ``victim`` by the name its path parameter asks for, if it has one."""
    request = ctx.request(op)
    (param,) = request.path_params
    names = ordered(victim.names, param, strict=True)
    if not names:
        return None
    return request.with_param(Where.PATH, param, names[0])
