"""Which legitimate writes the scanner refuses to send: never change others' objects or privileges.

A check's *legitimate* request (``Context.legit``) is sent for real, so for a write
(POST/PUT/PATCH/DELETE) it is a real change made on the identity's behalf. The engine
sends one only when it touches nothing but the sender's own things:

* every object id it carries — in every harvested slot (path, query, body) — is the
  sender's (``Harvest.mine``): claimed by it alone (its creation, its own id), or, when
  nobody claims it, seen by the sender, by no peer, not anonymously, and otherwise only
  by identities that *oversee* it (another role ranked above it, or seeing all it sees
  and more: a manager listing every clerk's orders), among objects of the slot's
  resource type. Overseeing is one way: an admin's ``PUT /users/{name}`` on a user it
  listed is someone else's object;
* an id nobody saw is no one's known object, which a write must not guess at — except a
  **creation** (POST) may carry body ids nobody saw: they name the new object itself
  (its ``username``, ``code``), while its path and query ids must still be the sender's;
  and a creation's body may name an object that *every* identity saw and nobody claims
  (a doctor to book, a product to order): it refers to a shared item, it does not
  change it; or a *public* object (every identity and an anonymous request saw it)
  whoever claims it — a seller's book in a public catalogue, a bike anyone sees at its
  station — but never a person (``user_id``) nor a recipient (``to``, ``payee``): buying
  a listed book makes an order of the buyer's own;
* a path id that names the **parent** of the object written (every path id of a creation,
  all but the last of an update or a deletion: the event of
  ``PATCH /events/{slug}/tickets/{id}``; none of an action such as ``POST
  /invoices/{id}/send``, which may leave its object undeletable)
  may be a *public* object nobody created — every identity and an anonymous request saw
  it, nobody claims it — so the caller books, renames or cancels its own ticket on a
  public event; a creation there only when the contract can delete what it makes, since
  what the scan adds to a public object everyone sees. The object written (the ticket)
  must still be the sender's, and the public object itself (``PATCH /events/{slug}``) is
  never written;
* such a parent path id may also be one of the sender's own **containers**: an object it
  got itself from the parent's own collection — its own listing (``GET /orgs``: the
  organisations it belongs to), a read of the item, its creation or its login — even
  when others got it too (a tenant, a team, a workspace its colleagues share). The
  caller adds and changes its own objects there; the container itself
  (``PATCH /orgs/{slug}``, an action on it) is never the sender's to write, and a
  container it knows only from another identity's answers (another tenant's slug), or
  from a field of some other object (an invoice's ``org_slug``), does not count;
* a **redemption** (``POST /promos/{code}/redeem``: its last segment redeems or claims,
  ``scan.flows.redeems``) sent by a user the scan signed up itself may name a code every
  identity saw and nobody claims (the promo codes on a poster): the credit lands on that
  user, whose state is the scan's, and the code is not written (``scan.ledger`` reads it
  first, and withholds the redemption when that read counts uses everybody shares). A
  file identity's redemption there stays withheld (its credit would be for good), as do
  any other action on the code (``POST /promos/{code}/retire``) and any write of it;
* a creation's *recipient* (``recipient_id``, ``to``: ``scan.fields.is_recipient``) may name
  another identity of the scan by its own id, from its login or its ``GET /me``, when the
  body holds no number beside its ids: a message to a colleague the scan also logs in as
  is the sender's own object, and no amount moves (a transfer stays withheld);
* its body (at any depth) and query set no *privilege field*
  (``scan.fields.is_privileged``: ``role``, ``is_admin``, ``scopes``, ``balance``,
  ``transfer_limit``... but not ``card_limit``): a made-up ``role`` would demote or
  promote someone, even oneself. But a creation the contract can undo, not of accounts,
  may name the grant of what it makes at the least its ``enum`` offers (a share's
  ``role: viewer``, the Connexion trial's): the synthesiser picks that value. The same vocabulary picks ``mass_assignment``'s
  candidates, so what the engine refuses to send is exactly what that check tests.

Anything else raises :class:`Withheld`; the runner turns an uncaught one into a skip
(``SkipReason.WITHHELD``), so a check that did not plan for it reports "not tested",
never a finding nor "not vulnerable". Checks that *attack* with crafted writes (bola,
bfla, mass assignment) build them from ``Context.baseline`` and are not affected.

The ledger (``scan.ledger``) refuses writes of every kind with the subclasses here:
:class:`Unrestorable` (nothing could put it back; :class:`OneWay`, an action that acts
for good), :class:`NotOurs` (``--safe``) and :class:`Lasting` (an account nothing deletes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apiward.scan._deleters import deleter
from apiward.scan._objects import creates
from apiward.scan.accounts import holds_accounts
from apiward.scan.fields import is_privileged, is_recipient, tokens
from apiward.scan.flows import redeems
from apiward.scan.harvest import Harvest, Slot
from apiward.scan.identities import Identity
from apiward.scan.questions import changes_nothing
from apiward.scan.request import WRITES, Request, Where
from apiward.scan.resources import singular
from apiward.scan.values import least
from apiward.scan.wrapped import merged_properties
from apiward.spec import Operation, ParameterLocation

_TEMPLATE = re.compile(r"\{([^{}/]+)\}")


class Withheld(Exception):  # noqa: N818 — a result ("the write was withheld"), not a failure
    """The write was not sent: it would change others' objects or a privilege.

    ``legitimate`` for the identity's own baseline (``Context.legit_request``); the ledger
    withholds probes too, whose path may name a payload (the Fastify trial's skips called
    an injected id the legitimate write's object).
    """

    def __init__(
        self, operation: Operation, identity: Identity, why: str, *, legitimate: bool = False
    ) -> None:
        which = "legitimate " if legitimate else ""
        super().__init__(f"{identity.name}'s {which}{operation.key} not sent: {why}")
        self.operation = operation
        self.identity = identity
        self.why = why


class Unrestorable(Withheld):
    """The write was not sent: nothing can read its object first, so nothing could put it back."""


class NotOurs(Unrestorable):
    """Under ``--safe``: the write was not sent, it names an object the scan did not create."""


class OneWay(Unrestorable):
    """The action was not sent: it acts for good (``scan.one_way``) on what the scan did not make."""


class Lasting(Withheld):
    """The sign-up was not sent: no DELETE of the contract removes accounts, so it would stay."""


class Kept(Withheld):
    """The creation was not sent: no DELETE of the contract removes what it makes, so it would stay."""


def withheld(
    harvest: Harvest,
    operation: Operation,
    identity: Identity,
    request: Request,
    *,
    own: bool = False,
    but: str = "",
    aggressive: bool = False,
) -> str | None:
    """Why ``identity``'s legitimate ``request`` must not be sent, or None when it may be.

    ``own``: ``identity`` is a user the scan signed up itself, whose state is the scan's.
    ``but``: an id not judged, as a spare the identity makes will take its place.
    ``aggressive``: an action or a creation under a parent others share goes (``--aggressive``
    lifts every rule against what the scan cannot undo).
    """
    if operation.method.upper() not in WRITES:
        return None
    names = [*_names(request.body), *(n for n, _ in request.query)]
    granted = _least_grants(harvest, operation, request)
    privileged = [n for n in names if is_privileged(n) and n not in granted]
    if privileged:
        return f"it sets the privilege field {privileged[0]!r}"
    creation = operation.method.upper() == "POST"
    parents = _parents(harvest, operation, request, but)
    for slot in harvest.slots(operation):
        value = request.value(slot.where, slot.name)
        if value is None or slot.name == but:
            continue
        if harvest.mine(identity, operation, slot, value):
            continue
        holders = harvest.holders(operation, slot, value)
        if not holders and creation and slot.where is Where.BODY:
            continue  # names the object being created
        # A body reference to a shared or public item (a vet, a product, a seller's book)
        # leaves that item as it was, in a creation or in an update of one's own object
        # (the Nest trial's PATCH /appointments/{id} naming a vet everyone lists).
        if slot.where is Where.BODY and _everyones(harvest, holders):
            continue  # refers to a shared item (a doctor, a product): naming it does not change it
        if slot.where is Where.BODY and _listed(harvest, operation, slot, value):
            continue  # refers to a public one, someone's (a seller's book): buying it is one's own
        if slot.where is Where.BODY and _entitled(harvest, operation, slot, identity, value):
            continue  # one it lists itself, nobody else's: its organisation's warehouse
        if creation and _to_peer(harvest, operation, identity, request, (slot, value)):
            continue  # a message to another identity of the scan's own: no one else's moves
        parent = slot.where is Where.PATH and slot.name in parents | _above(operation)
        if parent and own and redeems(operation) and _everyones(harvest, holders):
            continue  # a code everyone sees, redeemed by the scan's own user: its credit is ours
        if parent and (
            _public(harvest, holders) or _container(harvest, operation, identity, slot.name, value)
        ):
            if slot.name in parents or aggressive:
                continue  # the caller's own object under a public parent or a tenant it belongs to
            why = "what it makes or does there could not be undone (no DELETE, or an action)"
            return f"its path {slot.name!r} names a parent others share, and {why}"
        whose = "an object nobody was seen to own" if not holders else "another's object"
        return f"its {slot.where.value} {slot.name!r} names {whose}"
    return None


def _parents(
    harvest: Harvest, operation: Operation, request: Request, spare: str = ""
) -> frozenset[str]:
    """Path ids naming a parent of the object ``request`` writes, not that object itself.

    Every path id of a creation that the contract can undo (``DELETE`` of what it makes);
    all but the last of an update or a deletion. None of an action (``POST
    /invoices/{id}/send``): it may fix its object's state for good (a sent invoice can no
    longer be deleted), and under a shared parent what is left stays where others see it;
    but every one of an action that only asks (``POST /orgs/{org}/webhooks/test``), and all
    but the last of one on an object made for it (``spare``: the Fastify trial's ``POST
    /orgs/{orgId}/tickets/{ticketId}/assign`` on a ticket the scan makes and deletes; where
    the contract's DELETE takes only objects before such an action, ``one_way.strands``
    keeps it from going).
    """
    api = harvest.synthesizer.api
    names = [p.name for p in operation.parameters if p.location is ParameterLocation.PATH]
    if creates(api, operation):
        return frozenset(names) if deleter(api, request, "-") is not None else frozenset()
    last = operation.path.rstrip("/").rsplit("{", 1)[-1].split("}", 1)[0]
    if operation.method.upper() == "POST":
        if spare and spare == last:
            return frozenset(n for n in names if n != last)
        # An action that only asks (``POST /orgs/{org}/webhooks/test``) changes nothing there.
        return frozenset(names) if changes_nothing(operation) else frozenset()
    return frozenset(n for n in names if n != last)


def _least_grants(harvest: Harvest, operation: Operation, request: Request) -> frozenset[str]:
    """Top-level body fields of a creation the contract can undo that grant the least they may.

    A share or a membership names its grant (``role: viewer`` of ``viewer, editor, owner``):
    the new object is deleted again, and it asks for nothing beyond the least access. Never
    in a creation of accounts, whose role stays with the person.
    """
    api = harvest.synthesizer.api
    body = request.body
    if not isinstance(body, dict) or not creates(api, operation):
        return frozenset()
    noun = singular(operation.path.rstrip("/").rsplit("/", 1)[-1].lower())
    if holds_accounts(noun) or deleter(api, request, "-") is None:
        return frozenset()
    schema, _ = harvest.synthesizer.body_schema(operation)
    fields = merged_properties(api, schema) if schema is not None else {}
    return frozenset(
        name
        for name, value in body.items()
        if name in fields and value is not None and value == least(api.deref(fields[name]))
    )


def _above(operation: Operation) -> frozenset[str]:
    """The path ids of a POST that name a parent by the path's shape (not a POST on an item)."""
    path = operation.path.rstrip("/")
    if operation.method.upper() != "POST" or path.endswith("}"):
        return frozenset()
    return frozenset(_TEMPLATE.findall(path))


