"""The harvest phase: run the producers and let ``Harvest`` learn from their answers.

0. Each identity's own ids (``Sessions.own_ids``: its login answer, its token's claims)
   are recorded as its own (``Harvest.record_own``).
1. Listings without id slots, per identity and once anonymously (concurrently).
2. Listings that take ids (filled with each identity's own), per identity. After each
   round, a field every row of an identity's own listing holds its own id in (an
   enrollment's ``student_id``) is recorded as that id under another name (``_aliases``),
   and a listing filter such a field answers to (``?grower=`` for ``grower: alma``) takes
   it (``scan.filters``).
3. Creations, one at a time and per identity, only where ``scan.withhold`` lets the
   identity write (never naming another's object); those under a parent
   (``POST /reports/{slug}/comments``) after the others, and under a parent the scan
   made when the identity made one (``Ledger.aim``), so that they add nothing to a
   record the scan did not create. What was created is learnt from the
   answer (an object in any envelope, or ``Location``); never one that pays someone
   unknown (a ``to`` or ``payee`` beside a number). One refused for an object it names
   (409: the bike is out, the listing is the caller's own) is sent again naming
   others (``scan.references``); one refused for its body, with fewer of its optional
   fields (``scan.required_only``). When the answer names nothing
   (``{"message": "created"}``, 204), from the collection's listing read just before
   and just after. One at a time, so another identity's creation never shows up in
   the difference. Once an operation's answer named what it made, the next identities'
   creations there get no listing read before them: the operation answers alike.
4. Nested listings (``GET /orders/{id}/lines``), per identity, under the parents it may
   use (``scan.nested``): its own objects and those it saw in its own listings, in up to
   ``NESTED_ROUNDS`` rounds: a listing whose parents only another nested listing shows
   (a project's tasks, listed under a workspace) gets them in the next round, whatever
   order the contract gives the two. Each read is sent once. Their
   rows, and those of the listings of step 1, are what each identity sees by design
   (``scan.listed``) — but for a listing the contract marks as a higher role's
   (``above``: "Admin only.", ``/admin/``): what a student sees there may be the leak
   ``bfla`` reports, so it is sent from but never makes an object shared or not its owner's.

Never an operation out of scope or destructive (``scan.scope``, ``scan.destructive``):
a "listing" may wipe a database.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from apiward.core.errors import TargetError
from apiward.scan import choices, duplicates, pages, references, required_only
from apiward.scan._objects import creates
from apiward.scan.checks._privilege import marking
from apiward.scan.destructive import destructive
from apiward.scan.fields import is_recipient
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity, login_keys
from apiward.scan.ledger import Ledger
from apiward.scan.nested import is_nested_listing, nested_requests
from apiward.scan.own_state import is_own_read
from apiward.scan.producers import is_listing, listing_of
from apiward.scan.request import Request, Where
from apiward.scan.resources import singular, words
from apiward.scan.scope import Scope
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld, withheld
from apiward.spec import Api, Operation

_PEOPLE = frozenset({"user", "member", "customer", "person", "account", "profile"})
"""Resources an identity's own id may name under another field (``user_id``)."""

if TYPE_CHECKING:
    from apiward.scan.runner import Progress

NESTED_ROUNDS = 3
"""Sweeps over the nested listings: a chain of three levels is read in any contract order."""


