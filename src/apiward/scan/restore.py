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
   others are *left*;
4. every identity with a login logs in afresh: one that cannot *no longer logs in*.

Writes an identity the scan signed up made to its own state, which nothing reads back
(``Ledger.own_writes``), are *left* on that identity: one row per path and identity.

The result is one :class:`TargetChange` per thing the scan touched; ``damage`` marks
those that leave the target worse than it was (not restored, no longer logs in).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from apiward.core.errors import ConfigError
from apiward.core.findings import RecordedRequest
from apiward.scan import _objects, accounts
from apiward.scan.entries import Created, Moved, Sender, Snapshot
from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.request import BodyKind, Request, curl
from apiward.scan.transport import Reply

_VOLATILE = _objects.VOLATILE


class What(StrEnum):
    """What kind of change the scan made."""

    WRITTEN = "object written"
    CREATED = "object created"
    ACCOUNT = "account signed up"
    MOVED = "value moved"
    IDENTITY = "identity"


class State(StrEnum):
    """Where the change stands after the restore phase."""

    RESTORED = "restored"
    NOT_RESTORED = "not restored"
    DELETED = "deleted"
    LEFT = "left"
    NO_LOGIN = "no longer logs in"


DAMAGE = frozenset({State.NOT_RESTORED, State.NO_LOGIN})


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetChange:
    """One thing the scan changed on the target and where it stands now."""

    what: What
    object: str
    state: State
    by: str = ""
    detail: str = ""
    undo: str = ""
    """A ``curl`` line (without credentials: send it as ``by``) that undoes it, if one is known."""

    @property
    def damage(self) -> bool:
        """True when the target is left worse than the scan found it."""
        return self.state in DAMAGE


async def restore(ledger: Ledger) -> list[TargetChange]:
    """Undo what ``ledger`` recorded, as far as the contract allows; say what remains."""
    changes: list[TargetChange] = []
    changes += await _put_back_all(ledger, list(ledger.snapshots.values()))
    # Objects before accounts: an account deleted first takes its session with it, and
    # nobody else may delete what it made. Newest first: an order the scan made refers to
    # the supplier it made before, which the API will not delete while the order stands.
    made = _unique(ledger.created)[::-1]
    ordered = [c for c in made if not c.account] + [c for c in made if c.account]
    removed = [(c, await _remove(ledger, c)) for c in ordered]
    held = "its DELETE answered 409"  # still referred to: tried again once the rest is gone
    removed = [(c, await _remove(ledger, c) if r.detail == held else r) for c, r in removed]
    changes += _grouped(_under_deleted_parents(ledger, removed))
    for request, sender in ledger.unknown:
        detail = "sent under --aggressive without a snapshot: what it changed is unknown"
        changes.append(_change(What.WRITTEN, request, State.NOT_RESTORED, sender, detail))
    changes += _own_writes(ledger)
    changes += [_moved(ledger, moved) for moved in ledger.moved]
    changes += await _logins(ledger)
    return sorted(changes, key=lambda c: (c.what, c.object, c.state))


async def _put_back_all(ledger: Ledger, snapshots: list[Snapshot]) -> list[TargetChange]:
    """Each object in turn, then once more for those that stayed changed.

    Two paths to one record (``/me`` and ``/admin/users/alice``) may have been read at
    different times: the later snapshot can hold a value a probe had already set through
    the other path, which that path's restore has since put back. So the second time, a
    field that differs is taken as put back through the other path only when a snapshot
    naming the same id (or none, ``/me``) holds the value read now; any other field that differs is not
    restored, whatever path wrote it.
    """
    changes: list[TargetChange] = []
    failed: list[Snapshot] = []
    for snapshot in snapshots:
        done = await _put_back(ledger, snapshot)
        if any(c.damage for c in done):
            failed.append(snapshot)
        else:
            changes += done
    for snapshot in failed:
        others = [o for o in snapshots if o is not snapshot] if len(failed) < len(snapshots) else []
        again = await _put_back(ledger, snapshot, others=others)
        # Nothing differs now (a read-back shows every field as it was): the other path did it.
        detail = "put back through another path to the same record"
        item, who = snapshot.read.item, snapshot.reader
        changes += again or [_change(What.WRITTEN, item, State.RESTORED, who, detail)]
    return changes


async def _put_back(
    ledger: Ledger, snapshot: Snapshot, *, others: list[Snapshot] | None = None
) -> list[TargetChange]:
    item = snapshot.read.item
    now = await _read(ledger, snapshot)
    current = _objects.state(snapshot.read, now)
    writer = snapshot.writes[0][1] if snapshot.writes else snapshot.reader
    if not snapshot.exists:
        if current is None:
            return []
        made = Created(id="", create=item, creator=writer, delete=_delete(ledger, item))
        return [await _remove(ledger, made, what=What.CREATED)]
    if current is None and (now.status in {404, 410} or now.ok):
        undo = _recreate(ledger, item, snapshot.before)
        return [
            _change(What.WRITTEN, item, State.NOT_RESTORED, writer, "deleted by the scan", undo)
        ]
    before = snapshot.before
    changed = _diff(before, current)
    elsewhere = _put_back_elsewhere(snapshot, others or [], changed, current)
    if elsewhere:
        changed = {k: v for k, v in changed.items() if k not in elsewhere}
        if not changed:
            detail = (
                f"{', '.join(sorted(elsewhere))} put back through another path to the same record"
            )
            return [_change(What.WRITTEN, item, State.RESTORED, snapshot.reader, detail)]
    if not changed:
        return []
    if not isinstance(before, dict):
        detail = "changed, and not a JSON object the scan can write back"
        return [_change(What.WRITTEN, item, State.NOT_RESTORED, writer, detail)]
    return [await _rewrite(ledger, snapshot, writer, changed, frozenset(elsewhere))]


