"""``bola`` (API1): identity B uses identity A's object ids, in path, query and body.

A query id on a collection (``GET /loans?id=7``, ``DELETE /harvests?id=7``:
``scan._objects.query_key``) is an object's id like a path id: B's own answer to compare
with names B's own object there, where its baseline lists. A read's query slot is tried
alone, without the other optional id filters the baselines fill (``checks._naming``).

Pairs are *peers* (identities with the same role): staff reading customers' data is
usually intended, a customer reading another customer's is not. The ids come from
harvesting, and only ids A **owns** are used (A created it or it is A's own id, or
A saw it and no peer of A nor an anonymous request did), so shared or public objects
are never mistaken for someone's — nor what A created in a collection every identity
lists alike (``Harvest.shared``: a catalogue any member adds to). An object A created
that an anonymous request also saw listed is attacked too, but a read is not reported
when the same request without credentials gets the owner's answer (its listing may be
public while the object is not).

* **Reads** (GET/HEAD): B's request with A's id is vulnerable when it gets a 2xx whose
  body is like A's own answer for that id (similarity ≥ ``SAME``) and more like A's than
  B's own answer, while B's own answer differs from A's (the data depends on the id).
  Confirmed when the leaves that tell A's answer from B's are in B's attacked answer.
  Not reported when B already sees the object in a listing B may read
  (``scan.listed``: one with no path id, or nested under a parent B owns or sees in its
  own listings) and the answer holds nothing that listing did not show: bob reading
  alice's comment on a public recipe whose comments he lists; nor when the answer is a
  list whose every row such a listing shows B (``?author_id=`` over published recipes),
  or B's listing read without the filter (``checks._unfiltered``: school-wide news).
  Objects B never saw listed are tried first, for reads and writes alike; a read goes
  to the first of ``READ_TRIES`` objects whose answer to A holds something (a task's
  comments, not an empty list).
  A read the contract calls public (``scan.flows.says_public``: "Public profile of a user"
  in its summary, description, tags, 200 answer or schema) is not tested: that is its purpose.
  A read whose owner's and attacker's answers both hold only public profile fields
  (``scan.fields.is_profile``: ``username``, ``avatarUrl``, ``bio``; flat, no sensitive
  value) is *medium*, not high, unless the contract calls it not public or private: a
  public profile is the common design, a missing word the likelier fault, as it says.
* **Writes** (not under ``--safe``): B's legitimate write must succeed (else a skip:
  nothing tells a refusal from a failure) and the same write naming an id that does not
  exist must fail (the API resolves the id); B's write naming A's id then succeeding is
  the finding. A DELETE removes only what the scan made: B's legitimate one goes to a
  spare B makes and the attack to an object A makes for it, and A reading that object
  afterwards (its GET, or its listing) must show it gone; with no read in the contract,
  the control is B's spare deleted again, unless an object the scan made since holds that
  id (``max + 1``). A read by query id shows it gone by a 404, or a 2xx without it
  (``{"ok": false, "error": "not found"}``). Fields that name a destination (``to_…``,
  ``recipient``, ``payee``…) are skipped: pointing at others' objects is what they are
  for; so are a person named in a creation under an object and a secret link's token
  (``checks._purposes``), and a creation's body reference to an object the attacker lists
  itself (a room it books: ``_owners.ordered``). On a nested path (``/orders/{o}/lines/{l}``) a PUT,
  PATCH or POST names every path id of the object the owner's own legitimate write
  succeeded on, so the order and the line belong together; refused there, a write or
  DELETE goes again under the attacker's own parents, as reads do (``checks._parents``:
  another tenant's venue under one's own organisation). A pair whose attacker has no
  legitimate write of its own to send there (``scan.withhold``: an instructor's write on a
  student's enrollment) is passed over for the next; withheld for all, it is not tested.
* **One tenant** (``checks._tenants``): owner and attacker whose own records name one
  organisation (``company_id: 1``), on an object of it the contract gives to that tenant
  ("Any recruiter of the owning company") or that both see such objects listed: low and
  tentative, and the other pairs are still tried (another tenant's peer may get it too).
* **One-way actions** (``scan.one_way``: ``POST /expenses/{ref}/approve``), under ``--safe``
  too when the contract can delete what they go to: never on a harvested object (but
  under ``--aggressive``, as any write). B's legitimate action goes to an object B makes
  and must succeed; then A makes another, B takes the action on it, and A's read before
  and after shows a field moved (``status: submitted → approved``): high, confirmed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan import fields, required_only
from apiward.scan._objects import Reader, creates, reader
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks import _absent as absent
from apiward.scan.checks import _naming as reads
from apiward.scan.checks import _owners as whose
from apiward.scan.checks import _parents as parents
from apiward.scan.checks import _peer_actions as peer_actions
from apiward.scan.checks import _privilege as privilege
from apiward.scan.checks import _purposes as purposes
from apiward.scan.checks import _tenants as tenants
from apiward.scan.checks import _unfiltered as unfiltered
from apiward.scan.checks.exposure import declared_part
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.diff import SAME, carries, distinctive, meaningful, similarity
from apiward.scan.envelope import objects, unwrap
from apiward.scan.flows import is_public_flow, says_not_public, says_public, says_some_public
from apiward.scan.harvest import Sighting, Slot
from apiward.scan.identities import Identity
from apiward.scan.missing import missing as no_such
from apiward.scan.one_way import one_way, untried
from apiward.scan.openness import declared_public
from apiward.scan.privacy import profile_fields, public_by, unreleased
from apiward.scan.request import READS, Request, Where
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation

_GONE = frozenset({403, 404, 410})
"""What an owner's read of its own object answers once it is gone (403: APIs that hide absence)."""


