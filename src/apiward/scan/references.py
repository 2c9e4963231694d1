"""A creation refused because of the object it names is made again naming another.

A rental names a bike, an order a listing, a loan a tool. When the bike is already out,
or the listing is the buyer's own ("You cannot buy your own book"), every identity's
creation is refused, and nothing that needs one of its own is tested (a negative
quantity on the order, a report filed under the rental). A creation answered ``409``, or
``400``/``422`` with an answer that names one of its reference fields (``bike_id``, or
its noun: "Bike is not available", or the noun of a parent its object sits under: "This
event is not on sale" for a ticket type), is sent again, at most :data:`RETRIES` times, with
each *reference* of its body — a body slot (``bike_id``, ``listing_id``, a bare noun
``"project": 2``) holding a value the caller harvested there — set to another object
the caller saw:

* first one that is not the caller's own (one cannot buy one's own listing, borrow
  one's own tool);
* then by what its row says (``scan.rows``): free (``status: available``,
  ``in_stock: true``) first, saying nothing next, one a creation of this scan already
  named (taken by it, or refused for someone) after, one whose row says it is not free
  last;
* each only when ``scan.withhold`` lets the caller send it.

Every value a creation named is remembered (:meth:`scan.rows.Rows.named`): the next
identity's retry tries a bike the scan has not rented yet first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from apiward.scan._objects import creates
from apiward.scan.fitting import Sighting, Slot
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.resources import singular, words
from apiward.scan.transport import Reply
from apiward.scan.withhold import withheld
from apiward.spec import Operation

RETRIES = 3
"""Other objects tried at most, one per retry."""
_LOOKS = 4
"""Candidates looked at per retry, at most, before giving up on finding more."""
_NAMING = frozenset({400, 422})
_PLACES = frozenset({Where.BODY, Where.PATH})
"""Where a creation names what it refers to: its body, or the parent in its path (an offer
under a listing: "You cannot make an offer on your own listing", the APIFlask trial's)."""
_ID_WORDS = frozenset({"id", "ids", "uuid", "guid", "ref", "key", "code", "slug", "no", "number"})

Send = Callable[[Request], Awaitable[Reply]]


async def again(
    harvest: Harvest,
    operation: Operation,
    identity: Identity,
    request: Request,
    reply: Reply,
    send: Send,
) -> tuple[Request, Reply]:
    """``request`` and ``reply``, or the first retry naming other objects that is not refused so.

    ``send`` sends a retry as ``identity``. Unchanged when the creation was not refused
    for an object it names, or there is no other object to name.
    """
    slots = _references(harvest, operation, identity, request)
    _remember(harvest, slots, request)
    words = [
        w
        for slot, now in slots
        for w in _names(slot.name, harvest.lists.parents(now.kind, now.value))
    ]
    if not refused(reply, slots, words):
        return request, reply
    for retry in others(harvest, operation, identity, request, slots):
        answer = await send(retry)
        _remember(harvest, slots, retry)
        if not refused(answer, slots, words):
            return retry, answer
        request, reply = retry, answer
    return request, reply


def refused(reply: Reply, slots: list[tuple[Slot, Sighting]], words: list[str]) -> bool:
    """True for a 409, or a 400/422 whose answer says one of ``words``: the reference
    fields' names and nouns, and those of their objects' parents."""
    if not slots:
        return False
    if reply.status == 409:
        return True
    if reply.status not in _NAMING:
        return False
    text = reply.text.lower()
    return any(word in text for word in words)


def others(
    harvest: Harvest,
    operation: Operation,
    identity: Identity,
    request: Request,
    slots: list[tuple[Slot, Sighting]],
) -> list[Request]:
    """Up to :data:`RETRIES` copies of ``request`` naming other objects in its references."""
    choices = [_choices(harvest, operation, identity, request, slot, now) for slot, now in slots]
    found: list[Request] = []
    for turn in range(RETRIES):
        retry = request
        for (slot, _), values in zip(slots, choices, strict=True):
            if values:
                retry = retry.with_param(slot.where, slot.name, values[min(turn, len(values) - 1)])
        if retry != request and retry not in found:
            found.append(retry)
    return found


def _references(
    harvest: Harvest, operation: Operation, identity: Identity, request: Request
) -> list[tuple[Slot, Sighting]]:
    """The body slots of a creation holding a value ``identity`` harvested there, with it."""
    if not creates(harvest.synthesizer.api, operation):
        return []
    found = []
    for slot in harvest.slots(operation):
        value = request.value(slot.where, slot.name) if slot.where in _PLACES else None
        seen = harvest.seen(identity, operation, slot) if value is not None else []
        now = next((s for s in seen if str(s.value) == str(value)), None)
        if now is not None:
            found.append((slot, now))
    return found


def _choices(
    harvest: Harvest,
    operation: Operation,
    identity: Identity,
    request: Request,
    slot: Slot,
    now: Sighting,
) -> list[str | int]:
    """Up to :data:`RETRIES` other objects ``identity`` may name in ``slot``, likeliest first.

    Ranked before the withhold rule is asked, and only until enough pass: it reads the
    whole harvest, and a catalogue may list thousands.
    """
    seen = [s for s in harvest.seen(identity, operation, slot) if str(s.value) != str(now.value)]
    ranked = sorted(seen, key=lambda s: (harvest.is_owned(s), harvest.rows.free(s.kind, s.value)))
    found: list[str | int] = []
    for sighting in ranked[: RETRIES * _LOOKS]:
        retry = request.with_param(slot.where, slot.name, sighting.value)
        if withheld(harvest, operation, identity, retry) is None:
            found.append(sighting.value)
        if len(found) == RETRIES:
            break
    return found


def _remember(harvest: Harvest, slots: list[tuple[Slot, Sighting]], request: Request) -> None:
    """Each object ``request`` names in ``slots``: a creation of this scan named it."""
    for slot, now in slots:
        value = request.value(slot.where, slot.name)
        if value is not None:
            harvest.rows.named(now.kind, value)


def _names(field: str, parents: Mapping[str, str]) -> list[str]:
    """How an answer may name ``field``: itself, and its noun (``bike_id`` → ``bike``); and
    the nouns of the parents its object sits under (``parents``, by collection): "This
    event is not on sale" refuses a ticket type of a draft event (the Nest trial's, once
    the scan made events of its own, drafts, and ticket types under them)."""
    nouns = [w for w in words(field) if w not in _ID_WORDS and len(w) > 2]
    above = [singular(w) for c in parents for w in words(c) if len(w) > 2]
    return [field.lower(), *nouns, *above]
