"""What the scan changed on the target, recorded as it goes, so the restore phase can undo it.

Every write the scan sends (POST/PUT/PATCH/DELETE) passes through :meth:`Ledger.send`:

* **existing objects written** — a PUT/PATCH/DELETE, or a POST on an item path or naming
  an item in its body: before the *first* write to an object it is read with the
  contract's GET (``scan._objects.reader``), as the sender, then as each other identity
  (``/me``: the sender's own, by the sender alone), so it can be put back whatever the
  write answers (a 5xx may still have written). Unless *aggressive*, a write whose object
  cannot be read is not sent (:class:`Unrestorable`), nor one that moves a state field
  (``scan.fields.is_state``) or acts one way (``scan.one_way``) on what the scan did not make,
  nor on what it made if its DELETE takes only objects before that (``one_way.strands``);
* **objects created** — a POST the contract says creates, or any POST answered with a new
  id (an ``id``-like field, in an envelope too, or ``Location``); the DELETE that removes
  it is remembered with its creator, and without one the POST is not sent unless
  aggressive (:class:`Kept`). Another identity's 2xx DELETE counts as a removal only when
  a read shows it gone (:meth:`Ledger.gone`): an idempotent DELETE answers 204 anyway;
* **accounts signed up** — a public POST with a password field (public as declared or as
  seen: ``scan.openness``), and the accounts ``scan.provision`` makes (:meth:`Ledger.account`);
* **value moved between identities** — a transfer to a peer, with the way back (``moved``);
* **the scan's own identities' state** — a user the scan signed up (:meth:`Ledger.own`)
  may write what nothing reads back (``PUT /me/avatar``), listed as left on it
  (``own_writes``), and redeem a shared code (``POST /promos/{code}/redeem``) whose read
  tallies nothing the redemption takes (``uses_left``); under ``--safe`` no code nothing
  reads (the Hono trial's ``WELCOME10`` lost a use of its shared few).

``made(value)``: whether the scan made an object with that id (the only ones a destructive
operation may go to). A listing read for a snapshot is kept until a write under its path may
have landed. A control's missing id (``scan.missing``) is neither read nor restored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from apiward.core.errors import TargetError
from apiward.scan import _objects, accounts, codes, entries, fields, leftovers, records, shallow
from apiward.scan._before import Before
from apiward.scan._deleters import deleter
from apiward.scan._links import Links
from apiward.scan.entries import Created, Moved, Sender, Snapshot, aim, deletes, maybe_kept
from apiward.scan.flows import SIGN_UP, is_redemption, redeems, words
from apiward.scan.identities import Identity, login_keys
from apiward.scan.missing import names_nothing
from apiward.scan.one_way import STRANDS, one_way, strands
from apiward.scan.own_state import OwnState
from apiward.scan.questions import changes_nothing, on_object, only_asks
from apiward.scan.renames import keeping_key
from apiward.scan.request import WRITES, Request
from apiward.scan.resources import singular
from apiward.scan.sessions import Sessions
from apiward.scan.stock import Counts, Taken
from apiward.scan.transport import Reply
from apiward.scan.withhold import NotOurs, OneWay, Unrestorable
from apiward.scan.write_back import WriteBacks
from apiward.spec import Api, Operation

_ANONYMOUS = Identity(name="anonymous")
_UNREAD_CODE = "a redemption of a code nothing reads may take a use from everybody, for good"
_UNREAD_DEED = "an action whose effect nothing reads back goes only as a user the scan made"
ACCOUNT = "(account)"
"""The collection of an account the scan signed up: every collection of people."""


class Ledger:
    """The scan's record of its own writes; :meth:`send` is how every write goes out."""

    def __init__(
        self, api: Api, sessions: Sessions, *, aggressive: bool = False, safe: bool = False
    ) -> None:
        self.api = api
        self.sessions = sessions
        self.aggressive = aggressive
        self.safe = safe
        self.accounts_kept = ""  # why the account DELETE removes none (scan.account_removal)
        self.excluded: frozenset[str] = frozenset()  # --exclude's: no read-back goes there
        self.snapshots: dict[str, Snapshot] = {}
        self.created: list[Created] = []
        self.unknown: list[tuple[Request, Sender]] = []  # aggressive writes nobody can undo
        self.moved: list[Moved] = []  # value moved between identities, with its way back
        self.own_writes: list[tuple[Request, Sender]] = []
        """Writes nothing reads back, sent by an identity the scan made on its own state."""
        self._own: dict[str, frozenset[str]] = {}
        self._accounts: dict[str, Created] = {}
        self.own_state = OwnState()
        """Each identity's own record as the harvest first read it (``scan.own_state``)."""
        self._taking: dict[str, asyncio.Task[Snapshot | None]] = {}
        self._made: dict[str, set[str]] = {}
        """Each id the scan made → the collections it made it in (singular nouns, or ACCOUNT)."""
        self.links = Links(api)
        """Nested collections of links (``scan._links``): ``/work-orders/{id}/parts``."""
        self._reads = Before(api, sessions)
        self._logins = login_keys(sessions.identities)
        self.seen: frozenset[str] = frozenset()
        """Every id the harvest saw: what stood before the checks ran (``scan.unseen``)."""
        self.parents: shallow.Parents = lambda _kind, _value: {}
        """Where the harvest saw each object listed or made (``Listed.parents``), once there is one."""
        self.spends: Callable[[Operation, Request], Taken | None] = lambda _op, _request: None
        """The shared count a creation takes from (``scan.stock``), once there is a harvest."""
        self.counts = Counts()
        """Each shared count a creation the scan sent took from, as it read before."""
        self.write_backs = WriteBacks(api, sessions)

    def made(self, value: object) -> bool:
        """True when the scan created an object with this id, in any collection."""
        return str(value) in self._made

    def made_at(self, request: Request, name: str) -> bool:
        """True when id ``name`` of ``request`` (path, query id) names an object the scan made *there*.

        Ids are per collection: the scan's event 3 is not user 3. An account the scan
        signed up is its own in every collection of people (``scan.accounts``).
        """
        value = request.path_params.get(name)
        collection = self.links.collection_of(request.path, name)
        if value is None:  # its query id (``DELETE /loans?id=7``): the path's collection
            value = _objects.ids(self.api, request).get(name)
            collection = self.links.resource_of(request.path)[0]
        kinds = self._made.get(str(value or ""))
        if not kinds:
            return False
        if collection is None:
            return True  # ``/{id}``: nothing to tell collections apart by
        noun = singular(collection.lower())
        return noun in kinds or (ACCOUNT in kinds and accounts.holds_accounts(noun))

    def names_made(self, request: Request) -> bool:
        """True when every id of ``request`` (path, query id) is an object the scan made where it stands."""
        names = list(_objects.ids(self.api, request))
        return bool(names) and all(self.made_at(request, n) for n in names)

    def removes_made(self, request: Request) -> bool:
        """True when every path id is the scan's, or the last is, made under the others
        (``DELETE /events/{slug}/tickets/{id}``: its ticket on a public event, never the event)."""
        if self.names_made(request):
            return True
        *parents, (name, value) = _objects.ids(self.api, request).items() or [("", "")]
        made = [c.create.path_params.items() for c in self.created if c.id == value]
        return self.made_at(request, name) and any(set(parents) <= set(p) for p in made)

    def holds(self, delete: Request) -> bool:
        """True when an object the scan made and has not deleted is what ``delete`` would remove.

        A deleted spare's id may name a later object: many APIs hand out ``max + 1``."""
        return any(not c.deleted and deletes(delete, c) for c in self.created)

    @property
    def recorded(self) -> int:
        """How many creations the ledger holds: a DELETE sent now removes none made after."""
        return len(self.created)

    def gone(self, delete: Request, recorded: int) -> None:
        """Record that what ``delete``, sent when ``recorded`` creations were known, was read back
        as gone: only those, as its id may since name a newer object (``max + 1``)."""
        for created in self.created[:recorded]:
            created.deleted = created.deleted or deletes(delete, created)

    def aim(self, request: Request, identity: Identity) -> Request:
        """``request`` aimed at the last object ``identity`` made there (``entries.aim``)."""
        return aim(self.api, self.created, self.made_at, request, identity)

    def sign_up(self, request: Request) -> Created | None:
        """What the ledger recorded of the very sign-up ``request`` sent, if it recorded one."""
        return next((c for c in self.created if c.create is request), None)

    def own(
        self, identity: Identity, values: Mapping[str, Any], account: Created | None = None
    ) -> None:
        """``identity`` is one the scan signed up; ``values`` name it (its e-mail, its name);
        ``account`` is its sign-up as recorded."""
        self._own[identity.name] = frozenset(str(v) for v in values.values())
        if account is not None:
            self._accounts[identity.name] = account

    def account_of(self, name: str) -> Created | None:
        """The recorded sign-up of the identity the scan made under ``name``, if any."""
        return self._accounts.get(name)

    def is_own(self, identity: Identity | None) -> bool:
        """True for an identity the scan signed up itself: its state is the scan's."""
        return identity is not None and identity.name in self._own

    async def send(self, request: Request, *, as_: Identity | None, note: str = "") -> Reply:
        """Send ``request`` as ``as_``, snapshotting what a write changes and recording what it makes."""
        operation = self.api.operation(request.method, request.path)
        request = keeping_key(request)
        if (
            request.method.upper() not in WRITES
            or operation is None
            or operation.key in self.sessions.logouts  # ends a session, changes no object
        ):
            return await self.sessions.send(request, as_=as_, note=note)
        if as_ and not (self.aggressive or self.is_own(as_) or is_redemption(operation)):
            request = codes.unspent(self.api, operation, request, self.made, as_)
        sender = Sender.of(request, as_)
        snapshot = await self._before(operation, request, sender)
        recorded = self.recorded
        try:
            reply = await self.sessions.send(request, as_=as_, note=note)
        except TargetError:
            self._reads.wrote(request.path)
            if _objects.creates(self.api, operation, self._logins):
                # No answer: it may have made one, which only its listing can show.
                self._record(request, sender, "").failed = True
            raise
        made = len(self._made)
        self._after(operation, request, sender, reply, snapshot, recorded)
        # A creation whose new id is known leaves the listing's others as they were: kept.
        if not 400 <= reply.status < 500 and not (reply.ok and len(self._made) > made):
            self._reads.wrote(request.path)
        return reply

    async def _before(
        self, operation: Operation, request: Request, sender: Sender
    ) -> Snapshot | None:
        # Before creations and the scan's own codes too: a redemption answered 201 (the Tornado
        # trial's), or of a pass the scan issued, credits a file identity for good (Ninja's).
        self._unredeemed(operation, sender)
        if names_nothing():  # a control's missing id: nothing there to read, nor to restore
            return None
        if self.ours(request):
            if not self.aggressive and strands(self.api, operation):
                raise Unrestorable(operation, sender.identity or _ANONYMOUS, STRANDS)
            if _objects.creates(self.api, operation, self._logins):
                await self._taking_from(leftovers.stocked(self, operation, request, sender))
            return None
        # Before creations: under --safe a POST under a parent (a comment) adds to its object.
        if self.safe and on_object(operation, request) and not self._own_state(request, sender):
            who = sender.identity or _ANONYMOUS
            raise NotOurs(operation, who, "under --safe it names an object the scan did not create")
        if _objects.creates(self.api, operation, self._logins):
            await self._taking_from(leftovers.deletable(self, operation, request, sender))
            return None
        if (
            self.sessions.openness.public(operation)
            and SIGN_UP.search(words(operation))
            and not self._login(operation)
        ):
            # A sign-up answered 200 beside no collection is no creation, yet makes an account.
            leftovers.lasting(self, operation, request, sender)
        if operation.method == "POST" and changes_nothing(operation):
            # A question (a search, a webhook's test) changes nothing to put back; what it
            # names is read now and compared at the end (``OwnState.watch``).
            await self.own_state.watch(self.sessions, self.api, request, sender.identity)
            return None
        read = _objects.reader(self.api, request) or shallow.reader(
            self.api, self.links, self.parents, request
        )
        if read is not None and read.part and self._own_state(request, sender):
            self.own_writes.append((request, sender))  # a user the scan made: its state
            return None
        if read is None:
            self._one_way(operation, request, sender)
            if operation.method == "POST":
                self._safe_deed(operation, request, sender)
                return None  # an action (search, transfer, log in): no object of its own
            self._blind(operation, request, sender, "the contract has no GET to read it")
            return None
        reader = sender  # an anonymous /me: the record a reader of the file has there
        if entries.own_path(read) and sender.identity is None and self.sessions.identities:
            reader = Sender(identity=self.sessions.identities[0])
        key = entries.snapshot_key(read, reader)
        if key not in self._taking:
            task = asyncio.ensure_future(self._take(read, reader, key))
            # Every awaiter sees the error; this keeps asyncio from logging it as unretrieved.
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._taking[key] = task
        snapshot = await asyncio.shield(self._taking[key])
        self._one_way(operation, request, sender, snapshot.before if snapshot else None)
        if snapshot is None:
            self._blind(operation, request, sender, f"no identity may read {key}")
            return None
        redeemed = not self.aggressive and self._redeemed(operation, request, sender, snapshot)
        if redeemed:
            self.own_writes.append((request, sender))  # its credit: on the scan's own user
        if snapshot.exists and not (self.aggressive or self._own_state(request, sender)):
            why = await self.write_backs.why_not(snapshot, key, request, sender, redeemed=redeemed)
            if why:
                raise Unrestorable(operation, sender.identity or _ANONYMOUS, why)
        snapshot.writes.append((request, sender))
        return snapshot

    async def _taking_from(self, taken: Taken | None) -> None:
        """A creation that may go, and takes from a count all share: that count, read first."""
        if taken is not None:
            await self.counts.watch(taken, self.api, self.sessions)

    def _safe_deed(self, operation: Operation, request: Request, sender: Sender) -> None:
        """Under ``--safe``, a file identity's action nothing reads back, but a question or a
        login; and anyone's redemption of a code nothing reads (a use gone for everybody)."""
        who = sender.identity
        if self.safe and redeems(operation):
            raise NotOurs(operation, who or _ANONYMOUS, "under --safe " + _UNREAD_CODE)
        if redeems(operation) and who is not None and self.is_own(who):
            self.own_writes.append((request, sender))  # listed: a use may be gone for good
        if who is None or self.is_own(who) or self._login(operation):
            return
        if self.safe and not only_asks(operation):
            raise NotOurs(operation, who, "under --safe " + _UNREAD_DEED)

    def _unredeemed(self, operation: Operation, sender: Sender) -> None:
        """A file identity's redemption (not a creation, ``POST /claims``), withheld but with
        ``--aggressive``."""
        who = sender.identity
        if who is None or self.aggressive or self.is_own(who) or not is_redemption(operation):
            return
        if not redeems(operation) and _objects.creates(self.api, operation, self._logins):
            return
        why = "a redemption credits its sender for good: taken only as a user the scan made"
        raise Unrestorable(operation, who, why)

    def _redeemed(self, op: Operation, request: Request, by: Sender, shot: Snapshot) -> bool:
        """A redemption of a shared code by a user the scan signed up (``scan.withhold``)."""
        who = by.identity  # its own voucher is put back like any of its objects: not this
        if who is None or not redeems(op) or self._own_state(request, by) or not self.is_own(who):
            return False
        tally = fields.tally(shot.before)
        if tally:  # the code counts what it hands out: one use fewer for everybody
            why = f"redeeming it may move {tally} of {shot.read.item.target} for everybody"
            raise Unrestorable(op, who, f"{why}, so it could not be restored")
        return True

    def _one_way(self, op: Operation, request: Request, sender: Sender, before: Any = None) -> None:
        """A one-way action goes only to what the scan made (or an identity it made itself;
        its redemption of a shared code goes to :meth:`_redeemed`, which vets the code)."""
        lifted = self.aggressive or self._own_state(request, sender)
        lifted = lifted or (redeems(op) and self.is_own(sender.identity))
        if not lifted and one_way(self.api, op, before if isinstance(before, dict) else ()):
            why = f"it acts for good, so it goes only to what the scan made, not {request.target}"
            raise OneWay(op, sender.identity or _ANONYMOUS, why)

    def ours(self, request: Request) -> bool:
        """True when the object ``request`` names by its last id is one the scan made there."""
        names = list(_objects.ids(self.api, request))
        return bool(names) and self.made_at(request, names[-1])

    def _blind(self, operation: Operation, request: Request, sender: Sender, why: str) -> None:
        if self._own_state(request, sender):
            self.own_writes.append((request, sender))
            return
        if not self.aggressive:
            who = sender.identity or _ANONYMOUS
            raise Unrestorable(operation, who, f"{why}, so it could not be restored")
        self.unknown.append((request, sender))

    def _own_state(self, request: Request, sender: Sender) -> bool:
        """A made identity's write whose path names nothing but itself or what the scan made."""
        identity = sender.identity
        if identity is None or identity.name not in self._own:
            return False
        mine = self._own[identity.name] | {str(v) for _, v in self.sessions.own_ids(identity)}
        return all(
            str(v) in mine or self.made_at(request, k) for k, v in request.path_params.items()
        )

    async def _take(self, read: _objects.Reader, sender: Sender, key: str) -> Snapshot | None:
        """The object as the first who may read it sees it (the sender first).

        A path without values (``/me``) names each caller's own record: only the sender
        reads it (the Koa trial's admin's ``/me`` was put back as alice, who became admin).
        """
        others = [Sender(identity=i) for i in self.sessions.identities if i != sender.identity]
        if entries.own_path(read):
            others = []
        absent: Snapshot | None = None
        for who in (sender, *others):
            reply = await self._reads.read(read, who)
            before = _objects.state(read, reply)
            if before is not None:
                snapshot = Snapshot(read=read, reader=who, exists=True, before=before)
                records.inherit(snapshot, self.snapshots.values())
                self.snapshots[key] = snapshot
                return snapshot
            # Missing from a listing is not proof of absence (pagination, filtering).
            if read.missing(reply) and absent is None:
                absent = Snapshot(read=read, reader=who, exists=False)
        if absent is not None:
            self.snapshots[key] = absent
        return absent

    def _after(
        self,
        operation: Operation,
        request: Request,
        sender: Sender,
        reply: Reply,
        snapshot: Snapshot | None,
        recorded: int,
    ) -> None:
        if 400 <= reply.status < 500:  # refused: under --aggressive it changed nothing unknown
            self.unknown = [(r, s) for r, s in self.unknown if r is not request]
        elif names_nothing() and reply.ok:
            self.unknown.append((request, sender))  # a missing id taken: what did it do?
        if (
            reply.status >= 500
            and operation.method == "POST"
            and snapshot is None
            and not self._login(operation)
            and _objects.creates(self.api, operation, self._logins)
        ):
            self._record(request, sender, "").failed = True  # it may fail after the insert
        if not reply.ok:
            return
        if operation.method == "DELETE":
            # Not what was made while it was in flight: under load the POST that reused
            # its id (``max + 1``) can be answered first, and that object stays to remove.
            for created in self.created[:recorded]:
                if deletes(request, created) and not maybe_kept(created, sender):
                    created.deleted = True
            return
        if operation.method != "POST" or snapshot is not None or self._login(operation):
            return
        self.links.learn(request.path, _objects.unwrap(reply.data))
        made = _objects.new_id(self.api, request, reply.data, reply.header("location"))
        if (
            made is not None
            and made in map(str, request.path_params.values())
            and (self.ours(request) or not _objects.creates(self.api, operation, self._logins))
        ):
            # An action answering with its object (POST /users/1/set-role): nothing new.
            return
        public = self.sessions.openness.public(operation) or sender.identity is None
        body = request.body if public and isinstance(request.body, dict) else {}
        account, names = accounts.signed_up(body), accounts.made_names(body, reply.data)
        if names:  # a sign-up under names the scan made: an account, wherever the API keeps them
            made = made or accounts.account_id(reply.data)
        elif account:
            # Not provably the scan's own (a taken name, a lookup): nothing deletes it.
            made = None
        if made is not None or account or _objects.creates(self.api, operation, self._logins):
            self._record(
                request, sender, made or "", account=account, names=names, answer=reply.data
            )

    def account(
        self, request: Request, reply: Reply, *, name: str, names: frozenset[str] = frozenset()
    ) -> None:
        """Record an account the scan signed up, when :meth:`send` did not see a creation.

        ``names`` address the account in paths (``/users/{username}``): the scan made
        what they name, so a destructive operation may be sent on them.
        """
        created = next((c for c in self.created if c.create is request), None)
        if created is None:
            made = accounts.new_account(self.api, request, reply) or ""
            created = self._record(request, Sender.of(request, None), made, names=names)
        created.account = name
        created.names = names or created.names
        self._claim(created)

    def _login(self, operation: Operation) -> bool:
        return operation.key in self._logins or _objects.hands_out_logins(self.api, operation)

    def _record(
        self,
        request: Request,
        sender: Sender,
        made: str,
        *,
        account: str = "",
        names: frozenset[str] = frozenset(),
        answer: Any = None,
    ) -> Created:
        linked = self.links.holds(request.path)
        delete = deleter(self.api, request, made, linked=linked, answer=answer) if made else None
        created = Created(
            id=made, create=request, creator=sender, delete=delete, account=account, names=names
        )
        self.created.append(created)
        if made:
            kinds = self._made.setdefault(made, set())
            kinds.add(singular(self.links.resource_of(request.path)[0].lower()))
            if delete is not None and not delete.query:  # by query id: the collection above
                name, key = [*delete.path_params.items()][-1]  # its id there (a slug's uuid)
                kinds.add(singular((self.links.collection_of(delete.path, name) or "").lower()))
                self._made.setdefault(key, set()).update(kinds)
        self._claim(created)
        return created

    def _claim(self, created: Created) -> None:
        """An account signed up under names the scan made is the scan's in every collection of
        people; only then: an API may answer a taken name with its owner, who is not ours."""
        if not created.names:
            return
        for value in (*created.names, *([created.id] if created.id else [])):
            self._made.setdefault(value, set()).add(ACCOUNT)
        # By its id, or by a name when the DELETE takes one; else it closes itself (DELETE /me).
        created.delete = created.delete or accounts.deleter(self.api, created.id, created.names)
        created.closes = None if created.delete else accounts.closer(self.api, created.create.body)
