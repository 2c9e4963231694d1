"""``mass_assignment`` (API3, write side): properties a caller may not set, set and kept.

For every POST/PUT/PATCH with a JSON or form body, the candidates are the fields of the
written object as readers show it (``scan.checks._readback``: out of any envelope, nested
objects as dotted paths, ``profile.role``) and as the write's own answer shows it (a
me-like reader sharing no field with that answer nor the body shows another object):

* fields the request schema does not offer as writable (absent, or ``readOnly``), and
* **privilege fields** (``scan.fields``: ``role``, ``is_admin``, ``balance``...) even
  when the contract lists them as writable: the contract is not the authority on what
  a user may grant itself, so a lower identity is tried on its own record;

privilege fields first, at most ``MAX_FIELDS``. Identifiers, secrets and timestamps are
never candidates. The value set is one the field can hold (``scan.values``): one the
API's own answers showed for it, else its ``enum``, else one of its type (a privilege
field with none is not probed: an unknown role can lock a user out), *upwards* only.

* **Updates** (PUT/PATCH): as each identity in turn, lowest role first, read its object
  (one the scan made first), send the update with its *current* values (a no-op control
  that must succeed), then plus one candidate; read back (the reader when it showed the
  field, else the no-op's answer). Unless the field still shows its old value, the old
  value is restored and read back: a failed restore is reported. A candidate the ledger
  withholds (a state moved on a seeded object) is skipped alone.
* **Sign-ups** (a public POST whose body carries a password; ``scan.checks._sign_up``):
  register a plain throwaway user (the control), log in as it and read what shows it;
  only *privilege* fields are candidates there — declared in the sign-up, shown for
  the plain user, or declared in an answer about users — each costing one more
  throwaway user. A field shown back with the value sent is a finding; a field shown
  nowhere (an undocumented ``admin`` flag the API only consults) is a finding by its
  effect (``scan.checks._gained``): the probed user gets through where the plain one
  is refused. When no right (role, admin) was found so, the undocumented flags
  ``admin`` and ``is_admin`` (``isAdmin`` in a camelCase API) are tried together, set
  to ``true``: a flag's granting value is known, a guessed role name is not. A probed
  user that kept its privilege and that nothing deletes has it taken back where the
  API can (``scan.checks._take_back``); else the target state calls it damage.
* **Creations** (a POST that makes an object the contract can delete;
  ``scan.checks._creation``): the control leaves every privilege field out, each probe
  adds one that is optional in the request or shown on the new object though undeclared
  (``approved_by`` on an order); the new objects are read back, and deleted afterwards.

Only a value read back equal to the one sent, unlike the one before, is a finding: high
and confirmed for a privilege field the request may not set, medium for other fields and
for privilege fields the contract declares writable (yet the caller granted them itself).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from apiward.core.errors import TargetError
from apiward.core.findings import Confidence, Severity
from apiward.scan._objects import creates
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._creation import Try, creations
from apiward.scan.checks._gained import Differential, Gain
from apiward.scan.checks._readback import (
    Look,
    Seen,
    field_schemas,
    fields,
    json_object,
    lock,
    look,
    object_schema,
    read_back,
    same_value,
    send_as,
    with_field,
    without_field,
)
from apiward.scan.checks._sign_up import (
    Account,
    is_sign_up,
    learn,
    login_template,
    register,
)
from apiward.scan.checks._take_back import Granted, take_back
from apiward.scan.checks._tries import MAX_FIELDS as MAX_FIELDS
from apiward.scan.checks._tries import candidates, guesses, sign_up_candidates
from apiward.scan.context import Context
from apiward.scan.envelope import is_meta
from apiward.scan.fields import gates_account, is_privileged, tokens
from apiward.scan.identities import Identity
from apiward.scan.request import WITH_BODY, Request
from apiward.scan.resources import own_record_write
from apiward.scan.transport import Reply
from apiward.scan.values import rank
from apiward.scan.withhold import Unrestorable
from apiward.spec import Operation, Schema

_RIGHTS = {"admin", "administrator", "role", "roles", "superuser", "staff", "permissions"}


class MassAssignment:
    """Privileged or read-only properties accepted by a write and persisted."""

    id = "mass_assignment"
    title = "Mass assignment: a property the request may not set is accepted and persisted"
    owasp = "API3:2023"
    cwe = "CWE-915"
    safe = True  # writes only the scanning identities' own records (restored) and throwaway users
    remediation = (
        "Bind request bodies to an explicit allow-list of writable fields (a dedicated "
        "input model per operation and per role); never copy a request body onto the "
        "stored object. Reject unknown properties (additionalProperties: false) rather "
        "than ignoring them, and check the caller's role before it sets a privilege field."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Try each candidate property on ``operation`` and read it back."""
        schema, _ = ctx.synthesizer.body_schema(operation)
        if operation.method not in WITH_BODY or schema is None:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no JSON or form body to extend")
            return
        properties = object_schema(ctx, schema)
        writable = {n for n, s in field_schemas(ctx, schema).items() if not s.get("readOnly")}
        if operation.key in _logins(ctx):
            stream = _skip("an identity's login operation")
        elif is_sign_up(ctx, operation, properties):
            stream = self._sign_up(ctx, operation, properties, writable)
        elif operation.method == "POST" and not creates(ctx.api, operation, ctx.logins):
            stream = _skip("an action, not a creation: it makes nothing to read back")
        elif not ctx.identities:
            stream = _skip("", SkipReason.NO_IDENTITIES)
        elif operation.method == "POST":
            stream = self._created(ctx, operation, writable)
        else:
            stream = self._update(ctx, operation, writable)
        async for outcome in stream:
            yield outcome

    async def _created(
        self, ctx: Context, op: Operation, writable: set[str]
    ) -> AsyncIterator[Outcome]:
        kept, untried = await creations(ctx, op, writable)
        for outcome in untried:
            yield outcome
        for k in kept:
            yield self._finding(ctx, op, k.identity, k.attempt, k.before, k.attack, k.after)

    async def _update(
        self, ctx: Context, op: Operation, writable: set[str]
    ) -> AsyncIterator[Outcome]:
        # The lowest role first: a privilege it grants itself is the escalation to show. An
        # identity whose record could not be put back passes it on: to a user the scan made,
        # whose record is the scan's (the Fastify trial's alice held a null no write takes),
        # and for the caller's own record (no id in the path) at last to the throwaway.
        held: Unrestorable | None = None
        top, refused = max((rank(i.role) for i in ctx.identities), default=0), False
        for identity in [*sorted(ctx.identities, key=lambda i: rank(i.role)), None]:
            if identity is None:  # every identity's record was unrestorable, or refused
                last = held is not None and own_record_write(op.method, op.path)
                identity = await ctx.throwaway() if last else None
                if identity is None or identity in ctx.identities:
                    break
            # Refused to every lower role, the highest sets what the contract lets it set by
            # design: the DRF trial's admin making itself superuser through the users' update.
            only = refused and identity in ctx.identities and rank(identity.role) == top
            try:
                async with lock(ctx, identity):
                    tested = await self._update_as(ctx, op, writable, identity, only)
            except Unrestorable as unrestorable:
                held = held or unrestorable
                continue
            refused = refused or (tested is None and rank(identity.role) < top)
            if tested is not None:
                for outcome in tested:
                    yield outcome
                return
        if held is not None:
            raise held
        yield Skip(reason=SkipReason.NO_ACCESS, detail="no identity could update and read back")

    async def _update_as(
        self, ctx: Context, op: Operation, writable: set[str], identity: Identity, only: bool
    ) -> list[Outcome] | None:
        base = ctx.aim(op, identity, ctx.baseline(op, identity))  # its own made object first
        seen = await read_back(ctx, op, base, identity)
        if seen is None:
            return None
        body = _current(base, seen.data, writable)
        control = await send_as(ctx, body, identity, "control: the update with current values")
        if not control.ok:
            return None
        answer = json_object(control)
        if seen.reader.path != op.path and _apart(answer, seen.data, body):
            seen = dataclasses.replace(seen, data={})  # the reader shows another object
        tries, untried = candidates(ctx, op, seen, answer, writable)
        found: list[Outcome] = list(untried)
        if only and any(t.writable for t in tries):
            why = f"only {identity.name}'s role may update here, and the contract lets it set"
            names = ", ".join(t.name for t in tries if t.writable)
            found.append(Skip(reason=SkipReason.NOT_APPLICABLE, detail=f"{why} {names}"))
            tries = [t for t in tries if not t.writable]
        for attempt in tries:
            # Until it is put back, no other probe may act with the right it may have gained.
            async with ctx.sessions.elevations.hold(identity.name):
                found += await self._attack(ctx, op, (base, body), identity, seen, attempt)
        return found

    async def _attack(
        self,
        ctx: Context,
        op: Operation,
        requests: tuple[Request, Request],
        identity: Identity,
        before: Seen,
        attempt: Try,
    ) -> list[Outcome]:
        """Set one candidate, look, and restore the old value unless it still shows."""
        base, body = requests
        name, value = attempt.name, attempt.probe.value
        note = f"mass assignment: {name}"
        attack: Reply | None = None
        try:
            attack = await send_as(ctx, with_field(body, name, value), identity, note)
        except Unrestorable as held:
            return [Skip(reason=SkipReason.UNRESTORABLE, detail=str(held))]
        except TargetError:
            if ctx.sessions.transport.down is not None:
                raise
        in_reader = name in fields(before.data)  # else only the update's answer shows it
        after = await look(ctx, op, base, body, identity, name, reader=in_reader)
        if attack is not None and after is not None and same_value(after.value, attempt.old):
            return []  # the field shows its old value: nothing changed, nothing to restore
        try:
            await send_as(ctx, with_field(body, name, attempt.old), identity, f"restore {name}")
        except TargetError:
            if ctx.sessions.transport.down is not None:
                raise
        check = await look(ctx, op, base, body, identity, name, reader=in_reader)
        restored = check is not None and same_value(check.value, attempt.old)
        if attack is not None and after is not None and _persisted(attempt, after.value):
            return [
                self._finding(
                    ctx, op, identity.name, attempt, before.reply, attack, after, restored
                )
            ]
        if restored or (check is None and after is None):
            return []
        shown = "not shown any more" if check is None else f"{check.value!r}"
        what = f"{attack.status}" if attack is not None else "no answer"
        return [
            Skip(
                reason=SkipReason.ERROR,
                detail=f"restoring {name} to {attempt.old!r} after the probe (answered "
                f"{what}) FAILED: it is {shown}",
            )
        ]

    async def _sign_up(
        self,
        ctx: Context,
        op: Operation,
        properties: Mapping[str, Schema],
        writable: set[str],
    ) -> AsyncIterator[Outcome]:
        login = login_template(ctx, op, writable)
        if login is None:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no login that fits a sign-up")
            return
        plain = await register(ctx, op, properties, login, note="control: a plain sign-up")
        if plain is None:
            yield Skip(reason=SkipReason.NO_ACCESS, detail="a plain sign-up could not log in")
            return
        known = await learn(ctx, op, plain)
        tries, untried = sign_up_candidates(ctx, op, plain, writable)
        for outcome in untried:
            yield outcome
        victims = lambda: register(  # noqa: E731
            ctx, op, properties, login, note="a victim for the probes", read=False
        )
        differential = Differential(ctx, plain, victims, known)
        made, granted = [plain], list[Granted]()
        found = False  # a right (role, admin) granted: guessing admin flags adds nothing
        for attempt in [*tries, *guesses(properties, tries)]:
            if attempt.guessed and found:
                break
            names = attempt.name.split(" / ")
            probed = await register(
                ctx, op, properties, login, dict.fromkeys(names, attempt.probe.value)
            )
            if probed is None:
                continue
            made.append(probed)
            shown = next(((n, s) for n in names if (s := probed.shown().get(n)) is not None), None)
            # A guessed flag only by its effect: an API that keeps every field it is sent
            # shows ``admin: true`` back and grants nothing by it.
            if shown is not None and _persisted(attempt, shown[1][0]) and not attempt.guessed:
                name, (value, view) = shown
                attempt = dataclasses.replace(attempt, name=name)
                after = Look(reply=view.reply, where=view.where, value=value)
                before = plain.views[0].reply if plain.views else plain.reply
                found = found or bool(set(tokens(attempt.name)) & _RIGHTS)
                granted.append(
                    Granted(account=probed, names=(name,), value=value, plain=attempt.old)
                )
                yield self._finding(ctx, op, "a new user", attempt, before, probed.reply, after)
                continue
            gain = await differential.gain(probed)
            if gain is not None:
                found = True
                value, old = attempt.probe.value, attempt.old
                granted.append(
                    Granted(account=probed, names=(*names,), value=value, plain=old, gain=gain)
                )
                yield self._gained(ctx, op, attempt, plain, probed, gain)
        await differential.tidy(made)
        for one in granted:  # an account left holding a right is a hazard: take it back
            await take_back(ctx, op, one)

    def _gained(
        self,
        ctx: Context,
        op: Operation,
        attempt: Try,
        plain: Account,
        probed: Account,
        gain: Gain,
    ) -> Outcome:
        value = attempt.probe.value
        names = " and ".join(f"{n}={json.dumps(value)}" for n in attempt.name.split(" / "))
        kind = "undocumented " if attempt.guessed else ""
        title = f"{op.key} lets a new user grant itself rights with {kind}{names}"
        source = attempt.probe.source.value
        if attempt.guessed:
            source = "a guess: neither the contract nor any answer shows such a field"
        detail = (
            f"Two users signed up through {op.key}, one plain and one with {names} ({source}). "
            f"No answer shows the field back, but its effect does: {gain.text()}. The only "
            "difference between the two users is that field of the sign-up."
        )
        return ctx.finding(
            self,
            op,
            title=title,
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED if gain.confirmed else Confidence.FIRM,
            detail=detail,
            evidence=[plain.reply, probed.reply, gain.plain, gain.probed],
            proof=probed.reply,
            key=f"body:{attempt.name}",
        )

    def _finding(
        self,
        ctx: Context,
        op: Operation,
        who: str,
        attempt: Try,
        before: Reply,
        attack: Reply,
        after: Look,
        restored: bool | None = None,
    ) -> Outcome:
        name, value = attempt.name, attempt.probe.value
        privileged = is_privileged(name)
        restore = {True: " It was restored.", False: " Restoring it FAILED.", None: ""}
        changed = (
            f"sending {name}={value!r} ({attempt.probe.source.value}) changed it from "
            f"{attempt.old!r}: {after.where} shows the new value.{restore[restored]}"
        )
        if attempt.owner:
            title = f"{op.key} lets {who} make an object in {attempt.owner}'s {name}"
            detail = (
                f"{who}'s own record holds {name}={attempt.old!r}, and what it makes gets that "
                f"value; {attempt.owner}'s holds {value!r}. Sent with {name}={value!r}, the new "
                f"object kept it: {after.where} shows it. A caller may put objects into another "
                f"tenant's records (or another's name). The server must take {name} from the "
                "caller's own record, or check that the caller belongs to the one named."
            )
            severity, confidence = Severity.HIGH, Confidence.CONFIRMED
        elif attempt.writable:
            title = f"{op.key} lets {who} grant itself {name} (the contract declares it writable)"
            detail = (
                f"{name} is a privilege field the contract lists as writable, but the contract "
                f"is not the authority on who may set it: as {who}, {changed} If only some "
                f"roles may set {name}, the server must check the caller's role."
            )
            severity, confidence = Severity.MEDIUM, Confidence.FIRM
            if _tops(name, value):  # an admin's role or flag: the whole API is the caller's
                severity, confidence = Severity.HIGH, Confidence.CONFIRMED
        else:
            title = f"{op.key} accepts and keeps {name}, which its request may not set"
            detail = f"{name} is not a writable property of the request schema, yet {changed}"
            severity = Severity.HIGH if privileged else Severity.MEDIUM
            confidence = Confidence.CONFIRMED
        return ctx.finding(
            self,
            op,
            title=title,
            severity=severity,
            confidence=confidence,
            detail=detail,
            evidence=[before, attack, after.reply],
            proof=attack,
            key=f"body:{name}",
        )


