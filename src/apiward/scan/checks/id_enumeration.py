"""``id_enumeration`` (API1): integer ids are sequential and others' objects answer to counting.

For a read (GET/HEAD) of a secured operation taking an integer id in its path or query
(the schema says ``integer``, or the id the identity owns is a decimal number), one
identity asks for a bounded window of neighbours of an id it **owns** (harvested: seen
by it, by no peer, not anonymously): ``id±1 … id±WINDOW``, at most ``MAX_PROBES``
requests, skipping every value the identity itself was seen with or (the ledger says)
created meanwhile through another check.

A neighbour counts as a *foreign object* when the answer is 2xx with data, differs from
the identity's own answer (``ctx.legit``) — an API that ignores the id is not flagged —
and is not like the answer for a far-away id that does not exist (an API that says
"not found" with 200 is not flagged). The first foreign object is then requested
anonymously: when that works too, the data is public, not someone else's, and nothing
is reported; and by a peer of the same role: when the peer is refused it (403, or the
missing id's answer), the API scopes it to the caller — its own object, one the harvest
never listed — and counting goes on. Medium, confirmed; high when the foreign object carries personal data
(keys such as email, phone, name, address, birth date, ssn).

The identity that counts is the first that owns an integer id, passing over one that is
the only identity of its role when that role ranks above another identity's (the only
admin, the only teacher: ``_privilege.ranks``): its role reads others' objects by design,
and with no peer nothing tells that from a flaw. A user alone in its role still counts.

Nor an object of the caller's own tenant that the contract gives to the tenant
(``checks._tenants``: ``company_id: 1`` in its ``GET /me`` and in the object, "Staff of
the owning company"): the Rails trial's colleague's job draft.

Deliberately not flagged: neighbours refused (403/404) like a missing id, ids that
are not integers (UUIDs cannot be counted), writes (``bola`` tries those with ids
harvested for real), public catalogues readable without credentials, and reads the
contract calls public ("A user's public profile", as ``bola`` skips them).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks import _owners as whose
from apiward.scan.checks import _tenants as tenants
from apiward.scan.checks._privilege import ranks
from apiward.scan.context import Context
from apiward.scan.diff import SAME, meaningful, similarity
from apiward.scan.envelope import objects, unwrap
from apiward.scan.flows import says_public, says_some_public
from apiward.scan.harvest import Sighting, Slot
from apiward.scan.identities import Identity
from apiward.scan.request import READS, Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation, json_types

WINDOW = 4
"""Neighbours tried on each side of the owned id: a table's ids are dense, so objects made
around the same time by other users sit a few numbers away (the identity's own are skipped)."""
MAX_PROBES = 8
"""Requests per operation, at most (the control for a missing id not included): twenty cost
the fixed bank forty requests for neighbours refused like missing ones."""
_PEERS = 2
"""Peers asked for a foreign object before it counts as a stranger's (``_only_mine``)."""
FAR = 7_340_033
"""Added to the owned id for the 'id that does not exist' control."""
_PERSONAL = re.compile(
    r"e-?mail|phone|mobile|(^|_)(first|last|full|given|family|user)?_?name$|address|street|"
    r"birth|dob|ssn|social|passport|iban|national",
    re.IGNORECASE,
)


class IdEnumeration:
    """Others' objects reached by counting sequential integer ids."""

    id = "id_enumeration"
    title = "Sequential ids let a caller reach others' objects by counting"
    owasp = "API1:2023"
    cwe = "CWE-639"
    safe = True  # GETs only
    remediation = (
        "Check on every read that the object belongs to the caller, in the data query "
        "itself; answer 404 for others' objects exactly as for missing ones. Prefer random, "
        "unguessable ids (UUIDv4) so that ids cannot be counted."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Count around an owned integer id in each integer id slot of ``operation``."""
        if operation.method not in READS or operation.is_public:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="only secured reads")
            return
        if says_public(operation, ctx.api) and not says_some_public(operation, ctx.api):
            # "A user's public profile": counting through profiles is what they are for (the
            # Sanic trial's, a false high in every mode).
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="the contract calls it public")
            return
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        tested = False
        for slot in ctx.harvest.slots(operation):
            if slot.where.value not in ("path", "query"):
                continue
            for identity in ctx.identities:
                if await _by_design(ctx, identity):
                    continue
                owned = [s for s in ctx.harvest.owned(identity, operation, slot) if _integer(s)]
                if not owned or not _integer_slot(slot, owned[0]):
                    continue
                tested = True
                found = await self._count(ctx, operation, slot, identity, owned[0])
                if found is not None:
                    yield found
                    return
                break
        if not tested:
            yield Skip(reason=SkipReason.NO_HARVESTED_ID, detail="no owned integer id fits")

    async def _count(
        self, ctx: Context, op: Operation, slot: Slot, who: Identity, obj: Sighting
    ) -> Outcome | None:
        legit = await ctx.legit(op, who)
        if not legit.ok or not meaningful(legit.text):
            return None
        base = ctx.baseline(op, who)
        start = int(obj.value)
        far = base.with_param(slot.where, slot.name, start + FAR)
        missing = await ctx.send(far, as_=who, note=f"control: {slot.name} far away, missing")
        mine = {str(s.value) for s in ctx.harvest.seen(who, op, slot)}
        for value in _neighbours(start, mine):
            note = f"{who.name} counts {slot.name}: {start} -> {value}"
            asked = base.with_param(slot.where, slot.name, value)
            reply = await ctx.send(asked, as_=who, note=note)
            if not _foreign(reply, legit, missing) or _made_by(ctx, who, value):
                continue
            neighbour = dataclasses.replace(obj, value=value)
            if await whose.listed_now(ctx, who, neighbour, reply.data, asked):
                continue  # another check made it meanwhile, and the caller lists it (an event)
            if _names_caller(ctx, who, reply):
                continue  # its owner field names the caller (``ownerId``): its own, unseen
            if tenants.shared_by(ctx, op, (who,), obj.kind, reply.data):
                continue  # its own tenant's, given to the tenant: a colleague's job draft
            if await _dropped(ctx, base, slot, who, reply):
                continue  # the filter was dropped: the caller's own rows, unfiltered
            anonymous = await ctx.send(
                base.with_param(slot.where, slot.name, value), as_=None, note="control: anonymous"
            )
            if anonymous.ok and similarity(anonymous.text, reply.text) >= SAME:
                return None  # readable by anyone: public data, not someone else's
            if await _only_mine(ctx, op, slot, who, value, missing):
                continue  # a peer is refused it as a missing id: the caller's own, unseen
            return self._finding(ctx, op, slot, who, start, value, [legit, missing, reply])
        return None

    def _finding(
        self,
        ctx: Context,
        op: Operation,
        slot: Slot,
        who: Identity,
        start: int,
        value: int,
        evidence: list[Reply],
    ) -> Outcome:
        personal = sorted(_personal_keys(evidence[-1].data))
        return ctx.finding(
            self,
            op,
            title=f"{slot.name} is sequential: {who.name} reads others' objects by counting",
            severity=Severity.HIGH if personal else Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{who.name} owns {slot.name}={start}. Asking for {slot.name}={value}, an id it "
                f"was never seen with, returned {evidence[-1].status} with an object unlike its "
                f"own answer and unlike the answer for a missing id ({evidence[1].status}): ids "
                "are sequential and foreign objects are reachable by counting"
                + (f", personal data included ({', '.join(personal)})." if personal else ".")
            ),
            evidence=evidence,
            key=f"{slot.where}:{slot.name}",
        )


async def _only_mine(
    ctx: Context, op: Operation, slot: Slot, who: Identity, value: int, missing: Reply
) -> bool:
    """True when a peer of ``who`` is refused ``value`` (403, or the answer to a missing id).

    Then the API scopes the object to ``who``: its own (a task in its own project the
    harvest never listed), or its tenant's when a colleague reads it and another tenant's
    peer is refused (the Rails trial's interview note, read by both Acme recruiters and
    refused to Globex's), not a stranger's reached by counting. Two peers are asked.
    """
    peers = [i for i in ctx.identities if i != who and i.role == who.role]
    for peer in peers[:_PEERS]:
        request = ctx.baseline(op, peer).with_param(slot.where, slot.name, value)
        theirs = await ctx.send(request, as_=peer, note=f"control: {peer.name} asks {value}")
        if theirs.status in {401, 403}:
            return True
        if theirs.status == missing.status and similarity(theirs.text, missing.text) >= SAME:
            return True
    return False


async def _by_design(ctx: Context, who: Identity) -> bool:
    """True when ``who`` is the only one of its role and that role ranks above another's.

    An admin, a teacher, a support agent reads others' objects because of its role; with
    no peer to compare with, nothing tells its reach from a flaw, and an identity of a
    lower role (a user counting ids) is the one whose reach would be enumeration.
    """
    if ctx.peers(who):
        return False
    rank = await ranks(ctx)
    return any(rank[other.name] < rank[who.name] for other in ctx.identities if not other.anonymous)


def _made_by(ctx: Context, who: Identity, value: int) -> bool:
    """True when another check created object ``value`` as ``who`` meanwhile: its own."""
    return any(
        c.id == str(value)
        and c.creator.identity is not None
        and c.creator.identity.name == who.name
        for c in ctx.ledger.created
    )


def _integer(sighting: Sighting) -> bool:
    return isinstance(sighting.value, int) or str(sighting.value).isdecimal()


def _integer_slot(slot: Slot, sighting: Sighting) -> bool:
    kinds = json_types(slot.schema) if isinstance(slot.schema, dict) else frozenset()
    return "integer" in kinds or not kinds or _integer(sighting)


def _neighbours(start: int, mine: set[str]) -> Iterator[int]:
    """id+1, id-1, id+2, id-2 … skipping the identity's own ids, at most MAX_PROBES."""
    sent = 0
    for step in range(1, WINDOW + 1):
        for value in (start + step, start - step):
            if value < 0 or str(value) in mine or sent >= MAX_PROBES:
                continue
            sent += 1
            yield value


async def _dropped(ctx: Context, base: Request, slot: Slot, who: Identity, reply: Reply) -> bool:
    """True when a query filter's neighbour got the answer of no filter at all.

    ``?project_id=0`` is falsy to many a handler, which then lists every one of the
    caller's own entries: its own data, not another's (the Ninja trial's false positive).
    """
    if slot.where is not Where.QUERY:
        return False
    unfiltered = dataclasses.replace(base, query=tuple(q for q in base.query if q[0] != slot.name))
    answer = await ctx.send(unfiltered, as_=who, note=f"control: no {slot.name} at all")
    return answer.ok and similarity(answer.text, reply.text) >= SAME


def _names_caller(ctx: Context, who: Identity, reply: Reply) -> bool:
    """True when the object's owner fields hold one of ``who``'s own ids or names."""
    item = unwrap(reply.data)
    return isinstance(item, dict) and who.name in ctx.harvest.named_owners(item)


def _foreign(reply: Reply, legit: Reply, missing: Reply) -> bool:
    """2xx with data, not the identity's own answer, not the API's 'missing' answer.

    A listing with no row holds no one's data, whatever its links say: the Flask trial's
    ``GET /payments?lease_id=5`` answered an empty page whose HAL self link named lease 5,
    unlike the missing id's by that link alone, and was called another's object.
    """
    if not reply.ok or not meaningful(reply.text) or objects(reply.data) == []:
        return False
    if similarity(reply.text, legit.text) >= 0.999:
        return False
    return not (missing.ok and similarity(reply.text, missing.text) >= SAME)


def _personal_keys(data: Any) -> set[str]:
    """Keys anywhere in ``data`` that name personal data."""
    if isinstance(data, dict):
        found = {k for k, v in data.items() if _PERSONAL.search(str(k)) and v not in (None, "")}
        for v in data.values():
            found |= _personal_keys(v)
        return found
    if isinstance(data, list):
        return set().union(*(_personal_keys(v) for v in data[:20])) if data else set()
    return set()