class Bola:
    """Peers reading or changing each other's objects by id."""

    id = "bola"
    title = "Broken object level authorization"
    owasp = "API1:2023"
    cwe = "CWE-639"
    safe = True  # reads only under --safe; writes are skipped there per operation
    remediation = (
        "Check on every access that the object belongs to the caller (or that the caller's "
        "role may see it), in the data query itself (WHERE owner = :caller); answer 404 "
        "for objects the caller may not see, exactly as for objects that do not exist."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Try every peer's owned ids in every id slot of ``operation``."""
        read = operation.method in READS
        slots = ctx.harvest.slots(operation)
        reason = _precondition(ctx, operation, slots, read)
        if reason is not None:
            yield reason
            return
        if not read and not ctx.ledger.aggressive and one_way(ctx.api, operation):
            most = (whose.MOST_OWNERS, whose.MOST_ATTACKERS)
            async for outcome in peer_actions.probe(ctx, self, operation, most):
                yield outcome
            return
        tested = refused = False
        held: Withheld | Destructive | None = None
        for slot in slots:
            pairs = list(whose.pairs(ctx, operation, slot))
            why = _purpose(ctx, operation, slot, pairs[0][2][0].value if pairs else None)
            if why:
                yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=f"{slot.name} {why}")
                continue
            colleague: Finding | None = None  # a tenant's object: another pair may reach further
            referred = slot.where is Where.BODY and creates(ctx.api, operation)
            referred = referred or parents.above(ctx.api, operation, slot)
            for owner, attacker, owned in pairs:
                owned = whose.ordered(ctx, attacker, owned, referred=referred)
                if not owned:
                    continue
                try:
                    if read:
                        finding = await self._read(ctx, operation, slot, owner, attacker, owned)
                    elif not (await ctx.legit(operation, attacker)).ok:
                        refused = True  # its own write fails: nothing to tell a refusal by
                        continue
                    else:
                        finding = await self._write(ctx, operation, slot, owner, attacker, owned[0])
                        shared = parents.beside(ctx, operation, slot, attacker, owned)
                        if finding is None and shared is not None:
                            pair = (owner, attacker)
                            finding = await self._write(ctx, operation, slot, *pair, shared, True)
                except (Withheld, Destructive) as withheld:
                    # This attacker has no write of its own here (or no spare of its own to
                    # delete: a member at her quota): the next may.
                    held = withheld
                    continue
                tested = True
                if finding is not None and finding.severity is Severity.LOW:
                    colleague = colleague or finding
                elif finding is not None:
                    yield finding
                    colleague = None
                    break
            if colleague is not None:
                yield colleague
        if not tested and held is not None:
            raise held
        if not tested and refused:  # listed as skipped, not as run (the Fastify trial's PATCH)
            yield Skip(reason=SkipReason.NO_ACCESS, detail=ctx.legit_answers(operation))
        elif not tested:
            yield Skip(reason=SkipReason.NO_HARVESTED_ID, detail="no id owned by one peer fits")

    async def _read(
        self,
        ctx: Context,
        op: Operation,
        slot: Slot,
        owner: Identity,
        attacker: Identity,
        owned: list[Sighting],
    ) -> Finding | None:
        # The first of a few of the owner's objects whose read holds something: a task
        # with no comments says nothing of whose comments they are (the Nest trial's).
        for obj in owned[: whose.READ_TRIES]:
            mine = reads.naming(ctx, op, slot, obj, reads.baseline(ctx, op, slot, owner))
            owners = await ctx.send(mine, as_=owner, note=f"{owner.name} reads its own object")
            if owners.ok and meaningful(owners.text) and objects(owners.data) != []:
                break
        else:
            return None  # refused, or nothing of the owner's to see (an empty page)
        theirs = await reads.own_read(ctx, op, slot, attacker)
        base = reads.baseline(ctx, op, slot, attacker)
        attack_request = reads.naming(ctx, op, slot, obj, base)
        note = f"{attacker.name} asks for {owner.name}'s {slot.name}={obj.value}"
        attack = await ctx.send(attack_request, as_=attacker, note=note)
        own_parents = base.with_param(slot.where, slot.name, obj.value)
        if not attack.ok and own_parents.target != attack_request.target:
            # Refused under the owner's parents (another tenant's workspace): the object
            # under the attacker's own, where many APIs check the parent and not the child.
            attack_request = own_parents
            attack = await ctx.send(attack_request, as_=attacker, note=f"{note}, under its own")
        if not attack.ok or whose.party(ctx, attacker, attack.data):
            return None  # refused, or it names the attacker: a message it sent the owner
        like_owner = similarity(attack.text, owners.text)
        # Its own read may name the very object: an attacker with none of its own there
        # has a baseline filled with what others' answers showed (the Rails trial's hilda).
        own = theirs.ok and theirs.sent.target != attack_request.target
        like_self = similarity(attack.text, theirs.text) if own else 0.0
        if like_owner < SAME or like_owner <= like_self:
            return None
        if own and similarity(owners.text, theirs.text) >= SAME:
            return None  # the answer does not depend on whose id it is
        # Fields the contract does not declare are excessive_data's: not what tells the read
        # from a listing the attacker may read (the aiohttp trial's clinician directory).
        shown = declared_part(ctx.api, op, attack) or attack.data
        if whose.listed(ctx, attacker, obj, shown, mine):
            return None  # all of it is in a listing the attacker may read: it sees it by design
        if await whose.listed_now(ctx, attacker, obj, shown, mine):
            return None  # made after the harvest, and the attacker's listing shows it now
        if ctx.harvest.lists.lists_all(attacker.name, attack.data):
            return None  # a filter over rows the attacker's own listings show it anyway
        if await unfiltered.shows_all(ctx, op, slot, attacker, attack):
            return None  # the same, read now: its listing without the filter shows them all
        shown_owner = unwrap(owners.data)
        if public_by(shown_owner) or (
            not unreleased(shown_owner)
            and await parents.public_parent(ctx, op, mine, owner, owners.data)
        ):
            return None  # it, or a parent, says anyone may see it (visibility: public)
        if (
            not unreleased(shown_owner)
            and _open(ctx, op, obj)
            and await _anyone_reads(ctx, attack_request, owners)
        ):
            return None  # public: anyone may read it (an event its organiser made just now)
        if await _lower_reads(ctx, attack_request, owners, (attacker, obj)):
            return None  # a role below the attacker's lists and reads it too: no peer's secret
        telling = distinctive(owners.text, theirs.text if own else "")
        confirmed = carries(attack.text, telling) >= SAME
        evidence = [owners, theirs, attack] if own else [owners, attack]
        finding = self._finding(ctx, op, slot, owner, attacker, obj, evidence, confirmed, "reads")
        finding = tenants.graded(ctx, op, finding, (owner, attacker), (obj.kind, owners.data))
        fields = profile_fields(owners, attack)
        if not fields or says_not_public(op, ctx.api):
            return finding
        detail = (
            f"{finding.detail} Its answer holds only fields a public profile shows "
            f"({', '.join(fields)}): if anyone may read profiles, say so in the contract "
            '(a 200 answer described as "Public profile") and this is no flaw.'
        )
        return dataclasses.replace(finding, severity=Severity.MEDIUM, detail=detail)

    async def _write(
        self,
        ctx: Context,
        op: Operation,
        slot: Slot,
        owner: Identity,
        attacker: Identity,
        obj: Sighting,
        placed: bool = False,
    ) -> Finding | None:
        """``placed``: ``obj`` goes under the parents it was seen under (``parents.beside``)."""
        theirs = await ctx.legit(op, attacker)
        if not theirs.ok:
            return None
        # Not a privilege field its own write left out: refused for the role, not the object.
        base = required_only.unprivileged(ctx.synthesizer, op, ctx.baseline(op, attacker))
        if op.method == "DELETE":
            return await self._delete(ctx, op, slot, owner, attacker, obj, base, theirs)
        missing = base.with_param(slot.where, slot.name, no_such(obj.value, slot.schema))
        note = f"control: {slot.name} that does not exist"
        itself = op.path.rstrip("/").endswith("{" + slot.name + "}")
        control = await absent.control(ctx, missing, attacker, note, itself=itself)
        if control.ok:
            return None  # the API does not resolve this id: nothing to learn from it
        if placed:
            base = ctx.harvest.lists.place(base, op, slot.name, obj.kind, obj.value)
        else:
            obj, base = await parents.under_owners(ctx, op, slot, owner, obj, base)
        note = f"{attacker.name} acts on {owner.name}'s {slot.name}={obj.value}"
        # Not a field the owner's object holds null: many APIs never take a null back.
        aimed = ctx.harvest.rows.spare(
            op, slot, base.with_param(slot.where, slot.name, obj.value), obj
        )
        if slot.where is Where.PATH and aimed.target == theirs.sent.target:
            return None  # the attacker's own legitimate write went there: the owner's shared it
        if await parents.another_object(ctx, op, slot, (owner, attacker), obj, aimed):
            return None  # ids numbered per parent: under the attacker's parents it is another
        if op.method == "POST" and await parents.public_parent(ctx, op, aimed, owner):
            return None  # a child added under what its owner made public (an issue, a comment)
        pair = (owner, attacker)
        attack = await parents.attack(ctx, op, slot, pair, obj, (aimed, theirs.sent), note)
        if attack is None or (
            slot.where is Where.PATH and whose.names_attacker(ctx, attacker, attack)
        ):
            return None  # the object written names the attacker its maker (not what it made)
        confirmed = str(obj.value) in attack.text
        evidence = [theirs, control, attack]
        found = self._finding(ctx, op, slot, owner, attacker, obj, evidence, confirmed, "changes")
        found = parents.noted(found, aimed, attack)
        # The object named, not what the write made of it: a lease made on another's unit.
        row = ctx.harvest.rows.row(obj.kind, obj.value)
        state = (row if slot.where is Where.BODY else None) or attack.data or row
        return tenants.graded(ctx, op, found, (owner, attacker), (obj.kind, state))

    async def _delete(
        self,
        ctx: Context,
        op: Operation,
        slot: Slot,
        owner: Identity,
        attacker: Identity,
        obj: Sighting,
        base: Request,
        theirs: Reply,
    ) -> Finding | None:
        """B deleting an object A made for it, proven by A's read afterwards when there is one.

        The owner reading its object back is the oracle: an API that answers 2xx to any
        DELETE and removes nothing shows the object still there. Without a read, the control
        is B's own spare deleted again, unless the scan has since made another object with
        that id (an API that hands out ``max + 1`` gives a deleted id to the next object).
        """
        obj, base = await parents.spare(ctx, op, slot, owner, obj, base)
        aimed = base.with_param(slot.where, slot.name, obj.value)
        if not ctx.ledger.holds(aimed):
            # Only an object the scan made there and still holds: the owner could not make
            # one, and a made id elsewhere is no warrant (the Litestar trial's seeded token 2).
            return None
        read = reader(ctx.api, aimed)
        if read is not None and read.part:
            read = None
        evidence = [theirs]
        if read is None:
            spent = ctx.sent(op, attacker)
            if spent is None or ctx.ledger.holds(spent):
                return None  # no way to tell a refusal from a removal without deleting another's
            control = await ctx.send(spent, as_=attacker, note=f"control: {slot.name} gone already")
            if control.ok:
                return None  # the API does not resolve this id: nothing to learn from it
            evidence.append(control)
        elif read.pick is not None:
            before = await ctx.send(read.read, as_=owner, note=f"{owner.name}'s listing holds it")
            if not before.ok or read.show(before.data) is None:
                return None  # a listing that does not show it cannot show it gone
        state = ctx.harvest.rows.row(obj.kind, obj.value)
        if read is not None and read.pick is None:  # to tell a DELETE that only cancels
            state = (await ctx.send(read.read, as_=owner, note=f"{owner.name} reads it")).data
        note = f"{attacker.name} deletes {owner.name}'s {slot.name}={obj.value}"
        recorded = ctx.ledger.recorded
        pair = (owner, attacker)
        attack = await parents.attack(ctx, op, slot, pair, obj, (aimed, theirs.sent), note)
        if attack is None:
            return None
        evidence.append(attack)
        marked = ""  # no read: the control above told a refusal from a removal
        if read is not None:
            after = await ctx.send(read.read, as_=owner, note=f"is {slot.name}={obj.value} gone?")
            marked = fields.ended(unwrap(state), unwrap(after.data)) if after.ok else ""
            if not (_gone(read, after) or marked):
                return None  # still there: the API answered 2xx and removed nothing
            if not marked:
                ctx.ledger.gone(aimed, recorded)
            evidence.append(after)
        verb = "cancels" if marked else "deletes"  # a DELETE that only marks it done away with
        found = self._finding(
            ctx, op, slot, owner, attacker, obj, evidence, True, verb, marked, attack
        )
        found = parents.noted(found, aimed, attack)
        return tenants.graded(ctx, op, found, (owner, attacker), (obj.kind, state))

    def _finding(
        self,
        ctx: Context,
        op: Operation,
        slot: Slot,
        owner: Identity,
        attacker: Identity,
        obj: Sighting,
        evidence: list[Reply],
        confirmed: bool,
        verb: str,
        shown: str = "",
        proof: Reply | None = None,
    ) -> Finding:
        return ctx.finding(
            self,
            op,
            title=f"{attacker.name} {verb} {owner.name}'s object through {slot.where} {slot.name}",
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED if confirmed else Confidence.FIRM,
            detail=(
                f"{slot.name}={obj.value} belongs to {owner.name} (seen in {obj.producer} by "
                f"{owner.name} only). {attacker.name}, a peer with role "
                f"{attacker.role or '(none)'}, sent it in the {slot.where} and got "
                f"{_outcome(verb, evidence, shown)}"
            ),
            evidence=evidence,
            key=f"{slot.where}:{slot.name}",
            proof=proof,  # the DELETE, not the owner's read after it
        )