async def run_producers(
    api: Api, ledger: Ledger, harvest: Harvest, progress: Progress, *, scope: Scope | None = None
) -> None:
    """Own ids from the logins, listings (per identity, then anonymously), then creations.

    Every request goes through ``ledger``, so that what the creations make is undone.
    """
    sessions = ledger.sessions
    for identity in sessions.identities:
        for field, value in sessions.own_ids(identity):
            harvest.record_own(identity, field, value)
    logins = login_keys(sessions.identities)
    scope = scope or Scope()
    sendable = [op for op in api.operations if not destructive(op) and not scope.why_out(op)]
    listings = [op for op in sendable if is_listing(op) and op.key not in logins]
    # Parents first: a creation under a parent then finds one the scan made.
    creations = sorted((op for op in sendable if creates(api, op, logins)), key=_depth)
    first = [op for op in listings if not harvest.filled(op)]  # no id to wait for
    second = [op for op in listings if op not in first]
    nested = sorted((op for op in sendable if is_nested_listing(api, op)), key=_depth)
    people = list(sessions.identities)
    who: list[Identity | None] = [*people, None]
    later = len(second) + len(creations) + len(nested)
    progress.phase("harvest", len(first) * len(who) + later * len(people))
    for ops, senders in ((first, who), (second, people)):
        await asyncio.gather(
            *(_list(ledger, harvest, op, identity, progress) for op in ops for identity in senders)
        )
        _aliases(harvest, people)
        harvest.filters.learn(harvest, people)
    for op in creations:
        listing = listing_of(op, api)
        named = False  # the operation's answer named what it made: no listing to read around it
        for identity in people:
            sent = listing if listing in sendable and not named else None
            named = await _create(ledger, harvest, op, identity, sent) or named
            progress.advance(op.key)
    # After the creations: what the scan made under a parent shows there.
    listed: set[tuple[str, str]] = set()
    for round_ in range(NESTED_ROUNDS):
        known = len(listed)
        for op in nested:
            await asyncio.gather(*(_list_nested(ledger, harvest, op, i, listed) for i in people))
            for _ in people if round_ == 0 else ():
                progress.advance(op.key)
        if len(listed) == known:
            break


async def _list(
    ledger: Ledger,
    harvest: Harvest,
    op: Operation,
    identity: Identity | None,
    progress: Progress,
) -> None:
    reply = await _send(ledger, harvest, op, identity)
    if reply is not None:
        # Its own listing when it names no object (a ``?student_id=`` left out): rows it may see.
        named = any(reply.sent.value(s.where, s.name) is not None for s in harvest.slots(op))
        harvest.record(identity, op, reply, entitled=not named, beyond=above(op, identity))
        await _later_pages(ledger, harvest, op, identity, reply, entitled=not named)
        if identity is None:
            harvest.anonymous[op.key] = reply
        elif is_own_read(op):
            ledger.own_state.keep(identity, reply)  # before any creation spends from it
    progress.advance(op.key)


async def _list_nested(
    ledger: Ledger,
    harvest: Harvest,
    op: Operation,
    identity: Identity,
    listed: set[tuple[str, str]],
) -> None:
    """List ``op`` as ``identity`` under each parent it may use (``scan.nested``), each once."""
    for request in nested_requests(harvest, op, identity, ledger.created):
        if (identity.name, request.target) in listed:
            continue
        listed.add((identity.name, request.target))
        reply = await _sent(ledger, request, identity, "harvest: nested listing")
        if reply is None:
            continue
        harvest.record(identity, op, reply, entitled=True, beyond=above(op, identity))
        await _later_pages(ledger, harvest, op, identity, reply, entitled=True)


async def _later_pages(
    ledger: Ledger,
    harvest: Harvest,
    op: Operation,
    identity: Identity | None,
    reply: Reply,
    *,
    entitled: bool,
) -> None:
    """Record the pages after ``reply``'s, up to ``pages.HARVESTED`` pages in all: what an
    identity sees beyond its first page is as much its own to see (``scan.pages``)."""
    base = ledger.sessions.transport.base_url
    for _ in range(pages.HARVESTED - 1):
        request = pages.following(op, reply, base)
        if request is None:
            return
        following = await _sent(ledger, request, identity, "harvest: next page")
        if following is None:
            return
        reply = following
        harvest.record(identity, op, reply, entitled=entitled, beyond=above(op, identity))