def _container(
    harvest: Harvest, operation: Operation, identity: Identity, name: str, value: str | int
) -> bool:
    """True when ``identity`` itself got ``value`` as an object of ``{name}``'s own collection.

    From its listing, read, creation or login there (``GET /orgs`` → ``{org_slug}``), or
    from its own record (``GET /me`` → ``"orgId": …``: the Fastify trial's helpdesk lists no
    orgs to its users); not from another object's field: an answer that shows someone
    else's tenant (a leaky listing under another path) makes no one a member of it.
    """
    collection = harvest.links.collection_of(operation.path, name)
    if collection is None:
        return False
    kind = singular(collection)
    own = harvest.records.get(identity.name, {})
    if any(str(v) == str(value) and kind in tokens(k) for k, v in own.items()):
        return True
    return any(
        s.identity == identity.name
        and s.collection == collection
        and s.kind == kind
        and str(s.value) == str(value)
        for s in harvest.sightings
    )


def _public(harvest: Harvest, holders: frozenset[str]) -> bool:
    """True when every identity and an anonymous request saw the object, and nobody claims it."""
    return "" in holders and _everyones(harvest, holders)


def _listed(harvest: Harvest, operation: Operation, slot: Slot, value: str | int) -> bool:
    """True when every identity and an anonymous request saw ``value`` in ``slot``'s kind of
    object, and it names neither a person nor a recipient."""
    if is_recipient(slot.name):
        return False
    seen = [
        s
        for s in harvest.sightings
        if str(s.value) == str(value) and harvest.fits(s, operation, slot)
    ]
    if any(holds_accounts(s.kind) for s in seen):
        return False
    return "" in {s.identity for s in seen} and _everyones(
        harvest, frozenset(s.identity for s in seen)
    )