def _outcome(verb: str, evidence: list[Reply], shown: str = "") -> str:
    """How the attack went, for a finding's detail: its status and what shows it worked
    (``shown``: the state a DELETE that only marks moved, ``status: confirmed → cancelled``)."""
    if verb == "reads":
        return f"{evidence[-1].status} with the owner's data."
    if verb == "changes":
        control = "the same request with an id that does not exist was refused."
        return f"{evidence[-1].status}, while {control}"
    attack, after = evidence[-2:]
    if after.sent.method == "DELETE":
        return f"{after.status}, while deleting its own spare again was refused."
    if shown:
        return f"{attack.status}; the owner's read afterwards shows {shown}."
    return f"{attack.status}; the owner's read afterwards shows it gone ({after.status})."


def _gone(read: Reader, after: Reply) -> bool:
    """True when the owner's read after the attack shows its object removed."""
    if read.pick is not None:  # a listing, or a read by query id (a 404, a 200 "not found")
        return (after.ok and read.show(after.data) is None) or read.missing(after)
    return after.status in _GONE


def _precondition(
    ctx: Context, operation: Operation, slots: tuple[Slot, ...], read: bool
) -> Skip | None:
    if not ctx.identities:
        return Skip(reason=SkipReason.NO_IDENTITIES)
    if not slots:
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail="the operation takes no object id")
    if not read and not ctx.ledger.aggressive and one_way(ctx.api, operation):
        why = untried(ctx.api, operation, safe=ctx.safe)
        if why is not None:
            reason = SkipReason.UNSAFE if ctx.safe else SkipReason.NOT_APPLICABLE
            return Skip(reason=reason, detail=why)
    elif not read and ctx.safe:
        return Skip(reason=SkipReason.UNSAFE, detail=f"{operation.method} on another's object")
    if not any(ctx.peers(i) for i in ctx.identities):
        return Skip(reason=SkipReason.NO_PEER)
    if is_public_flow(operation, ctx.logins, ctx.sessions.openness.public):
        why = "a public flow (login, sign-up, password reset) takes others' names by design"
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
    if read and says_public(operation, ctx.api) and not says_some_public(operation, ctx.api):
        why = "readable by anyone by design: the contract calls this read public"
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
    return None