def _tops(name: str, value: Any) -> bool:
    """True for a value that makes its holder an administrator: ``role: admin``, or
    ``is_superuser: true`` (the Fastify and Litestar trials' customers became platform
    admins through ``PATCH /me``, and the finding said medium)."""
    if isinstance(value, bool):
        return value and rank(name) >= 3
    return isinstance(value, str) and rank(value) >= 3


async def _skip(
    detail: str, reason: SkipReason = SkipReason.NOT_APPLICABLE
) -> AsyncIterator[Outcome]:
    yield Skip(reason=reason, detail=detail)


def _persisted(attempt: Try, now: Any) -> bool:
    value = attempt.probe.value
    return not same_value(attempt.old, value) and now is not None and same_value(now, value)


def _current(base: Request, data: Mapping[str, Any], writable: set[str]) -> Request:
    """``base`` with every writable field (nested ones too) set to the object's current value.

    A privilege field the object does not show is left out: the control must not grant
    what the synthesised request happened to carry; nor may it lock the account out (a
    ``disabled`` flag no read shows: the Fastify trial's admin).
    """
    if not isinstance(base.body, dict):
        return base
    shown = fields(data)
    for name in fields(base.body):
        value = shown.get(name)
        if name in writable and isinstance(value, str | int | float):
            base = with_field(base, name, value)
        elif is_privileged(name) or gates_account(name):
            base = without_field(base, name)
    return base


def _apart(answer: Mapping[str, Any] | None, shown: Mapping[str, Any], sent: Request) -> bool:
    """True when the update's answer is an object of its own that the reader's object is not.

    ``PUT /me/avatar`` answers ``{"content_type", "size"}`` and ``/me`` shows the user: no
    field of the answer nor of the body is the user's, so the user's fields are not what
    the update writes. An answer of only status words (``{"message"}``) says nothing.
    """
    own = {n for n in fields(answer or {}) if not is_meta(n.split(".")[0])}
    if not own:
        return False
    body = set(fields(sent.body)) if isinstance(sent.body, dict) else set()
    return not (own | body) & set(fields(shown))


def _logins(ctx: Context) -> set[str]:
    return {f"{i.login.method} {i.login.path}" for i in ctx.identities if i.login is not None}
