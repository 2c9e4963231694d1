"""``short_secret`` (API2): PINs and one-time codes of six digits or fewer that never lock.

For every operation taking a short numeric code (``_codes``: ``pin``, ``otp``,
``verification_code``… bounded to ≤ 6 digits; not a sign-up or any operation that also
takes a password: those set a code rather than check it), as an account of the scan's own — a
throwaway one registered through the contract's sign-up and login when there is one,
else the user the scan signs up for itself (``ctx.throwaway()``, which also serves APIs
taking HTTP basic credentials, where no login form exists), else the *last* identity;
never anyone else's. Where the code guards an object
(``POST /reports/{slug}/payout``), the throwaway account first makes one of its own
through that resource's POST:

1. when the right code is known (the code the throwaway signed up with, or the
   identities file's ``values:``) and the operation only checks it (its body has
   nothing but the code and the account's name: a right code beside ``amount`` would
   move money), it is sent first and must be accepted;
2. ``TRIES`` wrong codes, stopping at the first sign of throttling or lockout (429/423,
   ``Retry-After``, another status, a lockout or CAPTCHA word, a changed answer —
   ``_answers.lockout``): that is protection, and no finding;
3. then the right code again (it must still be accepted) or, when it is unknown, one
   more wrong code (it must be refused the same way as the first).

A finding (CWE-307) says how long all the codes take at the rate observed: high for
10,000 codes or fewer, medium above. ``TRIES`` is above the 3–10 tries of real lockout
policies, and small enough that an account locked by it is one of the scan's own.
Not under ``--safe``: a lockout, even of the scan's own account, changes the target.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from apiward.core.errors import ConfigError
from apiward.core.findings import Confidence, Severity
from apiward.scan._objects import new_id, object_slot
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._answers import lockout
from apiward.scan.checks._codes import CodeField, code_fields
from apiward.scan.checks._login_forms import forms, sets_credentials, throwaway
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.fields import is_password
from apiward.scan.identities import Identity
from apiward.scan.recovery import is_name, is_recovery
from apiward.scan.request import Request, Where
from apiward.scan.scope import OutOfScope
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation

TRIES = 12
_REFUSAL = re.compile(r"fail|invalid|incorrect|wrong|denied|mismatch|expired|not valid", re.I)

Send = Callable[[Request, str], Awaitable[Reply]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Whose codes are guessed: how to send as it, its username, and its right codes."""

    owner: str
    send: Send
    username: str | None
    codes: dict[str, str]
    identity: Identity | None
    """The identity guessed as (None: a throwaway account)."""


