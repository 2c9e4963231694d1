"""Whose objects ``bola`` tries, on whom, in what order, and what an attacker already sees.

A few owners with ids there (every role in turn), a few peers against each: a file of 5,000
identities of one role made 25 million pairs, each looked up in the whole harvest, and a
few pairs find what any pair finds. An owner's objects go first where the attacker never
saw them listed: the rest may be its to see, or shared with it to write (a member's
project it may add tasks to); never a value the scan shared with a person it named.
"""

from __future__ import annotations

from collections.abc import Iterator

from apiward.scan.checks._purposes import shared_by_scan
from apiward.scan.context import Context
from apiward.scan.envelope import objects, unwrap
from apiward.scan.fields import person_values, tokens
from apiward.scan.harvest import Sighting, Slot
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation

MOST_OWNERS = 4
"""Owners with ids here tried at most."""
MOST_ATTACKERS = 3
"""Peers tried against each owner at most."""
READ_TRIES = 3
"""Objects of an owner read at most to find one whose answer holds something."""


def pairs(
    ctx: Context, operation: Operation, slot: Slot
) -> Iterator[tuple[Identity, Identity, list[Sighting]]]:
    """(owner, attacker, owner's ids fitting ``slot``), a few of each, every role in turn."""
    owners = 0
    for owner in by_role(ctx.identities):
        owned = ctx.harvest.owned(owner, operation, slot)
        attackers = ctx.peers(owner)[:MOST_ATTACKERS]
        if not owned or not attackers:
            continue
        for attacker in attackers:
            yield owner, attacker, owned
        owners += 1
        if owners == MOST_OWNERS:
            return


def by_role(identities: tuple[Identity, ...]) -> list[Identity]:
    """``identities`` the first of each role first, then the second of each, in file order.

    Four owners in file order were a file's managers and technicians, whose agency's
    leases each saw: the residents listed after them, whose leases any resident read (the
    Koa trial's ``GET /leases/{id}``), were never tried.
    """
    seen: dict[str | None, int] = {}
    place: list[tuple[int, int]] = []
    for n, identity in enumerate(identities):
        seen[identity.role] = seen.get(identity.role, -1) + 1
        place.append((seen[identity.role], n))
    return [identities[n] for _, n in sorted(place)]


def ordered(
    ctx: Context, attacker: Identity, owned: list[Sighting], *, referred: bool = False
) -> list[Sighting]:
    """``owned`` but what the scan shared, what ``attacker`` never saw listed first.

    ``referred``: the slot is a creation's body reference, or a parent in the path
    (``parents.above``), and what the attacker lists itself is left out: booking a room its
    own listing shows names it by design (the Django Ninja trial's ``POST /bookings`` naming
    a room a colleague had added), and a member reads and adds to the projects of a
    workspace its own listing shows it (the Sanic trial's viewer, called a BOLA).
    """
    owned = [s for s in owned if not shared_by_scan(ctx.ledger.created, s.value)]
    # Nor what its row says the attacker made (a message it sent, listed by its recipient).
    rows = ctx.harvest.rows
    owned = [s for s in owned if not party(ctx, attacker, rows.row(s.kind, s.value), _MAKERS)]
    listed = ctx.harvest.lists
    return [s for s in owned if not listed.has(attacker.name, s.kind, s.value)] + [
        s for s in owned if listed.has(attacker.name, s.kind, s.value) and not referred
    ]


def listed(ctx: Context, attacker: Identity, obj: Sighting, data: object, read: Request) -> bool:
    """True when a listing ``attacker`` may read shows all of ``data``, or all of the object
    before the scan's first write to it: a legitimate write another check sent stays until
    the restore (the Rails trial's offer, read with the scan's salary, was called a leak)."""
    lists, snapshot = ctx.harvest.lists, ctx.ledger.snapshots.get(read.target)
    if lists.shows(attacker.name, obj.kind, obj.value, data):
        return True
    return (
        snapshot is not None
        and snapshot.exists
        and lists.shows(attacker.name, obj.kind, obj.value, snapshot.before)
    )


async def listed_now(
    ctx: Context, attacker: Identity, obj: Sighting, data: object, read: Request
) -> bool:
    """True when an object the scan made after the harvest shows, all of ``data``'s values, in
    the attacker's listing of its collection read now: no listing had shown it (the DRF trial's
    events, which every member lists, called read by another organisation's member once their
    hosts claimed them)."""
    if not ctx.ledger.made(obj.value):
        return False
    head = read.path.rstrip("/").rsplit("/", 1)[0]
    slash = "/" if read.path.endswith("/") else ""
    listing = ctx.api.operation("GET", head + slash) or ctx.api.operation("GET", head)
    if listing is None or "{" + obj.field + "}" in listing.path:
        return False
    request = ctx.baseline(listing, attacker)
    for key, value in read.path_params.items():
        if "{" + key + "}" in listing.path:
            request = request.with_param(Where.PATH, key, value)
    reply = await ctx.send(request, as_=attacker, note=f"{attacker.name} lists them now")
    shown = unwrap(data)
    if not reply.ok or not isinstance(shown, dict):
        return False
    scalars = {k: v for k, v in shown.items() if not isinstance(v, dict | list)}
    return any(
        isinstance(row, dict) and all(row.get(k) == v for k, v in scalars.items())
        for row in objects(reply.data) or []
    )


_PARTY = frozenset(
    {
        "sender", "from", "author", "owner", "creator", "recipient", "to", "receiver",
        "participant", "member", "assignee", "user", "customer", "buyer", "seller",
        "reporter", "requester", "attendee", "guest", "host",
    }
)  # fmt: skip
"""Words of a field that names a person party to an object (``sender_id``, ``from_user``)."""
_MAKERS = frozenset(
    {"sender", "from", "author", "owner", "creator", "buyer", "customer", "user", "requester"}
    | {"reporter"}
)
"""The parties whose object it is to change: not its recipient, assignee, guest or seller."""
_HANDLES = frozenset({"id", "uuid", "email", "username", "login", "handle"})
"""Words of a person field that say how it names them, not who they are to the object."""


def party(ctx: Context, attacker: Identity, data: object, words: frozenset[str] = _PARTY) -> str:
    """The field of ``data`` that names ``attacker`` as a party to it (``sender_id`` holding
    its own id), or "": a message alice sent bob is hers to read too.

    The PHP trial's alice had 113 messages; the one she had sent bob was beyond the five
    pages the harvest reads, seen in bob's listing only, and her reading it was called a
    high BOLA. Only a field whose every word names a person counts: ``to_account_id`` 4 is
    an account, whatever alice's user id.
    """
    own = ctx.harvest.own_names.get(attacker.name, set())
    shown = unwrap(data)
    if not own or not isinstance(shown, dict):
        return ""
    for key, value in shown.items():
        said = {w for w in tokens(key) if w not in _HANDLES}
        if not said or not said <= words:
            continue
        if person_values(value) & own:
            return str(key)
    return ""


def names_attacker(ctx: Context, attacker: Identity, attack: Reply) -> bool:
    """Whether the object an attack wrote names the attacker a party of its own accord, not
    because the attack sent that field: the APIFlask trial's offer ``buyer_id`` was carol's
    own, on alice's listing, and carol's update of it had been called a BOLA. Only a party
    that makes the object counts: the recipient of a message changing it is the hapi
    trial's planted BOLA."""
    key = party(ctx, attacker, attack.data, _MAKERS)
    sent = attack.sent.body if isinstance(attack.sent.body, dict) else {}
    return bool(key) and key not in sent
