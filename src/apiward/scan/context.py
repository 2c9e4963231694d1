"""What a check gets to work with, and nothing global: the scan's :class:`Context`.

=====================  ===========================================================
``ctx.api``            the contract (``spec.Api``)
``ctx.identities``     the identities that authenticate (anonymous ones excluded)
``ctx.peers(a)``       other identities with ``a``'s role (BOLA pairs)
``ctx.send(r, as_=)``  send a request as an identity; ``as_=None`` sends NO credential;
                       refuses (``OutOfScope``, ``Destructive``) what the scan must not send;
                       every write goes through ``ctx.ledger`` (see ``scan.ledger``)
``ctx.probes``         the operations a check may pick to send for another purpose (a
                       read to replay, a burst target): in scope and not destructive
``ctx.request(op)``    a valid request synthesised from the contract
``ctx.baseline(op,a)`` that request with the ids ``a`` harvested filled in
``ctx.legit(op, a)``   the baseline's reply, once per operation and identity; ``Withheld``
                       for a write touching others' objects or privileges; a step-up when
                       a refusal asks for one; a write on an object path goes to a spare
                       made for it; a creation refused as a conflict goes again, its dates
                       moved on or naming other objects (``scan.conflicts``, ``references``)
``ctx.send_stepped``   ``send``, then the step-up a refusal asks for and the request again
``ctx.shared(k, f)``   a reply several checks need, sent once (``await f()``) per key ``k``
``ctx.refusals``       refusals that decide later probes, by key (``checks._injection.probe``)
``ctx.withheld(op,a)`` why ``a``'s legitimate write is not sent (None: it is sent)
``ctx.legit_request``  the baseline, checked the same way: for checks that resend it
``ctx.harvest``        sightings, slots and ownership (see ``scan.harvest``)
``ctx.canary``         ``token(label)`` → URL + token; ``await hit(token, timeout)``
``ctx.safe``           True under ``--safe``: never change what others own
``ctx.probers(op)``    who sends hostile values to ``op``: the throwaway on a step-up
``ctx.throwaway()``    an identity the scan signed up itself, whose own state it may
                       change without restoring (``scan.throwaway``); None: no sign-up
``ctx.finding(...)``   a Finding with evidence and a ``curl`` from the replies given
=====================  ===========================================================
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from apiward.scan import choices, conflicts, duplicates, recovery, references, required_only
from apiward.scan._findings import finding
from apiward.scan._objects import creates, ids, new_id, object_slot
from apiward.scan.canary import Canary
from apiward.scan.destructive import Destructive, destructive, why_destructive
from apiward.scan.entries import set_aside
from apiward.scan.flows import is_login, is_logout
from apiward.scan.harvest import ANYONE, Harvest
from apiward.scan.identities import Identity, login_keys
from apiward.scan.ledger import Ledger
from apiward.scan.login_names import LoginNames
from apiward.scan.one_way import one_way
from apiward.scan.request import Request, Where
from apiward.scan.resources import own_record_write
from apiward.scan.scope import OutOfScope, Scope
from apiward.scan.sessions import Sessions
from apiward.scan.step_up import StepUps
from apiward.scan.synthesis import Synthesizer
from apiward.scan.throwaway import Throwaway
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld, withheld
from apiward.spec import Api, Operation


class Context:
    """The scan as a check sees it."""

    def __init__(
        self,
        *,
        api: Api,
        sessions: Sessions,
        synthesizer: Synthesizer,
        harvest: Harvest,
        canary: Canary,
        safe: bool = False,
        ledger: Ledger | None = None,
        scope: Scope | None = None,
        throwaway: Throwaway | None = None,
        step_ups: tuple[str, ...] = (),
    ) -> None:
        self.api = api
        self.sessions = sessions
        self.synthesizer = synthesizer
        self.harvest = harvest
        self.canary = canary
        self.safe = safe
        self.ledger = ledger or Ledger(api, sessions)
        self.identities: tuple[Identity, ...] = sessions.identities
        self.logins = login_keys(self.identities)
        """The operations the identities log in with (``METHOD /path``)."""
        self.login_names = LoginNames(self.identities, synthesizer)
        """The fields users log in with, which no update of the scan's changes."""
        self._shared: dict[tuple[str, ...], asyncio.Task[Reply]] = {}
        self.refusals: dict[tuple[str, ...], list[tuple[frozenset[str], Reply]]] = {}
        """Validation refusals seen per input, with the declared constraints the value broke."""
        self.scope = scope or Scope()
        self._throwaway = throwaway
        bodies = {o.key: _properties(synthesizer, o) for o in api.operations if o.method == "POST"}
        self.step_ups = StepUps(api, bodies, step_ups)
        """Operations that unlock others for a session (``scan.step_up``)."""
        self._stepped_wrong: set[tuple[str, str]] = set()
        self._aimed: dict[tuple[str, str], Request] = {}
        """Legitimate writes ``legit`` aimed at a spare object, by operation and identity."""
        self.out_of_scope = {o.key: why for o in api.operations if (why := self.scope.why_out(o))}
        """Operations ``--include``/``--exclude`` keep out, and the pattern that does."""
        self.destructive = {o.key: why for o in api.operations if (why := destructive(o))}
        """Operations that destroy or reset state, and what says so (``scan.destructive``)."""
        self.logouts = frozenset(o.key for o in api.operations if is_logout(o))
        """Logouts of one session (of one the scan logged in for it: never destructive)."""
        sessions.logouts = self.logouts
        self.probes = tuple(
            o for o in api.operations if o.key not in {**self.out_of_scope, **self.destructive}
        )

    def alone(self) -> AbstractAsyncContextManager[None]:
        """While inside, no other request is in flight: for probes that measure time (never
        await ``ctx.legit`` there: a shared baseline started elsewhere would wait for it)."""
        return self.sessions.transport.alone()

    def peers(self, identity: Identity) -> tuple[Identity, ...]:
        """The other identities with the same role: each may try the others' objects."""
        return tuple(
            i for i in self.identities if i.name != identity.name and i.role == identity.role
        )

    async def send(
        self, request: Request, *, as_: Identity | None, note: str = "", moved: bool = False
    ) -> Reply:
        """Send ``request`` as ``as_``; ``None`` means anonymous: no credentials at all.

        ``moved``: a DELETE of an object the scan made, named under other parents (the
        sender's own, where a read showed no other object: ``checks._parents``).
        """
        self.refuse(request, moved=moved)
        request = self.login_names.kept(request, as_)
        return await self.ledger.send(request, as_=as_, note=note)

    async def send_stepped(
        self, request: Request, *, as_: Identity | None, note: str = ""
    ) -> Reply:
        """``send``; a refusal that asks for a step-up gets it (as ``as_``), then one resend."""
        reply = await self.send(request, as_=as_, note=note)
        operation = self.api.operation(request.method, request.path)
        step = self.step_ups.asked(operation, reply) if operation and as_ else None
        if step is None or as_ is None or not await self._step_up(step, as_):
            return reply
        return await self.send(request, as_=as_, note=note)

    async def _step_up(self, step: Operation, identity: Identity) -> bool:
        """Send ``step`` as ``identity`` when its secret is known; a failure is not retried."""
        key = (step.key, identity.name)
        known = all(n in self.synthesizer.values for n in self.step_ups.secrets(step))
        if key in self._stepped_wrong or not (known or self.ledger.is_own(identity)):
            return False
        note = f"step-up: {step.key} as {identity.name}"
        reply = await self.send(self.baseline(step, identity), as_=identity, note=note)
        if not reply.ok and reply.status != 401:  # 401: the session, not the secret
            self._stepped_wrong.add(key)
        return reply.ok

    def refuse(self, request: Request, *, moved: bool = False) -> None:
        """Raise if ``request`` must not be sent: out of scope, or destroying what others own.

        A destructive operation goes out only when every id it carries (path, query id) is an
        object the scan created, or its last one is and the others its parents (``Ledger.
        removes_made``), never under ``--safe``; a password recovery, for the scan's own accounts
        (``scan.recovery``). Under ``--aggressive`` a ``DELETE`` of one named object whose path
        says nothing more (not a reset) goes out too: the target state lists it. ``moved``: its
        last id alone must be the scan's (``send``)."""
        key = request.operation or f"{request.method} {request.path}"
        out = self.out_of_scope.get(key) or self.scope.why_out_path(request.method, request.path)
        if out is not None:
            raise OutOfScope(key, out)
        why = self.destructive.get(key) or why_destructive(request.method, request.path)
        if why is None or key in self.logouts or recovery.own_recovery(request, self.ledger.made):
            return
        named = ids(self.api, request)
        if named and not self.safe and self.ledger.aggressive and _one_object(request):
            return
        made = moved and bool(named) and self.ledger.made_at(request, [*named][-1])
        made = made or self.ledger.holds(request)  # the very DELETE recorded for what it made
        if self.safe or not named or not (made or self.ledger.removes_made(request)):
            raise Destructive(key, why, safe=self.safe)

    async def throwaway(self) -> Identity | None:
        """An identity the scan signed up itself (made on first use); None when it has none.

        Its own state is the scan's: a write to it that nothing reads back is sent and
        listed as left on it, where a file identity's would be unrestorable."""
        return await self._throwaway.get() if self._throwaway is not None else None

    async def probers(self, operation: Operation) -> tuple[Identity, ...]:
        """Who a check sends malformed or hostile values as on ``operation``.

        The file's identities; but on a step-up (``scan.step_up``: it checks a PIN or an
        OTP) every wrong value counts against the sender, and enough of them lock it out,
        so there only the scan's throwaway identity, when it can have one.

        On a write to the caller's own record (``PATCH /me``) a user the scan made goes
        first, when there is one (none is signed up for it: it may stay for good): a real
        user's ``null`` often cannot be written back (the Fastify trial turned it into ``""``).
        """
        if operation in self.step_ups.operations:
            made = await self.throwaway()
            return self.identities if made is None else (made,)
        own = [i for i in self.identities if self.ledger.is_own(i)]
        if own and own_record_write(operation.method, operation.path):
            return (*own, *(i for i in self.identities if i not in own))
        return self.identities

    def throwaway_notes(self) -> list[str]:
        """What the report's notes say of the throwaway identity (nothing when none was made)."""
        return self._throwaway.notes() if self._throwaway is not None else []

    def request(self, operation: Operation) -> Request:
        """A valid request for ``operation``, synthesised from the contract."""
        return self.synthesizer.request(operation)

    def baseline(self, operation: Operation, identity: Identity) -> Request:
        """The synthesised request with ids ``identity`` harvested in every id slot.

        Not for a login: a probe there with a real account's name and a wrong password
        counts against that account, and enough of them lock its owner out. A login's
        baseline names an account nobody has (its unique fields are fresh).
        """
        if self._is_login(operation):
            return self.request(operation)
        request = self.request(operation)
        if self.ledger.is_own(identity):
            # A user the scan signed up sees what anyone may, though it may have joined after
            # the harvest: what an anonymous request saw fills the slots it saw nothing for.
            request = self.harvest.baseline(request, operation, ANYONE)
        return self.harvest.baseline(request, operation, identity)

    def withheld(self, operation: Operation, identity: Identity) -> str | None:
        """Why ``identity``'s legitimate request is never sent (see ``scan.withhold``), or None."""
        return self._why_withheld(operation, identity, self.baseline(operation, identity))

    def _why_withheld(
        self, operation: Operation, identity: Identity, request: Request, but: str = ""
    ) -> str | None:
        own, aggressive = self.ledger.is_own(identity), self.ledger.aggressive
        return withheld(
            self.harvest, operation, identity, request, own=own, but=but, aggressive=aggressive
        )

    def legit_request(self, operation: Operation, identity: Identity) -> Request:
        """``identity``'s baseline, for sending as its own legitimate request; raises ``Withheld``."""
        request = self.baseline(operation, identity)
        why = self._why_withheld(operation, identity, request)
        bare = required_only.unprivileged(self.synthesizer, operation, request)
        if why is not None and bare is not request:
            request, why = bare, self._why_withheld(operation, identity, bare)
        if why is not None:
            raise Withheld(operation, identity, why, legitimate=True)
        return self.aim(operation, identity, request)

    def aim(self, operation: Operation, identity: Identity, request: Request) -> Request:
        """A POST/PUT/PATCH on an object path aimed at one ``identity`` made, when there is one:
        the one its legitimate write went to, else the last of that resource the scan made
        as it and has not deleted (never a seeded record when the scan has its own). A DELETE
        or a one-way action (an approval) is aimed only by ``legit``, at a spare made for it.
        """
        if operation.method.upper() == "DELETE":
            return request
        aimed = self._aimed.get((operation.key, identity.name))
        if aimed is not None or one_way(self.api, operation):
            return aimed or request
        return self.ledger.aim(request, identity)

    async def legit(self, operation: Operation, identity: Identity) -> Reply:
        """The reply to ``identity``'s baseline request (sent once, shared by every check).

        Raises ``Withheld`` for a write that would change another's object or a privilege
        field: the runner reports that as a skip unless the check handles it. On a login
        the first identity's answer is every identity's: its baseline names an account
        nobody has whoever sends it (``baseline``), so another's would be the same request.
        """
        first = self.identities[0] if self.identities else identity
        if identity in self.identities and identity is not first and self._is_login(operation):
            return await self.legit(operation, first)
        key = ("legit", operation.key, identity.name)
        if key not in self._shared:
            request, held = self._for_spare(operation, identity)
            note = f"baseline: {identity.name}'s own legitimate request"

            async def send() -> Reply:
                aimed = await self._spare(operation, identity, request, new=held is not None)
                if held is not None and aimed is request:
                    raise held  # no spare of its own: never the object its baseline names
                if aimed is not request:
                    self._aimed[(operation.key, identity.name)] = aimed
                reply = await self.send_stepped(aimed, as_=identity, note=note)
                if operation.method == "POST":
                    reply = await self._conflict(operation, identity, aimed, reply, note)
                elif duplicates.duplicated(reply):  # an update naming another's unique code
                    reply = await self._unique(operation, identity, aimed, reply, note)
                return reply

            self._start(key, send)
        return await asyncio.shield(self._shared[key])

    def _for_spare(self, op: Operation, who: Identity) -> tuple[Request, Withheld | None]:
        """``legit_request``, or when only its object is another's, its baseline and why it
        goes to a spare only (the Go trial's ``PATCH /shipments/{tn}``, never sent)."""
        try:
            return self.legit_request(op, who), None
        except Withheld as held:
            # Never a creation under a parent: its slot is that parent, and what it makes
            # there may have no DELETE (a comment under an issue the scan made).
            slot, base = object_slot(self.api, op), self.baseline(op, who)
            spared = op.method.upper() in {"PUT", "PATCH", "DELETE"} or one_way(self.api, op)
            spared = spared or (op.method.upper() == "POST" and not creates(self.api, op))
            if not spared or slot is None or self._why_withheld(op, who, base, but=slot[0]):
                raise
            return base, held

    async def _conflict(
        self, operation: Operation, identity: Identity, aimed: Request, reply: Reply, note: str
    ) -> Reply:
        """A refused creation again, its dates moved on (``scan.conflicts``), then naming other
        objects (``references``), then with fewer optional fields (``required_only``)."""
        key = (operation.key, identity.name)

        async def later(retry: Request, days: int) -> Reply:
            why = f"{note}, its dates {days} day(s) on after a refusal for its time"
            return await self.send_stepped(retry, as_=identity, note=why)

        sent, reply = await conflicts.again(aimed, reply, later)
        if sent is not aimed:
            self._aimed[key] = sent

        async def other(retry: Request) -> Reply:
            why = f"{note}, naming other objects after a refusal"
            return await self.send_stepped(retry, as_=identity, note=why)

        retry, reply = await references.again(self.harvest, operation, identity, sent, reply, other)
        retry, reply = await duplicates.again(self.harvest, operation, retry, reply, other)
        synthesizer = self.harvest.synthesizer
        retry, reply = await choices.again(synthesizer, operation, retry, reply, other)
        retry, reply = await required_only.again(synthesizer, operation, retry, reply, other)
        if retry is not sent and reply.ok:
            self._aimed[key] = retry
        return reply

    async def _unique(
        self, operation: Operation, identity: Identity, aimed: Request, reply: Reply, note: str
    ) -> Reply:
        """A write refused as a duplicate, again with fresh free strings (``scan.duplicates``)."""

        async def fresh(retry: Request) -> Reply:
            why = f"{note}, fresh values after a refusal as a duplicate"
            return await self.send_stepped(retry, as_=identity, note=why)

        retry, reply = await duplicates.again(self.harvest, operation, aimed, reply, fresh)
        if retry is not aimed:
            self._aimed[(operation.key, identity.name)] = retry
        return reply

    def sent(self, operation: Operation, identity: Identity) -> Request | None:
        """``identity``'s legitimate request as it went, where not as its baseline: to a spare
        it made (a DELETE's, now gone), or a retry that got through (another assignee)."""
        return self._aimed.get((operation.key, identity.name))

    async def fresh_object(self, operation: Operation, identity: Identity) -> Request | None:
        """``identity``'s request for ``operation`` aimed at an object it makes for it now, or None.

        A new one, as for a DELETE: an action (approve, publish) may already have been
        taken on the objects other checks share. None when the contract cannot make one
        of that resource, or the making failed.
        """
        request, _ = self._for_spare(operation, identity)
        aimed = await self._spare(operation, identity, request, new=True)
        return aimed if aimed is not request else None

    async def _spare(
        self, operation: Operation, identity: Identity, request: Request, *, new: bool = False
    ) -> Request:
        """The write aimed at a fresh object the identity makes first (its collection's POST),
        else ``request``: a DELETE would destroy what other checks read (a peer's appointment),
        a write on an object path change a record the restore may not put back (a seeded
        note), a one-way action close what others write (an approved expense)."""
        slot = object_slot(self.api, operation)
        if slot is None:
            return request
        name, create, where = slot
        ends = operation.method.upper() == "DELETE" or one_way(self.api, operation)
        own = new or ends  # a DELETE gets its own even on what the scan made: others read it
        if not own and self.ledger.made_at(request, name):
            return request
        if create.key in self.out_of_scope or create.key in self.destructive:
            return request
        try:
            # Made where the identity's own creation goes (under a parent it made, when it
            # made one), and the write goes there too: not under the seeded organiser the
            # write's baseline names its item under (the NestJS trial's events, left cancelled).
            make = self.legit_request(create, identity)
            note = "a spare object to write to"
            reply = await self.send(make, as_=identity, note=note)

            async def later(retry: Request, days: int) -> Reply:
                return await self.send(retry, as_=identity, note=f"{note}, {days} day(s) on")

            make, reply = await conflicts.again(make, reply, later)

            async def other(retry: Request) -> Reply:
                return await self.send(retry, as_=identity, note=f"{note}, naming other objects")

            make, reply = await references.again(self.harvest, create, identity, make, reply, other)
            make, reply = await duplicates.again(self.harvest, create, make, reply, other)
            make, reply = await choices.again(self.harvest.synthesizer, create, make, reply, other)
        except (Withheld, Destructive, OutOfScope):
            return request
        made = new_id(self.api, make, reply.data, reply.header("location"))
        if not reply.ok or made is None or not self.ledger.made(made):
            return request
        if ends:  # this write ends it: no other write may be aimed at it meanwhile
            set_aside(self.ledger.created, made)
        for key, value in make.path_params.items():
            if key in request.path_params:
                request = request.with_param(Where.PATH, key, value)
        return request.with_param(where, name, made)

    async def shared(self, key: tuple[str, ...], send: Callable[[], Awaitable[Reply]]) -> Reply:
        """The reply ``send()`` gets, sent once per ``key`` for every check that asks.

        For answers several checks compare with (a 404 fingerprint, an input's answer to
        an ordinary value): the first check to ask pays for it, the others reuse it.
        """
        if key not in self._shared:
            self._start(key, send)
        return await asyncio.shield(self._shared[key])

    def answered(self, operation: Operation, identity: Identity) -> bool:
        """True when ``identity``'s legitimate request for ``operation`` already got a 2xx."""
        reply = self._legit_in_hand(operation, identity)
        return reply is not None and reply.ok

    def _legit_in_hand(self, operation: Operation, identity: Identity) -> Reply | None:
        """``identity``'s legitimate reply for ``operation`` when it has come (never waits)."""
        task = self._shared.get(("legit", operation.key, identity.name))
        if task is None or not task.done() or task.cancelled() or task.exception():
            return None
        return task.result()

    def legit_answers(self, operation: Operation) -> str:
        """What each identity's legitimate request for ``operation`` got, for a skip's detail.

        Only answers already in hand: ``alice: 400 (Bad Request)``, so that a user sees
        the API's own reason (a rule the contract does not state) without its log.
        """
        seen = []
        for identity in self.identities:
            reply = self._legit_in_hand(operation, identity)
            if reply is None:
                continue
            seen.append(f"{identity.name}: {reply.status} {_gist(reply.text)}".rstrip())
        # Not the identity's own refusal: a login's baseline names an account nobody has.
        login = self._is_login(operation)
        return ("a login, sent for a made-up account: " if login else "") + "; ".join(seen)

    def _is_login(self, operation: Operation) -> bool:
        return operation.key in self.logins or is_login(operation)

    def _start(self, key: tuple[str, ...], send: Callable[[], Awaitable[Reply]]) -> None:
        task = asyncio.ensure_future(send())
        # Every awaiter sees the error; this keeps asyncio from logging it as unretrieved.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self._shared[key] = task

    finding = staticmethod(finding)
    """A finding of a check on an operation, proved by its evidence (``scan._findings``)."""


def _properties(synthesizer: Synthesizer, operation: Operation) -> tuple[str, ...]:
    schema, _ = synthesizer.body_schema(operation)
    found = (schema or {}).get("properties")
    return tuple(found) if isinstance(found, dict) else ()


def _one_object(request: Request) -> bool:
    """A DELETE whose path names one object and no destruction beyond it."""
    if request.method.upper() != "DELETE" or not request.path.rstrip("/").endswith("}"):
        return False
    return why_destructive("GET", request.path) is None


_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _gist(text: str, width: int = 80) -> str:
    """An answer in a few words: an HTML page's title, else its first characters, quoted."""
    found = _TITLE.search(text)
    words = " ".join((found.group(1) if found else text).split())
    if not words:
        return ""
    return f"({words[:width]}{'…' if len(words) > width else ''})"