def _entitled(
    harvest: Harvest, operation: Operation, slot: Slot, identity: Identity, value: str | int
) -> bool:
    """True when ``identity`` lists ``value``'s object itself and no one else claims it: a
    shipment naming its own organisation's warehouse as its origin (the Go trial's, seen by
    that organisation's members only, so no one's alone nor everyone's)."""
    if is_recipient(slot.name):
        return False
    kinds = {
        s.kind
        for s in harvest.sightings
        if str(s.value) == str(value) and harvest.fits(s, operation, slot)
    }
    if any(holds_accounts(k) for k in kinds):
        return False
    listed = any(harvest.lists.has(identity.name, k, value) for k in kinds)
    return listed and identity.name in harvest.holders(operation, slot, value)


def _to_peer(
    harvest: Harvest,
    operation: Operation,
    identity: Identity,
    request: Request,
    named: tuple[Slot, str | int],
) -> bool:
    """True when a body's recipient names another identity of the scan by its own id (its
    login's, its ``GET /me``) and the body holds no number beside its ids: a message to a
    colleague the scan also logs in as, not a payment (the Flask trial's ``POST /messages``,
    refused to every identity that wrote to itself)."""
    slot, value = named
    if slot.where is not Where.BODY or not is_recipient(slot.name):
        return False
    ids = {s.name for s in harvest.slots(operation) if s.where is Where.BODY}
    body = request.body if isinstance(request.body, dict) else {}
    if any(isinstance(v, int | float) and k not in ids for k, v in body.items()):
        return False  # an amount, a quantity, a flag: it may move value
    holders = harvest.holders(operation, slot, value)
    return (
        len(holders) == 1
        and identity.name not in holders
        and any(
            s.producer == "login" and s.identity in holders and str(s.value) == str(value)
            for s in harvest.sightings
        )
    )


def _everyones(harvest: Harvest, holders: frozenset[str]) -> bool:
    """True when every identity saw the object and none claims it: a shared one."""
    seen = set(harvest.counts()) - {"anonymous", ""}
    return len(seen) >= 2 and seen <= holders


def _names(body: Any, depth: int = 0) -> Iterator[str]:
    """Every property name of a JSON body, nested ones included."""
    if depth > 8:
        return
    items = body.items() if isinstance(body, dict) else enumerate(body or ())
    for key, value in items if isinstance(body, dict | list) else ():
        if isinstance(key, str):
            yield key
        if isinstance(value, dict | list):
            yield from _names(value, depth + 1)