class ShortSecret:
    """Short numeric codes (PIN, OTP, reset codes) that can be guessed without a lockout."""

    id = "short_secret"
    title = "Short numeric code without lockout"
    owasp = "API2:2023"
    cwe = "CWE-307"
    safe = False  # wrong codes can lock the scan's own account
    remediation = (
        "Lock a PIN or one-time code after a few wrong tries (3–5) per account and per "
        "code, expire codes quickly, answer further tries with 429 and Retry-After, and "
        "prefer longer codes: a 4-digit code falls to 10,000 tries."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Guess wrong codes at every short-code operation as an account of the scan's own."""
        targets = [
            (op, fields[0])
            for op in ctx.api.operations
            if (op in ctx.probes or (is_recovery(op) and op.key not in ctx.out_of_scope))
            and op.method != "DELETE"
            and (is_recovery(op) or not sets_credentials(ctx, op))
            and (fields := list(code_fields(ctx, op)))
        ]
        if not targets:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no short numeric code")
            return
        actor = await _actor(ctx)
        if actor is None:
            yield Skip(reason=SkipReason.NO_IDENTITIES, detail="no account of the scan's own")
            return
        for op, field in targets:
            if is_recovery(op) and not await _asked(ctx, op, actor):
                why = f"{op.key}: no reset code could be asked for an account of the scan's own"
                yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
                continue
            request = await _request(ctx, op, actor)
            if request is None:
                detail = f"{op.key}: no request for {actor.owner}'s own account"
                yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=detail)
                continue
            outcome = await self._probe(ctx, op, field, actor, request)
            if outcome is not None:
                yield outcome

    async def _probe(
        self, ctx: Context, op: Operation, field: CodeField, actor: Actor, request: Request
    ) -> Outcome | None:
        right = actor.codes.get(field.name)
        right = (
            right
            if right is not None and right.isdigit() and _checks_only(request, field)
            else None
        )
        accepted = await _send(actor, request, field, right, "the right code") if right else None
        if accepted is not None and _refused(accepted):
            accepted, right = None, None  # the 'right' code is not: guess without it
        wrong = _wrong_codes(field, right)
        started = time.monotonic()
        replies: list[Reply] = []
        for n, code in enumerate(wrong[:TRIES]):
            reply = await _send(actor, request, field, code, f"wrong code {n + 1}/{TRIES}")
            replies.append(reply)
            if not _refused(reply) or lockout(reply, replies[0], wrong) is not None:
                return None  # not refused (no oracle), or protected
        per_try = (time.monotonic() - started) / TRIES
        last = right or wrong[TRIES]
        after = await _send(actor, request, field, last, "after the wrong codes")
        if right is not None and _refused(after):
            return None
        if right is None and lockout(after, replies[0], wrong) is not None:
            return None
        return self._finding(
            ctx, op, field, actor, per_try, [replies[0], replies[-1], after], right
        )

    def _finding(
        self,
        ctx: Context,
        op: Operation,
        field: CodeField,
        actor: Actor,
        per_try: float,
        evidence: list[Reply],
        right: str | None,
    ) -> Outcome:
        minutes = field.space * per_try / 60
        proof = (
            "and the right code was still accepted right after"
            if right is not None
            else "and one more wrong code was still refused the same way (not locked)"
        )
        severity = Severity.HIGH if field.space <= 10**4 else Severity.MEDIUM
        confidence = Confidence.CONFIRMED if right is not None else Confidence.FIRM
        caveat = ""
        if right is None and is_recovery(op):
            # A reset code mailed to the account is never known, and one that expires silently
            # after a few tries answers exactly like a wrong one (the NestJS trial's: 5 tries).
            severity = Severity.MEDIUM if severity is Severity.HIGH else Severity.LOW
            confidence = Confidence.TENTATIVE
            caveat = (
                " The right code was mailed, so it could not be tried: a code the server "
                "expires after a few wrong tries, answering as it answers a wrong one, looks "
                "the same from outside. Check the server's rule."
            )
        return ctx.finding(
            self,
            op,
            title=f"{op.key}: a {field.digits}-digit {field.name!r} can be guessed",
            severity=severity,
            confidence=confidence,
            detail=(
                f"{TRIES} wrong {field.name!r} codes in a row for {actor.owner} were refused "
                f"the same way, with no throttling or lockout, {proof}. At this rate "
                f"({per_try * 1000:.0f} ms a try, one try at a time) all {field.space:,} "
                f"codes take {minutes:.1f} minutes.{caveat}"
            ),
            evidence=evidence,
            key=f"short-secret:{field.name}",
        )


async def _send(actor: Actor, request: Request, field: CodeField, code: str, note: str) -> Reply:
    value = field.value(int(code))
    if field.in_query:
        query = tuple((k, v) for k, v in request.query if k != field.name)
        sent = dataclasses.replace(request, query=(*query, (field.name, str(value))))
    else:
        body = request.body if isinstance(request.body, dict) else {}
        sent = dataclasses.replace(request, body={**body, field.name: value})
    return await actor.send(sent, f"short_secret: {note}")


def _checks_only(request: Request, field: CodeField) -> bool:
    """True when the body carries nothing but the code and whose it is: sending the right
    code then only checks it, where ``{amount, to, pin}`` would also move money."""
    body = request.body if isinstance(request.body, dict) else {}
    return all(key == field.name or is_name(key) for key in body)


def _refused(reply: Reply) -> bool:
    return reply.status >= 400 or bool(_REFUSAL.search(reply.text[:2000])) or _said_no(reply)


def _said_no(reply: Reply) -> bool:
    """A small JSON answer whose every flag is false: ``{"unlocked": false}``, ``{"ok": false}``."""
    data = reply.data
    if not isinstance(data, dict) or len(data) > 4:
        return False
    flags = [v for v in data.values() if isinstance(v, bool)]
    return bool(flags) and not any(flags)


def _wrong_codes(field: CodeField, right: str | None) -> list[str]:
    """``TRIES + 1`` distinct codes of the field's length, none of them the right one."""
    top = min(field.space, 10**field.digits)
    codes: list[str] = []
    while len(codes) < TRIES + 1:
        code = str(secrets.randbelow(top)).zfill(field.digits)
        if code != right and code not in codes and (right is None or int(code) != int(right)):
            codes.append(code)
    return codes


async def _request(ctx: Context, op: Operation, actor: Actor) -> Request | None:
    """``op``'s request for the actor's own account, or None when it would name another's."""
    if actor.identity is not None:
        request = ctx.baseline(op, actor.identity)
    elif "{" in op.path:
        # A throwaway account has no ids harvested: it makes the object the code guards.
        found = await _own_object(ctx, op, actor)
        if found is None:
            return None
        request = found
    else:
        request = ctx.request(op)
    body = dict(request.body) if isinstance(request.body, dict) else None
    for key in list(body or {}):
        if is_name(key) and body is not None:
            if actor.username is None:
                return None
            body[key] = actor.username
    return dataclasses.replace(request, body=body) if body is not None else request


