"""The restore phase: put back what the checks changed, remove what they made, try every login.

Runs after the checks, from the :class:`~apiward.scan.ledger.Ledger`:

1. every object snapshotted before a write is read again (as whoever could read it);
   fields that differ from the snapshot are written back — PATCH with the changed
   fields, else the scan's own write with the old values, else PUT — and read once
   more to confirm. An object that is gone, or stays different, is *not restored*,
   with the request that would undo it;
2. value a check moved to a peer (``Ledger.moved``) is reported moved back or not, with
   the transfer that would undo it;
3. every object the scan created is deleted by its creator when the contract has a
   DELETE for it (never anything else) — when the creator is refused (401/403: a
   patient may add a doctor but not remove one), by each other identity in turn; the
   others are *left* (``scan.removal``);
4. each identity's own record (``GET /me``) is read again, after the removals: a field
   that differs from its first read, on a record no row calls not restored, is a side
   effect the scan left (``scan.own_state``): *not restored* for money or a privilege,
   else *left*; so is each count everybody shares that the scan's creations took from
   (``scan.stock``: a part's stock), read before the first of them: *not restored*;
5. every identity with a login logs in afresh: one that cannot *no longer logs in*.

Writes an identity the scan signed up made to its own state (``Ledger.own_writes``: what
nothing reads back, a shared code it redeemed) are *left* on that identity: one row per
path and identity.

The result is one :class:`TargetChange` per thing the scan touched; ``damage`` marks
those that leave the target worse than it was (not restored, no longer logs in).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from apiward.core.errors import ConfigError
from apiward.scan import _objects, _rewrites, own_state, pages
from apiward.scan.changes import DAMAGE, State, TargetChange, What, change, curl_line
from apiward.scan.entries import Created, Moved, Sender, Snapshot, distinct, own_path
from apiward.scan.fields import is_privileged, tokens
from apiward.scan.flows import redeems
from apiward.scan.ledger import Ledger
from apiward.scan.removal import remove, remove_made
from apiward.scan.request import BodyKind, Request
from apiward.scan.states import MISSING, differs, same_state
from apiward.scan.transport import Reply

__all__ = ["DAMAGE", "State", "TargetChange", "What", "restore"]

_VOLATILE = _objects.VOLATILE


async def restore(ledger: Ledger) -> list[TargetChange]:
    """Undo what ``ledger`` recorded, as far as the contract allows; say what remains."""
    snapshots = list(ledger.snapshots.values())
    written = await _put_back_all(ledger, snapshots, refused=[])
    changes = await remove_made(ledger)
    written = [await _still(ledger, snapshots, row) for row in written]
    changes += _on_made_accounts(ledger, snapshots, written)
    for request, sender in {(r.target, s.name): (r, s) for r, s in ledger.unknown}.values():
        detail = "sent under --aggressive without a snapshot: what it changed is unknown"
        changes.append(change(What.WRITTEN, request, State.NOT_RESTORED, sender, detail))
    changes += _own_writes(ledger)
    changes += [_moved(ledger, moved) for moved in ledger.moved]
    changes += await _side_effects(ledger, changes)
    changes += await ledger.counts.changes(ledger.sessions)
    changes += await _logins(ledger)
    return sorted(changes, key=lambda c: (c.what, c.object, c.state))


async def _still(ledger: Ledger, snapshots: list[Snapshot], row: TargetChange) -> TargetChange:
    """``row``, or *not restored* when the object, put back before the scan's own objects
    were deleted, reads otherwise after: the DRF trial's credit purchases each added to
    their organisation's balance, and deleting them took 20 credits off the balance the
    restore had written back; the row had said restored."""
    snapshot = next((s for s in snapshots if s.read.item.target == row.object), None)
    if row.state is not State.RESTORED or snapshot is None or not snapshot.writes:
        return row
    current = _objects.state(snapshot.read, await _read(ledger, snapshot))
    moved = _theirs(ledger, snapshot, differs(snapshot.before, current, _named(snapshot)), current)
    if not moved or not isinstance(current, dict):
        return row
    now = ", ".join(f"{k} {current.get(k)!r} (was {v!r})" for k, v in sorted(moved.items()))
    detail = f"put back, then changed again as the scan's own objects were deleted: {now}"
    return dataclasses.replace(row, state=State.NOT_RESTORED, detail=detail)


def _on_made_accounts(
    ledger: Ledger, snapshots: list[Snapshot], written: list[TargetChange]
) -> list[TargetChange]:
    """A record the scan's own account could not have put back is no damage: the account is
    the scan's, deleted with it or left and listed.

    The Fastify trial's throwaway user kept ``phone: ""`` where it had ``null`` (Ajv turns
    a ``null`` into ``""``), and a ``--safe`` scan that left the database as found exited 3.
    """
    own = {(s.read.item.target, s.reader.name) for s in snapshots if own_path(s.read)}
    rows = []
    for row in written:
        # Only the scan's own users have a recorded sign-up: a file identity has none.
        account = ledger.account_of(row.by) if (row.object, row.by) in own else None
        if row.state is State.NOT_RESTORED and account is not None:
            gone = account.deleted
            fate = "deleted with it" if gone else "left (see its row)"
            detail = f"{row.detail}; on the account the scan signed up, {fate}"
            state = State.DELETED if gone else State.LEFT
            row = dataclasses.replace(row, state=state, detail=detail, undo="")
        rows.append(row)
    return rows


async def _put_back_all(
    ledger: Ledger, snapshots: list[Snapshot], *, refused: list[Sender]
) -> list[TargetChange]:
    """Each object in turn, then once more for those that stayed changed.

    Two paths to one record (``/me`` and ``/admin/users/alice``) may have been read at
    different times: the later snapshot can hold a value a probe had already set through
    the other path, which that path's restore has since put back. So the second time, a
    field that differs is taken as put back through the other path only when a snapshot
    naming the same id (or none, ``/me``) holds the value read now; any other field that differs is not
    restored, whatever path wrote it.

    ``refused`` gathers the probes' own credentials (no identity: an anonymous or forged
    write) a write of the restore was answered 401: the API does not take them, so they
    are not tried again, on this object or the next. An identity answered 401 (after a
    fresh login) is not tried again on that object: some APIs answer 401 for "not yours".
    """
    changes: list[TargetChange] = []
    failed: list[Snapshot] = []
    for snapshot in snapshots:
        done = await _put_back(ledger, snapshot, refused=refused)
        if any(c.damage for c in done):
            failed.append(snapshot)
        else:
            changes += done
    for snapshot in failed:
        others = [o for o in snapshots if o is not snapshot] if len(failed) < len(snapshots) else []
        again = await _put_back(ledger, snapshot, others=others, refused=refused)
        # Nothing differs now (a read-back shows every field as it was): the other path did it.
        detail = "put back through another path to the same record"
        item, who = snapshot.read.item, snapshot.reader
        changes += again or [change(What.WRITTEN, item, State.RESTORED, who, detail)]
    return changes


async def _put_back(
    ledger: Ledger,
    snapshot: Snapshot,
    *,
    others: list[Snapshot] | None = None,
    refused: list[Sender] | None = None,
) -> list[TargetChange]:
    if not snapshot.writes:
        return []  # taken for a write that was then withheld: nothing went out through it
    item = snapshot.read.item
    now = await _read(ledger, snapshot)
    current = _objects.state(snapshot.read, now)
    writer = snapshot.writes[0][1]
    if not snapshot.exists:
        if current is None:
            return []
        made = Created(id="", create=item, creator=writer, delete=_delete(ledger, item))
        return [await remove(ledger, made, what=What.CREATED)]
    readers: tuple[Sender, ...] = (snapshot.reader,)
    deleted = any(w.method.upper() == "DELETE" for w, _ in snapshot.writes)
    if (
        current is None
        and not now.ok
        and not deleted
        and isinstance(snapshot.before, dict)
        and not own_path(snapshot.read)  # a peer's ``/me`` is its own record, never this one
    ):
        # A probe may have handed the object to another (its owner field set to a peer):
        # then that peer reads it, and puts it back.
        peers = [Sender(identity=i) for i in ledger.sessions.identities]
        peers = [p for p in peers if p.identity != snapshot.reader.identity]
        holder = await _first_reader(ledger, snapshot, peers)
        if holder is not None:
            snapshot, current = dataclasses.replace(snapshot, reader=holder[0]), holder[1]
            readers = (snapshot.reader, *readers)
    if current is None and (now.status in {404, 410} or now.ok):
        if ledger.ours(item):  # the Express trial's card, made by the harvest, written, deleted
            return [change(What.WRITTEN, item, State.DELETED, writer, "the scan's own, deleted")]
        undo = _recreate(ledger, item, snapshot.before)
        gone = "deleted by the scan"
        if now.ok and snapshot.read.pick is not None and not snapshot.read.one:
            listing = snapshot.read.read.path
            gone = f"no longer in GET {listing} (read to its last page, at most {pages.SOUGHT})"
        return [change(What.WRITTEN, item, State.NOT_RESTORED, writer, gone, undo)]
    before = snapshot.before
    changed = differs(before, current, _named(snapshot))
    elsewhere = _put_back_elsewhere(snapshot, others or [], changed, current)
    if elsewhere:
        changed = {k: v for k, v in changed.items() if k not in elsewhere}
        if not changed:
            detail = (
                f"{', '.join(sorted(elsewhere))} put back through another path to the same record"
            )
            return [change(What.WRITTEN, item, State.RESTORED, snapshot.reader, detail)]
    changed = _theirs(ledger, snapshot, changed, current)
    if not changed:
        return _clocked(item, writer, before, current)
    if not isinstance(before, dict):
        detail = "changed, and not a JSON object the scan can write back"
        return [change(What.WRITTEN, item, State.NOT_RESTORED, writer, detail)]
    done = await _rewrite(
        ledger, snapshot, writer, changed, frozenset(elsewhere), readers, refused=refused
    )
    return [done]


def _clocked(item: Request, writer: Sender, before: Any, current: Any) -> list[TargetChange]:
    """A written object read back as it was but for what the target moves on every write
    (``updatedAt``): listed, not passed over. The Koa trial's ticket, written seven times and
    put back by the check itself, was absent from the target state, its ``updatedAt`` moved."""
    if not isinstance(before, dict) or not isinstance(current, dict):
        return []
    moved = sorted(
        k for k, v in before.items() if _VOLATILE.search(k) and not same_state(current.get(k), v)
    )
    if not moved:
        return []
    detail = f"written, and as it was but for {', '.join(moved)}, which the API moves itself"
    return [change(What.WRITTEN, item, State.RESTORED, writer, detail)]


def _theirs(
    ledger: Ledger, snapshot: Snapshot, changed: dict[str, Any], current: Any
) -> dict[str, Any]:
    """The changed fields the scan's writes to this object could have changed.

    A field none of them may set by the contract, which holds no value one of them sent
    (a garden page's embedded plots and their owners, a view counter), changed through
    other objects or on its own: those objects have rows of their own, and no write
    here could put it back.
    """
    settable = _rewrites.settable(ledger.api, [w for w, _ in snapshot.writes])
    if settable is None or not isinstance(current, dict):
        return changed
    sent = [w.body for w, _ in snapshot.writes if isinstance(w.body, dict)]
    return {
        k: v
        for k, v in changed.items()
        if k in settable or any(k in body and body[k] == current.get(k) for body in sent)
    }


def _put_back_elsewhere(
    snapshot: Snapshot, others: list[Snapshot], changed: dict[str, Any], current: Any
) -> set[str]:
    """Changed fields the scan's writes here did not name, which another path to the same
    record (a snapshot naming the same id, or none: ``/me``) shows at the value read now."""
    if not isinstance(current, dict):
        return set()
    mine, ids = _named(snapshot), _ids(snapshot)
    # ``/me`` names no id: it may be the same record as ``/admin/users/alice``.
    same = [
        o
        for o in others
        if (ids & _ids(o) or (not _ids(o) and (ids or o.reader == snapshot.reader)))
        and isinstance(o.before, dict)
    ]
    return {
        k
        for k in changed
        if k not in mine and any(o.before.get(k, MISSING) == current.get(k, MISSING) for o in same)
    }


def _ids(snapshot: Snapshot) -> set[str]:
    item = snapshot.read.item
    return {str(v) for v in (*item.path_params.values(), *(v for _, v in item.query))}


def _named(snapshot: Snapshot) -> set[str]:
    """The fields the scan's writes to ``snapshot``'s object named in their bodies."""
    return {k for w, _ in snapshot.writes if isinstance(w.body, dict) for k in w.body}


async def _rewrite(
    ledger: Ledger,
    snapshot: Snapshot,
    writer: Sender,
    changed: dict[str, Any],
    elsewhere: frozenset[str] = frozenset(),
    readers: tuple[Sender, ...] = (),
    *,
    refused: list[Sender] | None = None,
) -> TargetChange:
    before: dict[str, Any] = snapshot.before
    writes = [w for w, _ in snapshot.writes]
    item = snapshot.read.item
    candidates = _rewrites.rewrites(ledger.api, item, writes, before, changed)
    fields = ", ".join(sorted(changed))
    # Whoever wrote (a first refused, a later one the owner's), then while all refuse anyone but
    # on ``/me``: a writer may have lost the right (the aiohttp trial's, moved and back).
    senders = distinct((snapshot.reader, writer, *(w for _, w in snapshot.writes)))
    anyone = [Sender(identity=i) for i in ledger.sessions.identities if not own_path(snapshot.read)]
    mine, senders = len(senders), senders + [a for a in anyone if a not in senders]
    refused, here, taken = ([] if refused is None else refused), list[Sender](), False
    for candidate in candidates:
        for n, who in enumerate(senders):
            if who in refused or who in here or (taken and n >= mine):
                continue
            reply = await ledger.sessions.send(
                who.dress(candidate), as_=who.identity, note="restore"
            )
            if reply.status == 401:
                (here if who.identity is not None else refused).append(who)
            if not reply.ok:
                continue
            taken = True  # a write was taken and did not put it back: no one else's will
            seen = await _first_reader(ledger, snapshot, readers or (snapshot.reader,))
            now = seen[1] if seen is not None else None
            # What no write here could set (a seat count others' invitations moved) is no
            # field left unrestored: the Express trial's team, its name put back, was not.
            still = differs(before, now, _named(snapshot)) if now is not None else {"": None}
            if not set(_theirs(ledger, snapshot, still, now)) - elsewhere:
                detail = f"{fields} written back with {candidate.method} {candidate.path}"
                return change(What.WRITTEN, item, State.RESTORED, who, detail)
    undo = curl_line(ledger, candidates[0]) if candidates else ""
    detail = f"{fields} changed; " + (
        "no write put them back" if candidates else "the contract has no write to put them back"
    )
    return change(What.WRITTEN, item, State.NOT_RESTORED, writer, detail, undo)


async def _side_effects(ledger: Ledger, done: list[TargetChange]) -> list[TargetChange]:
    """Each identity's own record read once more, after the removals: what changed since the
    scan first read it.

    A record a row of ``done`` already calls changed (*not restored*, or *left* and *deleted*
    with the scan's own account) is that row's. Any other is
    compared whole: its snapshot may have been taken after the change (credits the
    harvest's orders spent before a probe wrote the record), or put back before a removal
    moved it again (a deletion charging a fee). A changed money or privilege field is *not
    restored*; any other is *left*, and so is a meter of the caller's own traffic
    (``quota_remaining``: the scan's requests move it).
    """
    reported = {
        (c.object, c.by) for c in done if c.what is What.WRITTEN and c.state is not State.RESTORED
    }
    rows = []
    for seen in ledger.own_state.seen.values():
        if (seen.read.target, seen.identity.name) in reported:
            continue
        reply = await ledger.sessions.send(seen.read, as_=seen.identity, note="restore: own record")
        now = _objects.unwrap(reply.data) if reply.ok else None
        diff = own_state.moved(seen.before, now, set())
        if not diff:
            continue
        shown = ", ".join(f"{k} {old!r} → {new!r}" for k, (old, new) in sorted(diff.items()))
        state = State.NOT_RESTORED if any(_spent(k) for k in diff) else State.LEFT
        detail = (
            f"{shown} since the scan first read it, by the end of the restore: a side effect "
            "of what the scan made or did (see what it left)"
        )
        who = Sender(identity=seen.identity)
        rows.append(change(What.WRITTEN, seen.read, state, who, detail))
    return rows


_METERED = frozenset({"remaining", "used", "left", "usage", "requests", "calls", "reset"})
"""Words of a meter of the caller's traffic (``quota_remaining``): it recovers on its own."""


def _spent(field: str) -> bool:
    """True for money or a privilege on one's own record, not a meter of one's requests."""
    return is_privileged(field) and not _METERED & set(tokens(field))


def _moved(ledger: Ledger, moved: Moved) -> TargetChange:
    """A transfer between identities: moved back, or the request that would."""
    state = State.RESTORED if moved.how else State.NOT_RESTORED
    return TargetChange(
        what=What.MOVED,
        object=moved.what,
        state=state,
        by=moved.backer.name,
        detail=moved.how or "the transfer back failed",
        undo="" if moved.how else curl_line(ledger, moved.back),
    )


def _own_writes(ledger: Ledger) -> list[TargetChange]:
    """What the scan's own identities wrote on themselves that nothing reads back: *left*
    with the account, or *deleted* with it (the Rails trial's report said "not as found"
    for a password the scan changed on an account it then deleted)."""
    counts: dict[tuple[str, str, str, str], int] = {}
    for request, sender in ledger.own_writes:
        written = (request.method, request.target, sender.name, request.path)
        counts[written] = counts.get(written, 0) + 1
    rows = []
    for (method, target, name, path), n in sorted(counts.items()):
        how = f"{method} {target}"
        account = ledger.account_of(name)
        gone = account is not None and account.deleted
        fate = "deleted with it" if gone else "so it stays as the last write left it"
        state = State.DELETED if gone else State.LEFT
        detail = (
            f"{how} ×{n} on the state of {name}, an identity the scan signed up: its own, {fate}"
        )
        operation = ledger.api.operation(method, path)
        if operation is not None and redeems(operation):  # the account's end gives no use back
            state, detail = State.LEFT, _redeemed(how, n, name)
        rows.append(
            TargetChange(what=What.WRITTEN, object=target, state=state, by=name, detail=detail)
        )
    return rows


def _redeemed(how: str, n: int, name: str) -> str:
    """The row's detail for redemptions of a code nothing reads, by a user the scan made."""
    return (
        f"{how} ×{n} sent as {name}, an identity the scan signed up: a redemption nothing "
        "reads back, so each may have taken a use of the code from everybody, for good"
    )


async def _logins(ledger: Ledger) -> list[TargetChange]:
    """Every identity of the file that no longer logs in (the scan's own may be deleted by now)."""
    broken = []
    for identity in ledger.sessions.identities:
        if identity.login is None or ledger.is_own(identity):
            continue
        sessions = ledger.sessions
        try:
            await sessions.log_in(identity.login, name=identity.name)
        except ConfigError as error:
            broken.append(
                TargetChange(
                    what=What.IDENTITY,
                    object=identity.name,
                    state=State.NO_LOGIN,
                    by=identity.name,
                    detail=error.message,
                )
            )
    return broken


async def _first_reader(
    ledger: Ledger, snapshot: Snapshot, readers: Sequence[Sender]
) -> tuple[Sender, Any] | None:
    """The first of ``readers`` who still reads ``snapshot``'s object, and what it shows."""
    for who in readers:
        seen = dataclasses.replace(snapshot, reader=who)
        now = _objects.state(seen.read, await _read(ledger, seen))
        if now is not None:
            return who, now
    return None


async def _read(ledger: Ledger, snapshot: Snapshot) -> Reply:
    """The object read back as its snapshot was taken: from a listing, the page holding it."""
    who, read = snapshot.reader, snapshot.read

    async def send(request: Request) -> Reply:
        return await ledger.sessions.send(request, as_=who.identity, note="restore: read back")

    first = await send(who.dress(read.read))
    return await pages.holding(ledger.api, read, first, ledger.sessions.transport.base_url, send)


def _delete(ledger: Ledger, item: Request) -> Request | None:
    if ledger.api.operation("DELETE", item.path) is None:
        return None
    return Request(
        method="DELETE",
        path=item.path,
        operation=f"DELETE {item.path}",
        path_params=item.path_params,
        query=item.query,
    )


def _recreate(ledger: Ledger, item: Request, before: Any) -> str:
    """A POST of the old values on the collection above ``item``, if the contract has one."""
    collection = item.path if item.query else item.path.rpartition("/")[0]  # ``?id=``: its own
    if not isinstance(before, dict) or ledger.api.operation("POST", collection) is None:
        return ""
    params = {k: v for k, v in item.path_params.items() if "{" + k + "}" in collection}
    post = Request(
        method="POST",
        path=collection,
        operation=f"POST {collection}",
        path_params=params,
        body=before,
        body_kind=BodyKind.JSON,
    )
    return curl_line(ledger, post)