async def _create(
    ledger: Ledger,
    harvest: Harvest,
    op: Operation,
    identity: Identity,
    listing: Operation | None,
) -> bool:
    """Create as ``identity``; True when the answer named what it made."""
    request = harvest.baseline(harvest.synthesizer.request(op), op, identity)
    request = ledger.aim(request, identity)
    if withheld(harvest, op, identity, request) is not None:
        return False  # a creation that would name someone else's object: not in harvesting
    if _pays(harvest, op, request.body):
        return False  # it moves value to someone unknown (a transfer): nothing would pay it back
    before = await _send(ledger, harvest, listing, identity) if listing else None

    async def send(retry: Request) -> Reply:
        return await ledger.send(retry, as_=identity, note="harvest: create, naming other objects")

    try:
        reply = await ledger.send(request, as_=identity, note="harvest: create")
        request, reply = await references.again(harvest, op, identity, request, reply, send)
        request, reply = await duplicates.again(harvest, op, request, reply, send)
        request, reply = await choices.again(harvest.synthesizer, op, request, reply, send)
        request, reply = await required_only.again(harvest.synthesizer, op, request, reply, send)
    except Withheld:
        return False  # the ledger could not make it undoable
    except TargetError:
        if ledger.sessions.transport.down is not None:
            raise ledger.sessions.transport.down from None
        return False
    found = harvest.record(identity, op, reply, created=True)
    named = reply.ok and any(s.kind == s.resource for s in found)
    if not reply.ok or named or listing is None or before is None:
        return named
    after = await _send(ledger, harvest, listing, identity)
    if after is not None:
        harvest.record_new(identity, listing, before, after)
    return False


def _aliases(harvest: Harvest, people: list[Identity]) -> None:
    """Record as each identity's own its id under the other names its own rows give it.

    A ``student_id`` in every enrollment a student lists is its user id: a filter taking
    ``student_id`` takes it. A field naming a resource the contract has paths for (other
    than people) only when two identities at least hold it, each its own id, no two the
    same: a ``course_id`` equal to one caller's id is a coincidence, while each student's
    own id in its submissions' ``student_id`` is not, though ``/courses/{id}/students``
    lists people under another word (the PHP trial's ``GET /submissions?student_id=``).
    """
    found = {i.name: sorted(harvest.lists.aliases(i.name, _login_ids(harvest, i))) for i in people}
    held: dict[str, list[str]] = {}
    for field, value in (pair for pairs in found.values() for pair in pairs):
        held.setdefault(field, []).append(value)
    api = harvest.synthesizer.api
    paths = {singular(s) for op in api.operations for s in op.path.split("/") if s[:1] != "{"}
    for identity in people:
        for field, value in found[identity.name]:
            kind = singular(words(field)[-2]) if len(words(field)) > 1 else ""
            each_own = len(held[field]) > 1 and len(set(held[field])) == len(held[field])
            if kind and (kind not in paths or kind in _PEOPLE or each_own):
                harvest.record_own(identity, field, int(value) if value.isdigit() else value)


def _login_ids(harvest: Harvest, identity: Identity) -> set[str]:
    """What ``identity``'s login (its answer, its token) recorded as its own."""
    return {
        str(s.value)
        for s in harvest.sightings
        if (s.identity, s.producer) == (identity.name, "login")
    }


def above(op: Operation, identity: Identity | None) -> bool:
    """True when the contract marks ``op`` as a higher role's than ``identity``'s.

    Its summary or description says so ("Admin only."), else an ``/admin/`` segment or
    an admin tag (``checks._privilege.marking``). Anonymous requests are below every role.
    """
    marked = marking(op)
    return marked is not None and marked.above(identity.role if identity else "")


def _depth(op: Operation) -> int:
    return op.path.count("{")


async def _send(
    ledger: Ledger, harvest: Harvest, op: Operation, identity: Identity | None
) -> Reply | None:
    request = harvest.synthesizer.request(op)
    if identity is not None:
        request = harvest.baseline(request, op, identity)
    return await _sent(ledger, request, identity, "harvest")


async def _sent(
    ledger: Ledger, request: Request, identity: Identity | None, note: str
) -> Reply | None:
    """The answer, or None for a request that failed while the target is still up."""
    try:
        return await ledger.send(request, as_=identity, note=note)
    except TargetError:
        if ledger.sessions.transport.down is not None:
            raise ledger.sessions.transport.down from None
    return None


def _pays(harvest: Harvest, op: Operation, body: object) -> bool:
    """A body naming a recipient beside a number, not by an id the sender is known to own.

    A recipient in an id slot (``to_account_id``) passed the withhold rule: it is the
    sender's own. One by name or e-mail (``to``, ``payee``) may be anyone.
    """
    if not isinstance(body, dict):
        return False
    numbers = [v for v in body.values() if isinstance(v, int | float) and not isinstance(v, bool)]
    slots = {s.name for s in harvest.slots(op) if s.where is Where.BODY}
    return bool(numbers) and any(is_recipient(k) and k not in slots for k in body)
