"""The restore phase's removals: what the scan made is deleted, newest first, or said to be left.

Every object the scan created is deleted by its creator when the contract has a DELETE
for it (never anything else); when the creator is refused (401/403: a patient may add a
doctor but not remove one), by each other identity in turn. One answered 409 is tried
again once the rest is gone, and then a 409 is the object's own state, not a reference
the scan made: an expense a probe approved, which its member may no longer withdraw and
the manager may, so the others are asked too. A child with no DELETE of
its own whose parent the scan made and deleted is read back. Fifty junk items are one
row of the report, not fifty.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from apiward.scan import _deleters, _objects, accounts, beside, invited, unseen
from apiward.scan.changes import State, TargetChange, What, curl_line
from apiward.scan.entries import Created, Sender
from apiward.scan.flows import keeps
from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.provision import own_login, refused
from apiward.scan.request import Request
from apiward.scan.transport import Reply


async def remove_made(ledger: Ledger) -> list[TargetChange]:
    """Delete what the scan made; one row per creating operation and outcome."""
    # Objects before accounts: an account deleted first takes its session with it, and
    # nobody else may delete what it made. Newest first: an order the scan made refers to
    # the supplier it made before, which the API will not delete while the order stands.
    listings: dict[str, Any] = {}
    for created in ledger.created:
        await unseen.look_up(ledger, created, listings)
    # A failed creation its listing does not show made nothing: most 5xx answers (a
    # malformed body, an injected quote) come before any row is written.
    side = {id(c) for c in await beside.made_beside(ledger)}  # before the accounts go
    made = [c for c in _unique(ledger.created)[::-1] if c.id or not c.failed or unseen.untold(c)]
    ordered = [c for c in made if not c.account] + [c for c in made if c.account]
    helpers: dict[str, str] = {}
    removed = [
        (c, await remove(ledger, c, what=What.BESIDE if id(c) in side else None, helpers=helpers))
        for c in ordered
    ]
    held = "its DELETE answered 409"  # still referred to: tried again once the rest is gone
    removed = [
        (c, await remove(ledger, c, helpers=helpers, closed=True) if r.detail == held else r)
        for c, r in removed
    ]
    removed = [(c, _privileged(ledger, c, r)) for c, r in removed]
    removed = await invited.still_shown(ledger, await _read_after_delete(ledger, removed))
    return _grouped(await _under_deleted_parents(ledger, removed))


async def _read_after_delete(
    ledger: Ledger, removed: list[tuple[Created, TargetChange]]
) -> list[tuple[Created, TargetChange]]:
    """Objects whose DELETE answered 2xx yet that read back: left, not deleted.

    Django REST Framework's ``destroy`` is often overridden to cancel (``status:
    cancelled``) and answer 204: the DRF trial's twelve bookings stayed, listed deleted.
    The first object of each collection (under each parent: ``/spaces/lovelace/rooms``) is
    read back; only where it still reads are the others there read too. A room under a
    workspace the scan had made and deleted read 404, and the Django Ninja trial's rooms
    retired in its real spaces, read by no one, were called deleted.
    """
    kept: dict[str, bool] = {}
    out: list[tuple[Created, TargetChange]] = []
    for created, change in removed:
        read = _item_read(ledger, created)
        collection = created.create.target
        deleted = change.state is State.DELETED and not created.account
        # Never a read --exclude keeps every request from.
        if not deleted or read is None or read.operation in ledger.excluded:
            out.append((created, change))
            continue
        if kept.get(collection, True):
            who = created.creator
            reply = await ledger.sessions.send(
                who.dress(read), as_=who.identity, note="restore: read back after its DELETE"
            )
            kept[collection] = reply.ok
            if reply.ok:
                why = "its DELETE answered 2xx, yet it still reads back: the API keeps it"
                change = dataclasses.replace(change, state=State.LEFT, detail=why)
        out.append((created, change))
    return out


def _privileged(ledger: Ledger, created: Created, change: TargetChange) -> TargetChange:
    """An account left holding a privilege a probe's sign-up gave it is damage, unless taken back.

    Nobody runs it and only the scan knew its password, yet it may do what an admin does
    (the Express trial's ``role: admin`` sign-up): *not restored*, naming what it holds
    and the write that would take it back (``checks._take_back`` tried it first).
    """
    if not created.raised:
        return change
    held = ", ".join(r.held for r in created.raised)
    if change.state is not State.LEFT:
        return dataclasses.replace(change, detail=_joined(change.detail, f"it held {held}"))
    kept = [r for r in created.raised if not r.lowered]
    if not kept:
        how = "; ".join(r.lowered for r in created.raised)
        taken = f"the privilege a probe gave it ({held}) was taken back: {how}"
        return dataclasses.replace(change, detail=_joined(change.detail, taken))
    undo = next((r.undo for r in kept if r.undo is not None), None)
    why = "; ".join(dict.fromkeys(r.why for r in kept if r.why))
    detail = (
        f"it holds {', '.join(r.held for r in kept)}, which mass_assignment's sign-up set, and "
        f"{why or 'nothing took it back'}; {change.detail}"
    )
    if undo is not None:
        detail += " (the undo must be sent as an identity allowed to write it)"
    return dataclasses.replace(
        change,
        state=State.NOT_RESTORED,
        detail=detail,
        undo=curl_line(ledger, undo) if undo is not None else change.undo,
    )


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


async def remove(
    ledger: Ledger,
    created: Created,
    *,
    what: What | None = None,
    helpers: dict[str, str] | None = None,
    closed: bool = False,
) -> TargetChange:
    """Delete ``created`` as its creator, else as another identity; or say why it is left.

    ``helpers``: who last deleted by each operation for a refused creator, asked first
    (an admin-only DELETE of thirty sign-ups is the admin's thirty times). ``closed``:
    a 409 refuses the creator (see the module docstring).
    """
    kind = what or (What.ACCOUNT if created.account else What.CREATED)
    name = created.account or _name(created)
    by = created.creator.name
    if created.deleted:
        return TargetChange(what=kind, object=name, state=State.DELETED, by=by, detail="by a probe")
    if created.kept:
        return TargetChange(what=kind, object=name, state=State.LEFT, by=by, detail=created.kept)
    if created.delete is None and created.closes is not None:
        return await _closed(ledger, created, created.closes, kind, name)
    if created.delete is None:
        why = "the contract has no DELETE for it"
        linked = ledger.links.holds(created.create.path)
        own = _deleters.deleter(ledger.api, created.create, "-", linked=linked) is not None
        deletable = own or (bool(created.account) and accounts.removable(ledger.api))
        if created.account and not created.names and deletable:
            # A name the scan did not make may be someone's: such an account is never claimed.
            body = created.create.body if isinstance(created.create.body, dict) else {}
            foreign = " and ".join(accounts.foreign_names(body)) or "its name"
            why = (
                f"{foreign}: not made by the scan (apiward…), nor given back by the "
                "sign-up's answer, so the scan does not delete it"
            )
        elif not created.id and created.failed and deletable:
            why = "it answered 5xx or not at all, and nothing it sent tells which object it may have made"
        elif not created.id and deletable:
            why = "its id was not in the answer"
        return TargetChange(what=kind, object=name, state=State.LEFT, by=by, detail=why)
    request = created.creator.dress(created.delete)
    reply = await ledger.sessions.send(request, as_=created.creator.identity, note="restore")
    detail = answered = ""
    statuses: dict[int, list[str]] = {}
    helped = {} if helpers is None else helpers
    barred = helped.get(created.delete.operation) == _NOBODY
    by_role = False  # refused 401/403 by the creator and every other identity
    if barred and reply.status in _BY_ROLE:
        answered = "401 or 403 as every other identity and the account itself, for the one before"
    elif reply.status in {401, 403, 404} or (closed and reply.status == 409):
        # A 404 too: a probe may have handed the object to a peer (its owner field set).
        why = "no longer reached it" if reply.status == 404 else "was refused"
        first = helped.get(created.delete.operation, "")
        refused = reply.status
        reply, other, statuses = await _as_others(
            ledger, created.delete, created.creator.identity, reply, first
        )
        answered = "; ".join(f"{s} as {', '.join(names)}" for s, names in statuses.items())
        by_role = refused in _BY_ROLE and bool(statuses) and set(statuses) <= _BY_ROLE
        if other:
            helped[created.delete.operation] = other
        detail = f"by {other}: its creator {why}" if other else ""
    itself = None if reply.ok or barred else await _as_itself(ledger, created)
    if itself is not None and itself.ok:
        reply, detail = itself, "by the account itself: no other identity may remove it"
    elif by_role and (itself.status in _BY_ROLE if itself else not created.account):
        # Refused to everyone by role: the next object of this DELETE would be too, and
        # asking every identity again cost the Flask library's restore 170 requests.
        helped[created.delete.operation] = _NOBODY
    if reply.ok and _kept(ledger, created):
        why = "its DELETE answered 2xx and, by the contract's words, keeps it (deactivates)"
        return TargetChange(what=kind, object=name, state=State.LEFT, by=by, detail=why)
    if reply.ok:
        created.deleted = True
        return TargetChange(what=kind, object=name, state=State.DELETED, by=by, detail=detail)
    if reply.status in {404, 410} or {404, 410} & set(statuses):
        # Refused to its creator, not found by whoever may delete it: gone with its tenant?
        gone, why = await _gone(ledger, created)
        created.deleted = gone
        why = why if gone else _joined(why, answered)
        now = State.DELETED if gone else State.LEFT
        undo = "" if gone else curl_line(ledger, created.delete)
        return TargetChange(
            what=kind, object=name, state=now, by=by, detail=_joined(detail, why), undo=undo
        )
    return TargetChange(
        what=kind,
        object=name,
        state=State.LEFT,
        by=by,
        detail=_joined(f"its DELETE answered {reply.status}", answered),
        undo=curl_line(ledger, created.delete),
    )


def _kept(ledger: Ledger, created: Created) -> bool:
    """True when the contract says the DELETE keeps ``created`` (archives, deactivates it),
    under a parent the scan did not make (one it did goes, and the object with it)."""
    made = created.create
    if created.delete is None or not keeps(ledger.api, created.delete.path):
        return False
    return not (made.path_params and all(ledger.made_at(made, k) for k in made.path_params))


_NOBODY = "\0nobody"
"""``helpers``' mark for a DELETE every identity and the account itself were refused by role."""
_BY_ROLE = frozenset({401, 403})


async def _as_others(
    ledger: Ledger, delete: Request, creator: Identity | None, refused: Reply, first: str
) -> tuple[Reply, str, dict[int, list[str]]]:
    """The creator may not delete what it made (a patient's doctor): each other identity
    tries, ``first`` before the rest. The 2xx answer and who got it, else the creator's
    answer; and who the others were answered what (none once one got a 2xx)."""
    others = sorted(ledger.sessions.identities, key=lambda i: i.name != first)
    statuses: dict[int, list[str]] = {}
    for identity in others:
        if identity != creator:
            reply = await ledger.sessions.send(delete, as_=identity, note="restore")
            # Another's 404 may be "not yours" said as "not found": only a 2xx proves it gone.
            if reply.ok:
                return reply, identity.name, {}
            statuses.setdefault(reply.status, []).append(identity.name)
    return refused, "", statuses


async def _closed(
    ledger: Ledger, created: Created, closes: Request, kind: What, name: str
) -> TargetChange:
    """An account no DELETE names, closed by itself (``DELETE /me``), logged in afresh as it."""
    reply = await _as_itself(ledger, created, closes)
    by = created.creator.name
    if reply is None or not reply.ok:
        said = f"answered {reply.status}" if reply is not None else "could not log in"
        why = f"the contract has no DELETE that names it, and its {closes.operation} {said}"
        return TargetChange(what=kind, object=name, state=State.LEFT, by=by, detail=why)
    created.deleted = True
    detail = f"by the account itself, through {closes.operation}"
    if keeps(ledger.api, closes.path):  # "Close my account (it is disabled)"
        detail += ", which by the contract's words keeps it (disabled)"
        return TargetChange(what=kind, object=name, state=State.LEFT, by=by, detail=detail)
    return TargetChange(what=kind, object=name, state=State.DELETED, by=by, detail=detail)


async def _as_itself(
    ledger: Ledger, created: Created, delete: Request | None = None
) -> Reply | None:
    """The answer to an account the scan signed up deleting itself (``delete``, else its
    DELETE), logged in with what its sign-up sent (many APIs let only a user remove its own
    account); None: it could not log in."""
    body = created.sent(ledger.created)
    delete = delete or created.delete
    own = await own_login(ledger.sessions, body) if created.account and delete else None
    if own is None or delete is None:
        return None
    note = "restore: the account deletes itself"
    return await ledger.sessions.send(own.apply(delete), as_=None, note=note)


async def _gone(ledger: Ledger, created: Created) -> tuple[bool, str]:
    """Whether an object whose DELETE answered 404 to everyone is gone, and what says so.

    A 404 is also "not yours" and "not this kind" (the Nest trial's staff DELETE, taken
    for the accounts' one, answered 404 for every account it was asked to remove). So it
    is read back where the contract reads it: any 2xx and it stands. An account nothing
    reads is left, not assumed gone; another object keeps the 404's word.
    """
    read = _item_read(ledger, created)
    if read is None and created.account:
        # Gone with the tenant its sign-up made (``beside``), say: its login tells.
        body = created.sent(ledger.created)
        if await refused(ledger.sessions, body):
            return (
                True,
                "its DELETE answered 404 where it was not refused, and it no longer logs in",
            )
        return False, "its DELETE answered 404 to every identity: gone, or out of their reach"
    if read is None:
        return True, ""
    for who in [created.creator, *(Sender(identity=i) for i in ledger.sessions.identities)]:
        reply = await ledger.sessions.send(
            who.dress(read), as_=who.identity, note="restore: read back"
        )
        if reply.ok:
            return False, f"its DELETE answered 404, yet it reads back at {read.target}"
    return True, ""


def _unique(created: list[Created]) -> list[Created]:
    """One entry per object: the last one made under an id, and one a probe deleted before it.

    Many APIs give a deleted object's id to the next one (``max + 1``): once a probe has
    deleted what the scan made, the same id names a new object, which must be deleted too.
    """
    last: dict[str, Created] = {}
    gone: dict[str, Created] = {}
    for one in created:
        key = f"{one.create.path} {one.id}" if one.id else str(id(one))
        last[key] = one
        if one.deleted:
            gone.setdefault(key, one)
    kept = {id(one) for one in (*last.values(), *gone.values())}
    return [one for one in created if id(one) in kept]


async def _under_deleted_parents(
    ledger: Ledger, removed: list[tuple[Created, TargetChange]]
) -> list[tuple[Created, TargetChange]]:
    """A child left only because nothing deletes it, whose parent the scan made and deleted.

    A comment under a report the scan made has no DELETE of its own, but its report is
    gone, and most APIs delete a parent's children with it. Where the contract reads
    such a child, it is read back (as its creator, else each identity): gone is
    *deleted* with its parent; still there, or unreadable, it stays *left* and says so.
    """
    deleted = {
        c.id
        for c, change in removed
        if c.id and change.state is State.DELETED and change.what is not What.ACCOUNT
    }
    out = []
    for created, change in removed:
        parents = [str(v) for v in created.create.path_params.values()]
        if (
            change.state is State.LEFT
            and not change.undo
            and parents
            and ledger.names_made(created.create)
            and set(parents) <= deleted
        ):
            change = await _child_of_deleted(ledger, created, change)
        out.append((created, change))
    return out


async def _child_of_deleted(ledger: Ledger, created: Created, change: TargetChange) -> TargetChange:
    detail = "no DELETE for it, but its parent, which the scan made, was deleted"
    read = _item_read(ledger, created)
    if read is None:
        return dataclasses.replace(change, detail=detail)
    senders = [created.creator, *(Sender(identity=i) for i in ledger.sessions.identities)]
    for who in senders:
        reply = await ledger.sessions.send(
            who.dress(read), as_=who.identity, note="restore: read back a child"
        )
        if reply.status in {404, 410}:
            return dataclasses.replace(
                change, state=State.DELETED, detail="with its parent: it reads back gone"
            )
        if reply.ok:
            return dataclasses.replace(
                change, detail=f"{detail}, and it still reads back at {read.target}"
            )
    return dataclasses.replace(change, detail=detail)


def _item_read(ledger: Ledger, created: Created) -> Request | None:
    """The GET of the object ``created`` made, where the contract has one and its id is known."""
    linked = ledger.links.holds(created.create.path)
    found = _objects.item_of(ledger.api, created.create.path, linked=linked) if created.id else None
    if found is None or ledger.api.operation("GET", found[0]) is None:
        return None
    path, name = found
    params = {k: v for k, v in created.create.path_params.items() if "{" + k + "}" in path}
    params[name] = created.id
    return Request(method="GET", path=path, operation=f"GET {path}", path_params=params)


def _grouped(removed: list[tuple[Created, TargetChange]]) -> list[TargetChange]:
    """One row per creating operation and outcome: fifty junk items are one line, not fifty."""
    groups: dict[tuple[str, ...], list[tuple[Created, TargetChange]]] = {}
    rows = []
    for created, change in removed:
        if change.undo or change.what in {What.ACCOUNT, What.INVITED}:
            rows.append(change)
            continue
        key = (change.what, created.create.method, created.create.path, change.state, change.detail)
        groups.setdefault(key, []).append((created, change))
    for (_, method, path, _, detail), members in sorted(groups.items()):
        first = members[0][1]
        if len(members) == 1:
            rows.append(first)
            continue
        ids = sorted(c.id for c, _ in members if c.id)
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        rows.append(
            TargetChange(
                what=first.what,
                object=f"{len(members)} made by {method} {path}",
                state=first.state,
                by=", ".join(sorted({c.by for _, c in members})),
                detail="; ".join(p for p in (detail, f"ids {shown}" if ids else "") if p),
            )
        )
    return rows


def _name(created: Created) -> str:
    if created.delete is not None:
        return created.delete.target
    if created.create.method == "GET":  # an object a write brought into being where none was
        return created.create.target
    if created.id:
        return f"{created.create.target} → id {created.id}"
    return f"{created.create.method} {created.create.target}"
