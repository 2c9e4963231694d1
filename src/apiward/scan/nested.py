"""Nested listings in harvesting: each identity lists what sits under the parents it may use.

A *nested listing* is a GET on a collection under path ids (``GET /orders/{id}/lines``,
``GET /recipes/{id}/comments``). Objects that only such a listing shows (an order's
lines) are otherwise unknown to the scan, and what an identity sees there (the comments
of a public recipe) tells which reads of them are its by design (``scan.listed``).

Each identity lists under parents it is entitled to use, never under one it only knows
from another's answer (that read could be the very flaw): objects it owns
(``Harvest.is_owned``) and objects it saw in a listing it is entitled to, but never another
identity's own account (a directory shows every member; their bookings are still theirs). At most
``PARENTS`` parents per identity and listing, in one order every identity shares, so a
public parent is listed by all who see it or by none (otherwise the one identity that
listed it would seem to own what is under it): first the parents the scan created
something under (a peer's new comment), then its own, then the others in harvest order.
The other path ids of a deeper listing are those its parent was seen under.
"""

from __future__ import annotations

from collections.abc import Sequence

from apiward.scan.accounts import holds_accounts
from apiward.scan.entries import Created
from apiward.scan.fitting import Sighting
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.resources import resource_of
from apiward.spec import Api, Operation, ParameterLocation, json_types

PARENTS = 3
"""Parents each identity lists a nested collection under: the request budget's share."""


def is_nested_listing(api: Api, operation: Operation) -> bool:
    """A GET on a collection under path ids: it takes one, does not end on one, and lists.

    It lists when its success answer is documented as an array (or an object holding
    one: an envelope); undocumented, when its last segment is a plural noun
    (``/orders/{id}/lines``, not ``/users/{id}/avatar`` nor ``/accounts/{id}/balance``).
    """
    path = operation.path.rstrip("/")
    if (
        operation.method != "GET"
        or path.endswith("}")
        or not any(p.location is ParameterLocation.PATH for p in operation.parameters)
    ):
        return False
    schema = api.deref(operation.answer_schema() or {})
    if schema:
        inner = [api.deref(v) for v in schema.get("properties", {}).values()]
        return any("array" in json_types(s) for s in (schema, *inner))
    segment, noun = resource_of(path)
    return segment == path.rsplit("/", 1)[-1] and noun != segment


def nested_requests(
    harvest: Harvest, operation: Operation, identity: Identity, created: Sequence[Created]
) -> list[Request]:
    """``identity``'s reads of ``operation``, one per parent it may use (at most ``PARENTS``)."""
    names = [p.name for p in operation.parameters if p.location is ParameterLocation.PATH]
    slot = next(
        (s for s in harvest.slots(operation) if s.where is Where.PATH and s.name == names[-1]),
        None,
    )
    if slot is None:
        return []
    made = {str(c.create.path_params.get(slot.name)) for c in created if _under(c, operation)}
    # Its collection's own objects, wherever ``seen`` kept another sighting of the value:
    # the Fastify trial's ``org_slug: acme`` in ``GET /me`` hid the ``acme`` that
    # ``GET /orgs`` listed, and no organisation's invoices were ever listed. And what the
    # identity owns, though no listing of its collection exists (the hapi trial's
    # ``companyId`` in ``GET /me``, with no ``GET /companies``).
    listed = {(s.kind, str(s.value)) for s in harvest.sightings if s.kind == s.resource}
    candidates = [
        s
        for s in harvest.seen(identity, operation, slot)
        if ((s.kind, str(s.value)) in listed or harvest.is_owned(s))
        and _entitled(harvest, identity, s)
    ]
    order = {id(s): i for i, s in enumerate(candidates)}
    owned = {id(s) for s in candidates if harvest.is_owned(s)}
    candidates.sort(key=lambda s: (str(s.value) not in made, id(s) not in owned, order[id(s)]))
    base = harvest.baseline(harvest.synthesizer.request(operation), operation, identity)
    return [
        harvest.lists.place(base, operation, slot.name, s.kind, s.value)
        for s in candidates[:PARENTS]
    ]


def _entitled(harvest: Harvest, identity: Identity, sighting: Sighting) -> bool:
    """``identity`` owns the object or saw it in a listing it is entitled to, and it is no
    other identity's own account: what is listed under a person is that person's (the
    restify trial's member directory had made bob list alice's bookings as his to read)."""
    if _anothers_account(harvest, identity, sighting):
        return False
    return harvest.is_owned(sighting) or harvest.lists.has(
        identity.name, sighting.kind, sighting.value
    )


def _anothers_account(harvest: Harvest, identity: Identity, sighting: Sighting) -> bool:
    """True when ``sighting`` names a person another identity of the scan owns (its own
    record, as its login or ``GET /me`` answered)."""
    if not holds_accounts(sighting.kind):
        return False
    return any(
        s.identity != identity.name and harvest.is_owned(s)
        for s in harvest.sightings
        if s.kind == sighting.kind and str(s.value) == str(sighting.value)
    )


def _under(created: Created, operation: Operation) -> bool:
    """True when the scan made ``created`` in ``operation``'s collection (its POST's path)."""
    return created.create.path.rstrip("/") == operation.path.rstrip("/")