def _put_back_elsewhere(
    snapshot: Snapshot, others: list[Snapshot], changed: dict[str, Any], current: Any
) -> set[str]:
    """Changed fields the scan's writes here did not name, which another path to the same
    record (a snapshot naming the same id, or none: ``/me``) shows at the value read now."""
    if not isinstance(current, dict):
        return set()
    mine, ids = _named(snapshot), _ids(snapshot)
    # ``/me`` names no id: it may be the same record as ``/admin/users/alice``.
    same = [o for o in others if (ids & _ids(o) or not _ids(o)) and isinstance(o.before, dict)]
    return {
        k
        for k in changed
        if k not in mine
        and any(o.before.get(k, _MISSING) == current.get(k, _MISSING) for o in same)
    }


def _ids(snapshot: Snapshot) -> set[str]:
    return {str(v) for v in snapshot.read.item.path_params.values()}


def _named(snapshot: Snapshot) -> set[str]:
    """The fields the scan's writes to ``snapshot``'s object named in their bodies."""
    return {k for w, _ in snapshot.writes if isinstance(w.body, dict) for k in w.body}


async def _rewrite(
    ledger: Ledger,
    snapshot: Snapshot,
    writer: Sender,
    changed: dict[str, Any],
    elsewhere: frozenset[str] = frozenset(),
) -> TargetChange:
    before: dict[str, Any] = snapshot.before
    writes = [w for w, _ in snapshot.writes]
    item = snapshot.read.item
    candidates = _objects.rewrites(ledger.api, item, writes, before, changed)
    fields = ", ".join(sorted(changed))
    # Whoever wrote may put back: the first write may have been refused (a 403 to a peer)
    # and a later one, by the object's owner, the one that changed it.
    senders: list[Sender] = []
    for who in (snapshot.reader, writer, *(w for _, w in snapshot.writes)):
        if who not in senders:  # senders hold cookie mappings: compared, not hashed
            senders.append(who)
    for candidate in candidates:
        for who in senders:
            reply = await ledger.sessions.send(
                who.dress(candidate), as_=who.identity, note="restore"
            )
            if not reply.ok:
                continue
            now = _objects.state(snapshot.read, await _read(ledger, snapshot))
            if now is not None and not set(_diff(before, now)) - elsewhere:
                detail = f"{fields} written back with {candidate.method} {candidate.path}"
                return _change(What.WRITTEN, item, State.RESTORED, who, detail)
    undo = _curl(ledger, candidates[0]) if candidates else ""
    detail = f"{fields} changed; " + (
        "no write put them back" if candidates else "the contract has no write to put them back"
    )
    return _change(What.WRITTEN, item, State.NOT_RESTORED, writer, detail, undo)


async def _remove(ledger: Ledger, created: Created, *, what: What | None = None) -> TargetChange:
    kind = what or (What.ACCOUNT if created.account else What.CREATED)
    name = created.account or _name(created)
    by = created.creator.name
    if created.deleted:
        return TargetChange(what=kind, object=name, state=State.DELETED, by=by, detail="by a probe")
    if created.delete is None:
        why = "the contract has no DELETE for it"
        deletable = _objects.deleter(ledger.api, created.create, "-") is not None or (
            bool(created.account) and accounts.deleter(ledger.api, "-", ("-", "-@-")) is not None
        )
        if created.account and not created.names and deletable:
            # A name the scan did not make may be someone's: such an account is never claimed.
            body = created.create.body if isinstance(created.create.body, dict) else {}
            foreign = " and ".join(accounts.foreign_names(body)) or "its name"
            why = (
                f"{foreign}: not made by the scan (apiward…), nor given back by the "
                "sign-up's answer, so the scan does not delete it"
            )
        elif not created.id and deletable:
            why = "its id was not in the answer"
        return TargetChange(what=kind, object=name, state=State.LEFT, by=by, detail=why)
    request = created.creator.dress(created.delete)
    reply = await ledger.sessions.send(request, as_=created.creator.identity, note="restore")
    detail = ""
    if reply.status in {401, 403}:
        reply, other = await _as_others(ledger, created.delete, created.creator.identity, reply)
        detail = f"by {other}: its creator was refused" if other else ""
    if reply.ok or reply.status in {404, 410}:
        return TargetChange(what=kind, object=name, state=State.DELETED, by=by, detail=detail)
    return TargetChange(
        what=kind,
        object=name,
        state=State.LEFT,
        by=by,
        detail=f"its DELETE answered {reply.status}",
        undo=_curl(ledger, created.delete),
    )