async def _asked(ctx: Context, op: Operation, actor: Actor) -> bool:
    """Whether a reset code was asked for the actor's account, one the scan made, through a
    recovery that takes no code (``scan.recovery``): without one pending, every code is wrong."""
    if actor.identity is not None or actor.username is None:
        return False
    for ask in ctx.api.operations:
        if ask is op or not is_recovery(ask) or ask.key in ctx.out_of_scope:
            continue
        request = ctx.request(ask)
        body = request.body if isinstance(request.body, dict) else {}
        if list(code_fields(ctx, ask)) or any(is_password(k) for k in body):
            continue
        if not any(is_name(k) for k in body):
            continue
        named = {k: actor.username if is_name(k) else v for k, v in body.items()}
        try:
            reply = await actor.send(
                dataclasses.replace(request, body=named), f"{actor.owner} asks for a reset code"
            )
        except (Withheld, Destructive, OutOfScope):
            continue
        if reply.ok:
            return True
    return False


async def _own_object(ctx: Context, op: Operation, actor: Actor) -> Request | None:
    """``op`` aimed at an object the actor makes for it (``POST /reports`` for
    ``POST /reports/{slug}/payout``), or None when the contract cannot make one."""
    slot = object_slot(ctx.api, op)
    parts = [p for p in op.path.split("/") if p.startswith("{")]
    if slot is None or slot.where is not Where.PATH or len(parts) != 1:
        return None
    name, create, _ = slot
    if create.key in ctx.out_of_scope or create.key in ctx.destructive:
        return None
    make = ctx.request(create)
    try:
        reply = await actor.send(make, f"{actor.owner} makes an object of its own for {op.key}")
    except (Withheld, Destructive, OutOfScope):
        return None
    made = new_id(ctx.api, make, reply.data, reply.header("location"))
    if not reply.ok or made is None:
        return None
    return ctx.request(op).with_param(Where.PATH, name, made)


async def _actor(ctx: Context) -> Actor | None:
    """A throwaway account signed up and logged in, else the scan's own user, else the last identity."""
    found = await _throwaway(ctx)
    if found is not None:
        return found
    made = await ctx.throwaway()  # say, where the API takes HTTP basic and has no login form
    if made is not None:
        return _own_user(ctx, made)
    if not ctx.identities:
        return None
    identity = ctx.identities[-1]

    async def send_as(request: Request, note: str) -> Reply:
        return await ctx.send(request, as_=identity, note=note)

    login = identity.login.body if identity.login is not None else {}
    username = next((str(v) for k, v in login.items() if is_name(k)), None)
    codes = {k: str(v) for k, v in ctx.synthesizer.values.items()}
    return Actor(
        owner=identity.name, send=send_as, username=username, codes=codes, identity=identity
    )


def _own_user(ctx: Context, identity: Identity) -> Actor:
    """The user the scan signed up for itself, acting like a throwaway account (no ids of its own).

    Its right codes are those its sign-up sent: guessed blind, one of the wrong ones could
    be the right one, and an open door look closed.
    """

    async def send(request: Request, note: str) -> Reply:
        return await ctx.send(request, as_=identity, note=note)

    sent = identity.login.body if identity.login is not None else {}
    username = identity.basic.username if identity.basic is not None else None
    username = username or next((str(v) for k, v in sent.items() if is_name(k)), None)
    account = ctx.ledger.account_of(identity.name)
    signed_up = account.create.body if account is not None else None
    codes = {k: str(v) for k, v in signed_up.items()} if isinstance(signed_up, dict) else {}
    return Actor(owner=identity.name, send=send, username=username, codes=codes, identity=None)


async def _throwaway(ctx: Context) -> Actor | None:
    form = next(iter(forms(ctx)), None)
    registered = await throwaway(ctx, form) if form is not None else None
    if form is None or registered is None:
        return None
    account, _ = registered
    login = form.login(account.username, account.password)
    try:
        creds = await ctx.sessions.log_in(login, name="a throwaway account")
    except ConfigError:
        return None  # say, a sign-up that needs an e-mail confirmed first

    async def send(request: Request, note: str) -> Reply:
        return await ctx.send(creds.apply(request), as_=None, note=note)

    codes = {k: str(v) for k, v in account.signed_up.items()}
    owner = "a throwaway account"
    return Actor(owner=owner, send=send, username=account.username, codes=codes, identity=None)
