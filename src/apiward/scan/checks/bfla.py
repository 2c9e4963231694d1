"""``bfla`` (API5): a lower-role identity succeeds on an operation of a higher role.

Identities are ranked by reach (``scan.checks._privilege``); the highest-ranked that succeeds is
*high*, and each lower role in turn is *low* (the lowest first). An operation is never judged
for a low identity when an identity ranked at or below it is refused on it: the API does check
roles there, and which roles it admits is its policy. Every finding needs a privilege signal
(scopes, sibling refusals, method switching, and only as hints a documented 403 or admin-like
naming) **and** an effect, while an anonymous request is refused (even where the contract makes
credentials optional: ``checks._anonymous``):

* **Reads**: low's answer has high's shape and carries data of identities of other
  roles not ranked below low's (high, firm: a coordinator reading gardeners' plots
  oversees them); or, with a strong signal, is high's answer (medium, firm); or the
  contract marks the operation as a privileged role's (``_privilege.marking``: "Admin
  only" in its description, an ``/admin/`` segment, an ``admin`` tag), the lowest
  identity's role (any lower one's, when a sentence says it) ranks below that role, and its
  answer is high's (not one that differs per caller, nor a ``/me`` read, nor an empty
  one): medium, firm when said in a sentence or backed by another hint, else tentative. No
  read that two identities of one role answer differently (per caller or tenant; on a marked
  read, of one organisation: low is compared with its own's, ``_tenants.of_tenant``), and no
  object low sees listed by another read counts as others' data (``checks._read_scope``).
* **Creations a sentence gives to a higher role** ("Managers only."): low's own
  legitimate creation makes an object, high's too, an anonymous one is refused (medium,
  firm; ``scan.checks._marked_creations``).
* **Writes on low's record** (not under ``--safe``): low changes a privilege field of
  the record (a role, a limit: ``scan.fields.is_privileged``), or with a strong signal
  any field, through the operation, a reader shows the new value (high, confirmed); the
  old value is restored. On an object that is low's own (its id is low's in the
  harvest, the object names low, or a ``/me`` read shows it) any field needs role
  evidence (``Signals.roles``), and none is tried where the words give the operation to its
  object's owner ("Workspace owners only."): a documented 403 there is mostly the owner
  check, and an owner changing its own record's fields is what the operation is for. The
  write changes one field, every other as the record holds it (none it does not show),
  never a flag that lets the account in (``is_active``), and one taken in but not shown is
  put back all the same.
* **Actions** (a body-less POST on an item: approve, publish) on an object low makes
  for the probe, with role evidence or as a decision the higher identity takes on
  low's objects too (``scan.checks._actions``). A one-way action (``scan.one_way``)
  is tried that way only, never on an object the scan did not make (but under
  ``--aggressive``); under ``--safe`` too, when the contract can delete the object made
  for it (else a skip says why).
* **Writes on a harmless target** (not under ``--safe``): an id that does not exist. Low gets
  high's very answer (the lookup, not a refusal) while a lower-privileged check would have
  stopped it: medium/firm with a strong signal, low/tentative with hints only. Nothing real is
  deleted or changed. A "not found" answer to high (404, 410, or a body saying so) ends it:
  nothing was there to compare (many handlers look the object up before they check who asks).
* **Deletes under** ``--aggressive``: a real item high and low read alike, not low's
  own, that low deletes and high's read then misses (high, confirmed;
  ``scan.checks._shared_delete``). The only proof for a DELETE on seeded items.
* **Accounts** (not under ``--safe``), no signal needed: a lower identity's
  ``DELETE`` of one account in a collection of people takes away an account the scan
  signed up, as the highest identity's does (``scan.checks._account_delete``).
* **Shared items** (not under ``--safe``), no signal needed: on an item a higher identity made
  and a lower one reads (a public menu's dish), the lower identity's write or delete takes
  effect, as the creator's read shows. The item is one the scan created
  (``scan.checks._catalogue``). High, confirmed when low is refused creating there, the item is
  public, or with role evidence; low, tentative when low may create there too (a team's shared
  records: ``scan.checks._collaborators``). **Creation**: the lower identity adds an item to
  such a catalogue (one whose items name no owner), the creator's read shows it, and it is
  deleted again (as its maker, else the creator); without a DELETE for the items, only under
  ``--aggressive``. Every role fills many a shared catalogue: a creation is high only with role
  evidence, medium with others, else low.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks import _absent as absent
from apiward.scan.checks import _account_delete as account_delete
from apiward.scan.checks import _actions as actions
from apiward.scan.checks import _catalogue as catalogue
from apiward.scan.checks import _collaborators as collaborators
from apiward.scan.checks import _marked_creations as marked_creations
from apiward.scan.checks import _privilege as privilege
from apiward.scan.checks import _shared_delete as shared_delete
from apiward.scan.checks._anonymous import optional
from apiward.scan.checks._answers import not_found
from apiward.scan.checks._privilege import REFUSED, Signals, granted, marking, ranks, signals
from apiward.scan.checks._read_scope import alike, others_data, per_caller, read_now, same_read
from apiward.scan.checks._readback import (
    Seen,
    changed_value,
    changes,
    lock,
    object_schema,
    read_back,
    same_value,
    send_as,
)
from apiward.scan.checks._tenants import of_tenant
from apiward.scan.context import Context
from apiward.scan.diff import SAME, leaves, meaningful, similarity
from apiward.scan.fields import gates_account, is_privileged
from apiward.scan.identities import Identity
from apiward.scan.missing import missing
from apiward.scan.one_way import one_way, untried
from apiward.scan.request import READS, Request, Where
from apiward.scan.resources import names_caller
from apiward.scan.transport import Reply
from apiward.spec import Operation

MAX_FIELDS = 4
_UNCOMPARED = REFUSED | {400, 422}
_EMPTY = frozenset({"null", "0", "false", "true", '""'})
"""Leaf values that carry no data of anyone's (a count of 0, a flag)."""


