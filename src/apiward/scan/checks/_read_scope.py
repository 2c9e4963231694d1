"""Whose data a lower identity's read shows (for ``bfla``'s reads).

A read is a higher role's function only when its answer is given by the role. Two
identities of one role that get different answers to the very same request (two owners
each listing their own organisations) show an answer scoped per caller or per tenant:
no finding. And an object the low identity itself sees listed by another read it is
entitled to (its own organisation, a workspace it is a member of) is its data too, not
"data of other roles", even when a higher identity owns it as well.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping

from apiward.scan._objects import ROW_IDS
from apiward.scan.checks._privilege import marking
from apiward.scan.checks._tenants import tenancy
from apiward.scan.context import Context
from apiward.scan.diff import SAME, leaves, meaningful, similarity
from apiward.scan.envelope import objects
from apiward.scan.identities import Identity
from apiward.scan.transport import Reply
from apiward.spec import Operation


async def per_caller(ctx: Context, op: Operation, *, tenants: bool = False) -> bool:
    """True when two identities of one role get different answers to the very same request.

    Two owners each listing their own organisations (``GET /orgs``), two customers their
    own orders: the answer is scoped per caller or per tenant, not given by the role. A
    read only a role should have (``/admin/users``) answers every caller alike.

    ``tenants``: each its own request too, the ids it holds in the path. Two members each
    reading their own organisation's calendar (``GET /orgs/{slug}/bookings``, the Fastify
    trial's) were taken for a team admin's read, since the calendar holds the admin's
    bookings. Only where the operation itself names no role: a billing read "for team
    admins only" that every member reads for their own organisation is still a finding.

    On a read the contract marks as a higher role's, only identities of one organisation
    (``_tenants.tenancy``: ``school_id: 1``) are compared: two schools' admins listing
    their own school's users show the list is the tenant's, not that a student reading its
    own school's is by design (the PHP trial's ``GET /admin/users``).
    """
    marked = marking(op) is not None
    answers: dict[tuple[str, str, frozenset[tuple[str, str]]], list[tuple[Identity, Reply]]]
    answers = {}
    for identity in ctx.identities:
        reply = await ctx.legit(op, identity)
        if reply.ok and meaningful(reply.text):
            target = "" if tenants else reply.sent.target
            tenant = tenancy(ctx, identity) if marked else frozenset()
            answers.setdefault((identity.role, target, tenant), []).append((identity, reply))
    for replies in answers.values():
        for (one, first), (other, second) in itertools.pairwise(replies):
            if similarity(first.text, second.text) >= SAME:
                continue
            # Read at other times, they may differ by what another check wrote in between
            # (the Express trial's user list, renamed by a legitimate PATCH /users/me).
            first, second = await read_now(ctx, op, one), await read_now(ctx, op, other)
            if first.ok and second.ok and not alike(first, second):
                return True
    return False


def alike(one: Reply, other: Reply) -> bool:
    """True when two answers are alike, or list mostly the same rows by id: a log that grows
    with every write the scan sends differs between any two reads (the Express trial's
    audit log, "Admin only.", read by a member, had gone unreported as each caller's own)."""
    if similarity(one.text, other.text) >= SAME:
        return True
    rows = [[r for r in objects(a.data) or [] if isinstance(r, dict)] for a in (one, other)]
    ids = [{str(r[k]) for r in found for k in ROW_IDS if k in r} for found in rows]
    fewer = min(len(ids[0]), len(ids[1]))
    return fewer >= _ROWS and 2 * len(ids[0] & ids[1]) >= fewer


_ROWS = 3
"""Rows two listings must hold at least to be told alike by their ids."""


async def read_now(ctx: Context, op: Operation, identity: Identity) -> Reply:
    """``identity``'s legitimate read of ``op`` sent again now, not the one shared earlier."""
    request = ctx.legit_request(op, identity)
    return await ctx.send(request, as_=identity, note="the same read again, back to back")


def others_data(
    ctx: Context, op: Operation, low: Identity, reply: Reply, ranked: Mapping[str, int]
) -> list[str]:
    """Values that belong to identities of other roles, not ranked below ``low``, in ``reply``.

    Not an object ``low`` itself saw listed elsewhere (its own organisation, a
    workspace it is a member of): what its other reads show it is its data too; nor one
    of its own identifiers (its member number, from its login or its own record); nor
    data of an identity ranked below ``low`` (``ranked``: ``_privilege.ranks``) or whose
    objects ``low`` sees from above (every one it saw, and more): a coordinator reading
    gardeners' plots oversees them, as staff do.
    """
    floor, seen = ranked.get(low.name, 0), _seen(ctx)
    roles = {
        i.name: i.role
        for i in ctx.identities
        if i.role != low.role and ranked.get(i.name, 0) >= floor and not _looks_after(seen, low, i)
    }
    its = {
        str(s.value)
        for s in ctx.harvest.sightings
        if s.identity == low.name
        and s.kind == s.resource
        and s.producer != op.key
        and _unmarked(ctx, s.producer)
    }
    its |= {str(v) for _, v in ctx.sessions.own_ids(low)}
    its |= {str(v) for v in ctx.harvest.records.get(low.name, {}).values()}
    owned = {
        str(s.value)
        for s in ctx.harvest.sightings
        if s.identity in roles
        and isinstance(s.value, str)
        and len(s.value) >= 3
        and ctx.harvest.is_owned(s)
    }
    for identity in ctx.identities:
        if identity.name in roles and identity.login is not None:
            owned |= {str(v) for k, v in identity.login.body.items() if "user" in k or "name" in k}
    shown = {value for _, value in leaves(reply.data)} if reply.data is not None else set()
    return sorted(v for v in owned - its if _quoted(v) in shown)


def _looks_after(seen: Mapping[str, set[tuple[str, str]]], low: Identity, other: Identity) -> bool:
    """True when ``low`` saw every object ``other`` saw, and more: it looks after them."""
    theirs = seen.get(other.name, set())
    return bool(theirs) and theirs < seen.get(low.name, set())


def _seen(ctx: Context) -> dict[str, set[tuple[str, str]]]:
    """Every object (kind, value) each identity saw in an answer (what its login names it by aside)."""
    found: dict[str, set[tuple[str, str]]] = {}
    for s in ctx.harvest.sightings:
        if s.producer != "login":
            found.setdefault(s.identity, set()).add((s.kind, str(s.value)))
    return found


def _unmarked(ctx: Context, key: str) -> bool:
    """True when operation ``key`` is not one the contract marks as a privileged role's."""
    method, _, path = key.partition(" ")
    op = ctx.api.operation(method, path)
    return op is not None and marking(op) is None


def _quoted(value: str) -> str:
    return json.dumps(value)


async def same_read(ctx: Context, op: Operation, low: Identity, high: Identity) -> Reply:
    """``low``'s answer to the read ``high`` made, where ``low`` may use every id in its path
    (an event everyone lists), else ``low``'s own legitimate read.

    Each identity's baseline names the object nearest to it: the Litestar trial's attendees
    and organizers each listed the attendees of another event, the answers differed as
    answers to different requests do, and "List attendees of an event (organizers)", open
    to every attendee, went unreported."""
    mine = await ctx.legit(op, low)
    theirs = ctx.sent(op, high) or ctx.baseline(op, high)
    if theirs.target == mine.sent.target or not theirs.path_params:
        return mine
    harvest = ctx.harvest
    for value in theirs.path_params.values():
        kinds = {s.kind for s in harvest.sightings if str(s.value) == value}
        if not any(harvest.lists.has(low.name, kind, value) for kind in kinds):
            return mine  # an id low knows only from another: that read is bola's to judge
    return await ctx.send(theirs, as_=low, note=f"{high.name}'s read, sent as {low.name}")