async def _as_others(
    ledger: Ledger, delete: Request, creator: Identity | None, refused: Reply
) -> tuple[Reply, str]:
    """The creator may not delete what it made (a patient's doctor): each other identity tries."""
    for identity in ledger.sessions.identities:
        if identity != creator:
            reply = await ledger.sessions.send(delete, as_=identity, note="restore")
            # Another's 404 may be "not yours" said as "not found": only a 2xx proves it gone.
            if reply.ok:
                return reply, identity.name
    return refused, ""


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


def _under_deleted_parents(
    ledger: Ledger, removed: list[tuple[Created, TargetChange]]
) -> list[tuple[Created, TargetChange]]:
    """A child left only because nothing deletes it, whose parent the scan made and deleted, says so.

    A comment under a report the scan made has no DELETE of its own, but its report is
    gone: most APIs delete a parent's children with it. Nothing reads the child back, so
    it stays *left*, with why it is most likely gone.
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
            detail = "no DELETE for it, but its parent, which the scan made, was deleted"
            change = dataclasses.replace(change, detail=detail)
        out.append((created, change))
    return out


def _grouped(removed: list[tuple[Created, TargetChange]]) -> list[TargetChange]:
    """One row per creating operation and outcome: fifty junk items are one line, not fifty."""
    groups: dict[tuple[str, ...], list[tuple[Created, TargetChange]]] = {}
    rows = []
    for created, change in removed:
        if change.undo or change.what is What.ACCOUNT:
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


def _moved(ledger: Ledger, moved: Moved) -> TargetChange:
    """A transfer between identities: moved back, or the request that would."""
    if moved.how:
        return TargetChange(
            what=What.MOVED,
            object=moved.what,
            state=State.RESTORED,
            by=moved.backer.name,
            detail=moved.how,
        )
    return TargetChange(
        what=What.MOVED,
        object=moved.what,
        state=State.NOT_RESTORED,
        by=moved.backer.name,
        detail="the transfer back failed",
        undo=_curl(ledger, moved.back),
    )


def _own_writes(ledger: Ledger) -> list[TargetChange]:
    """What the scan's own identities wrote on themselves that nothing reads back."""
    counts: dict[tuple[str, str, str], int] = {}
    for request, sender in ledger.own_writes:
        key = (f"{request.method} {request.target}", request.target, sender.name)
        counts[key] = counts.get(key, 0) + 1
    return [
        TargetChange(
            what=What.WRITTEN,
            object=target,
            state=State.LEFT,
            by=name,
            detail=(
                f"{how} ×{n} on the state of {name}, an identity the scan signed up: "
                "nothing reads it back, so it stays as the last write left it"
            ),
        )
        for (how, target, name), n in sorted(counts.items())
    ]


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


async def _read(ledger: Ledger, snapshot: Snapshot) -> Reply:
    who, read = snapshot.reader, snapshot.read.read
    return await ledger.sessions.send(who.dress(read), as_=who.identity, note="restore: read back")


def _delete(ledger: Ledger, item: Request) -> Request | None:
    if ledger.api.operation("DELETE", item.path) is None:
        return None
    return Request(
        method="DELETE",
        path=item.path,
        operation=f"DELETE {item.path}",
        path_params=item.path_params,
    )


def _recreate(ledger: Ledger, item: Request, before: Any) -> str:
    """A POST of the old values on the collection above ``item``, if the contract has one."""
    collection = item.path.rpartition("/")[0]
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
    return _curl(ledger, post)


def _diff(before: Any, now: Any) -> dict[str, Any]:
    """The fields of ``before`` that ``now`` shows differently (volatile ones aside)."""
    if not isinstance(before, dict):
        return {} if before == now else {"(body)": before}
    current = now if isinstance(now, dict) else {}
    return {
        k: v for k, v in before.items() if not _VOLATILE.search(k) and current.get(k, _MISSING) != v
    }


_MISSING = object()


def _name(created: Created) -> str:
    if created.delete is not None:
        return created.delete.target
    if created.create.method == "GET":  # an object a write brought into being where none was
        return created.create.target
    if created.id:
        return f"{created.create.target} → id {created.id}"
    return f"{created.create.method} {created.create.target}"


def _change(
    what: What, request: Request, now: State, by: Sender, detail: str, undo: str = ""
) -> TargetChange:
    return TargetChange(
        what=what, object=request.target, state=now, by=by.name, detail=detail, undo=undo
    )


def _curl(ledger: Ledger, request: Request) -> str:
    """``request`` as a curl line without credentials (the report says whose they must be)."""
    body = ""
    headers: tuple[tuple[str, str], ...] = ()
    if request.body_kind is BodyKind.JSON:
        body, headers = json.dumps(request.body), (("content-type", "application/json"),)
    elif request.body_kind is BodyKind.FORM and isinstance(request.body, dict):
        body = urlencode(request.body)
        headers = (("content-type", "application/x-www-form-urlencoded"),)
    url = ledger.sessions.transport.base_url + request.target
    return curl(RecordedRequest(method=request.method, url=url, headers=headers, body=body))