class Bfla:
    """Lower roles reaching operations of higher roles."""

    id = "bfla"
    title = "Broken function level authorization"
    owasp = "API5:2023"
    cwe = "CWE-285"
    safe = True  # reads under --safe; writes are skipped there per operation
    remediation = (
        "Deny by default: give every operation an explicit list of roles (or scopes) and "
        "check it in one place before the handler runs, for every method on a path, not "
        "only for the ones the user interface shows."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Try ``operation`` as each lower role and compare with the highest that gets it."""
        skip = await _precondition(ctx, operation)
        if skip is not None:
            yield skip
            return
        rank = await ranks(ctx)
        untried = None
        if operation.method not in READS and catalogue.applies(ctx, operation):
            untried = catalogue.unremovable(ctx, operation)
            effect = await catalogue.probe(ctx, operation, rank) if untried is None else None
            if effect is not None:
                found = await signals(ctx, operation, effect.low, effect.high)
                effect, grade = await collaborators.weigh(ctx, operation, effect, found)
                yield catalogue.report(ctx, self, operation, effect, grade)
                return
        if account_delete.applies(operation):
            deleted = await account_delete.probe(ctx, operation, rank)
            if deleted is not None:
                yield self._deleted(ctx, operation, deleted)
                return
        top = max(rank.values())
        high = [i for i in ctx.identities if rank[i.name] == top]
        lows = _one_per_role(
            sorted((i for i in ctx.identities if rank[i.name] < top), key=lambda i: rank[i.name])
        )
        for low in lows:
            if granted(operation, low.role) or await _enforced(ctx, operation, low, rank):
                continue  # the contract gives it to that role, or that role is refused
            lowest = rank[low.name] == min(rank.values())
            top_of_its = of_tenant(ctx, low, high)  # its own school's admin, not another's
            finding = await self._probe(ctx, operation, low, top_of_its, lowest)
            if finding is not None:
                yield finding
                return
        if untried is not None:
            yield Skip(reason=SkipReason.UNRESTORABLE, detail=untried)

    async def _probe(
        self, ctx: Context, op: Operation, low: Identity, high: Identity, lowest: bool
    ) -> Finding | None:
        found = await signals(ctx, op, low, high)
        if made := await marked_creations.probe(ctx, op, low, high):  # "Managers only."
            evidence, what = made
            return self._finding(ctx, op, low, high, found, evidence, what, Severity.MEDIUM)
        if op.method not in READS and (not found or _one_way(ctx, op)):
            # A decision needs no signal (the higher identity's own shows it); a one-way
            # action goes to an object made for it, and nowhere else (``scan.one_way``).
            return await self._action(ctx, op, low, high, found)
        if not found:
            return None
        if op.method in READS:
            return await self._read(ctx, op, low, high, found, lowest)
        async with lock(ctx, low):
            own = await self._own_record(ctx, op, low, high, found)
        action = None if own else await self._action(ctx, op, low, high, found)
        if own or action:
            return own or action
        deleted = await shared_delete.probe(ctx, op, low, high)
        if deleted is not None:
            return shared_delete.report(ctx, self, op, (low, high), found.text(), deleted)
        return await self._harmless(ctx, op, low, high, found)

    async def _read(
        self,
        ctx: Context,
        op: Operation,
        low: Identity,
        high: Identity,
        found: Signals,
        lowest: bool,
    ) -> Finding | None:
        theirs, mine = await ctx.legit(op, high), await same_read(ctx, op, low, high)
        if not (theirs.ok and mine.ok and meaningful(theirs.text)):
            return None
        if _shape(mine.text) != _shape(theirs.text):
            return None
        anonymous = await ctx.send(ctx.baseline(op, high), as_=None, note="anonymous, same request")
        if anonymous.status not in REFUSED:
            return None
        evidence = [theirs, anonymous, mine]
        if await per_caller(ctx, op, tenants=not found.roles and marking(op) is None):
            return None  # each caller's (or tenant's) own answer, not a higher role's
        others = others_data(ctx, op, low, mine, await ranks(ctx))
        if others:
            what = f"and carries data of identities of other roles ({', '.join(others[:3])})"
            return self._finding(ctx, op, low, high, found, evidence, what, Severity.HIGH)
        if similarity(mine.text, theirs.text) < SAME:
            # Read apart, they may differ by another check's write (the Express trial's rename).
            theirs, mine = await read_now(ctx, op, high), await read_now(ctx, op, low)
            if not (theirs.ok and mine.ok and alike(mine, theirs)):
                return None  # an answer that differs per caller is each caller's own
            evidence = [theirs, anonymous, mine]
        if found.strong:
            what = f"and is {high.name}'s answer"
            return self._finding(ctx, op, low, high, found, evidence, what, Severity.MEDIUM)
        marked = await privilege.marked_for(ctx, op, low)
        return self._marked(ctx, op, (low, high), found, evidence, lowest, marked)

    def _marked(
        self,
        ctx: Context,
        op: Operation,
        pair: tuple[Identity, Identity],
        found: Signals,
        evidence: list[Reply],
        lowest: bool,
        marked: privilege.Marking | None,
    ) -> Finding | None:
        """Low's answer is high's on a read the contract marks as a higher role's (see above).

        Only the lowest role, unless a sentence says whose it is: a recruiter reading what
        "Admin only." lists is the flaw too (the Rails trial's); an ``/admin/`` segment
        alone may be a section that staff read by design."""
        low, high = pair
        if marked is None or not marked.above(low.role) or not _informative(evidence[0]):
            return None
        if not (lowest or marked.stated):
            return None
        if any(names_caller(segment) for segment in op.path.split("/")):
            return None  # /admin/me: each caller's own record, whatever its path says
        what = (
            f"with {high.name}'s answer to the same request, though the contract marks it "
            f"as privileged ({marked.where})"
        )
        # A name alone (a path segment, a tag) may be a section of the API, not a rule.
        backed = marked.stated or len(found.hints) > 1
        confidence = Confidence.FIRM if backed else Confidence.TENTATIVE
        return self._finding(
            ctx, op, low, high, found, evidence, what, Severity.MEDIUM, confidence=confidence
        )

    async def _own_record(
        self, ctx: Context, op: Operation, low: Identity, high: Identity, found: Signals
    ) -> Finding | None:
        base = ctx.baseline(op, low)
        before = await read_back(ctx, op, base, low) if isinstance(base.body, dict) else None
        if before is None:
            return None
        # Every other field as the record holds it now, and none it does not show: a made-up
        # ``is_active: false`` beside the probed ``plan`` deactivated the caller (the Ninja
        # trial), and its restore as the admin would have done it again.
        current = {k: before.data[k] for k in base.body if k in before.data}
        base = dataclasses.replace(base, body=current)
        schemas = object_schema(ctx, before.reader.answer_schema())
        fields = [n for n in base.body if n in before.data and before.data[n] is not None]
        owns = _owns(ctx, op, base, low, before)
        if owns and privilege.owner_rule(op):
            return None  # "Workspace owners only." on a workspace low made: low is its owner
        # An owner may change its own record's ordinary fields whatever a 403 says.
        if not (found.roles if owns else found.strong):
            fields = [n for n in fields if is_privileged(n)]
        fields = [n for n in fields if not gates_account(n)]  # low would lock itself out
        for name in fields[:MAX_FIELDS]:
            value = changed_value(name, schemas.get(name, {}), before.data[name])
            if not changes(value):
                continue
            # Until it is put back, no other probe may act with the right low may gain here.
            async with ctx.sessions.elevations.hold(low.name):
                attack = await send_as(
                    ctx,
                    base.with_param(Where.BODY, name, value),
                    low,
                    f"{low.name} sets its own {name}",
                )
                after = await read_back(ctx, op, base, low) if attack.ok else None
                if after is None or not same_value(after.data.get(name), value):
                    if attack.ok:  # taken in, maybe, and not shown to low: put it back anyway
                        await _restore(ctx, op, base, name, before.data[name], (low, high))
                    continue
                restored = await _restore(ctx, op, base, name, before.data[name], (low, high))
            what = (
                f"and {after.reader.key} shows {name} changed from {before.data[name]!r} to "
                f"{value!r} ({'restored' if restored else 'restoring it FAILED'})"
            )
            evidence = [before.reply, attack, after.reply]
            return self._finding(
                ctx, op, low, high, found, evidence, what, Severity.HIGH, f"body:{name}", attack
            )
        return None

    async def _action(
        self, ctx: Context, op: Operation, low: Identity, high: Identity, found: Signals
    ) -> Finding | None:
        """A body-less POST on an item (approve, publish) moves a field of low's own object.

        Only with evidence that the action is high's (``scan.checks._actions``).
        """
        moved = await actions.probe(ctx, op, low, high, found)
        if moved is None:
            return None
        what = (
            f"and {moved.reader} shows {moved.name} changed from {moved.old!r} to "
            f"{moved.new!r} on an object {low.name} made for the probe"
        )
        strong = set(moved.found.strong) & set(moved.found.roles)
        severity = Severity.HIGH if strong else Severity.MEDIUM
        evidence, attack = list(moved.evidence), moved.evidence[1]
        return self._finding(
            ctx, op, low, high, moved.found, evidence, what, severity, f"body:{moved.name}", attack
        )

    async def _harmless(
        self, ctx: Context, op: Operation, low: Identity, high: Identity, found: Signals
    ) -> Finding | None:
        slots = [s for s in ctx.harvest.slots(op) if s.where is Where.PATH]
        if not slots:
            return None
        target = ctx.request(op)
        for slot in slots:
            shape = ctx.baseline(op, high).path_params.get(slot.name)
            target = target.with_param(Where.PATH, slot.name, missing(shape, slot.schema))
        ask = partial(absent.control, ctx, target, itself=True)
        theirs = await ask(high, f"{high.name} on an object that does not exist")
        if theirs.status in _UNCOMPARED or theirs.status >= 500 or not_found(theirs):
            # Refused, broken or not there: nothing low could be compared on. An input
            # refused as malformed (400, 422) is refused before most role checks run.
            return None
        mine = await ask(low, f"{low.name} on the same missing object")
        if mine.status != theirs.status or similarity(mine.text, theirs.text) < SAME:
            return None
        anonymous = await ask(None, "anonymous, same request")
        if anonymous.status not in REFUSED:
            return None
        what = f"on an object that does not exist, exactly as {high.name} (the role check let it through)"
        severity = Severity.MEDIUM if found.strong else Severity.LOW
        key = f"path:{slots[0].name}"
        return self._finding(
            ctx, op, low, high, found, [theirs, anonymous, mine], what, severity, key
        )

    def _deleted(self, ctx: Context, op: Operation, deleted: account_delete.Deleted) -> Finding:
        low, high = deleted.low, deleted.high
        return ctx.finding(
            self,
            op,
            title=(
                f"{low.name} ({low.role or 'no role'}) deletes other users' accounts "
                f"through {op.key}, as {high.name} ({high.role or 'no role'}) does"
            ),
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{op.key} takes an account away: {high.name}, ranked highest, deleted an "
                f"account the scan signed up, which could then no longer log in. "
                f"{low.name}, ranked below, did the same to another account the scan signed "
                "up, not its own. Only accounts the scan made were deleted."
            ),
            evidence=deleted.evidence,
            proof=deleted.evidence[1],
            key=deleted.key,
        )

    def _finding(
        self,
        ctx: Context,
        op: Operation,
        low: Identity,
        high: Identity,
        found: Signals,
        evidence: list[Reply],
        what: str,
        severity: Severity,
        key: str = "function",
        proof: Reply | None = None,
        confidence: Confidence | None = None,
    ) -> Finding:
        if confidence is None:
            confirmed = key.startswith("body:")
            confidence = Confidence.CONFIRMED if confirmed else Confidence.FIRM
        if severity is Severity.LOW:
            confidence = Confidence.TENTATIVE
        return ctx.finding(
            self,
            op,
            title=f"{low.name} ({low.role or 'no role'}) reaches {op.key}, an operation of {high.role or high.name}",
            severity=severity,
            confidence=confidence,
            detail=(
                f"{op.key} belongs to a higher role: {found.text() or 'the contract says so'}. {low.name} got "
                f"{(proof or evidence[-1]).status} {what}; an anonymous request is refused."
            ),
            evidence=evidence,
            key=key,
            proof=proof,
        )


async def _precondition(ctx: Context, op: Operation) -> Skip | None:
    if not ctx.identities:
        return Skip(reason=SkipReason.NO_IDENTITIES)
    if op.is_public or await optional(ctx, op):
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail="the contract does not require auth")
    if len({i.role for i in ctx.identities}) < 2:
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail="needs identities of two roles")
    if op.method not in READS and _one_way(ctx, op):
        why = untried(ctx.api, op, safe=ctx.safe)
        if why is not None:
            reason = SkipReason.UNSAFE if ctx.safe else SkipReason.NOT_APPLICABLE
            return Skip(reason=reason, detail=why)
    elif op.method not in READS and ctx.safe:
        return Skip(reason=SkipReason.UNSAFE, detail=f"{op.method} as a lower role")
    if len(set((await ranks(ctx)).values())) < 2:
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail="no identity ranks above another")
    return None


def _one_way(ctx: Context, op: Operation) -> bool:
    """A one-way action, probed on objects made for it only (not under ``--aggressive``)."""
    return not ctx.ledger.aggressive and one_way(ctx.api, op)


def _owns(ctx: Context, op: Operation, base: Request, low: Identity, before: Seen) -> bool:
    """True when ``base`` writes ``low``'s own object (see the module docstring)."""
    if before.reader.path != op.path:
        return True  # the caller's own record, read through /me
    slots = [s for s in ctx.harvest.slots(op) if s.where is Where.PATH]
    value = base.path_params.get(slots[-1].name) if slots else None
    mine = value is not None and ctx.harvest.mine(low, op, slots[-1], value)
    return mine or catalogue.names(ctx, low, before.data)


def _one_per_role(identities: list[Identity]) -> list[Identity]:
    seen: set[str] = set()
    out = []
    for identity in identities:
        if identity.role not in seen:
            seen.add(identity.role)
            out.append(identity)
    return out


async def _enforced(ctx: Context, op: Operation, low: Identity, rank: dict[str, int]) -> bool:
    """True when an identity ranked at or below ``low`` is refused on ``op`` (reads only).

    Not on a read a sentence gives to a role above ``low``'s ("Admin only."): the contract
    says which roles it admits, and a candidate refused does not make a recruiter allowed.
    """
    marked = marking(op)
    if op.method not in READS or (marked and marked.stated and marked.above(low.role)):
        return False
    below = [i for i in ctx.identities if rank[i.name] <= rank[low.name]]
    for identity in below:
        if (await ctx.legit(op, identity)).status in REFUSED:
            return True
    return False


def _informative(reply: Reply) -> bool:
    """True when the answer holds data: two values at least that are not a count or a flag."""
    if reply.data is None:
        return bool(reply.text.strip())
    return sum(value not in _EMPTY for _, value in leaves(reply.data)) >= 2


def _shape(text: str) -> frozenset[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return frozenset()
    return frozenset(path for path, _ in leaves(data))


async def _restore(
    ctx: Context, op: Operation, base: Request, name: str, old: Any, who: tuple[Identity, Identity]
) -> bool:
    for identity in who:
        await send_as(ctx, base.with_param(Where.BODY, name, old), identity, f"restore {name}")
        seen = await read_back(ctx, op, base, who[0])
        if seen is not None and same_value(seen.data.get(name), old):
            return True
    return False