def _purpose(ctx: Context, op: Operation, slot: Slot, value: object) -> str:
    """What ``slot`` is for when naming another's object there is its purpose, else ""."""
    if op.method not in READS and purposes.destination(slot):
        return "names a destination"
    if purposes.grantee(ctx.api, op, slot):
        return "names whom the new object is for (a share, a member)"
    if op.method in READS and value is not None and purposes.capability(slot, value):
        return "is an unguessable secret link: whoever holds it may read by design"
    return ""


def _open(ctx: Context, op: Operation, obj: Sighting) -> bool:
    """Whether an anonymous read may get the object: the read asks for no credential, or
    an anonymous request saw the object listed (a secured read's is refused: not asked)."""
    return declared_public(op) or ctx.harvest.public(obj)


async def _lower_reads(
    ctx: Context, request: Request, owners: Reply, seen: tuple[Identity, Sighting]
) -> bool:
    """True when the lowest identity of a role ranked below the attacker's lists the object
    in a listing it may read and gets the owner's answer too: what a lower role may read is
    no escalation for a peer (the aiohttp trial's clinician profiles, a directory patients
    read too, had been a high finding between clinicians). Listed, not merely readable: a
    viewer of another tenant reading the object through the same flaw is no entitlement.
    """
    attacker, obj = seen
    rank = await privilege.ranks(ctx)
    lower = [i for i in ctx.identities if rank[i.name] < rank[attacker.name]]
    lowest = min(lower, key=lambda i: rank[i.name], default=None)
    if lowest is None or not ctx.harvest.lists.has(lowest.name, obj.kind, obj.value):
        return False
    reply = await ctx.send(request, as_=lowest, note=f"control: the same object, as {lowest.name}")
    return reply.ok and similarity(reply.text, owners.text) >= SAME


async def _anyone_reads(ctx: Context, request: Request, owners: Reply) -> bool:
    """True when ``request`` sent with no credential gets the owner's answer too."""
    reply = await ctx.send(request, as_=None, note="control: the same object, anonymously")
    return reply.ok and similarity(reply.text, owners.text) >= SAME
