"""``business_flows`` (API6): value-creating flows that accept unbounded automated repetition.

Flows are found from the contract, never from fixed paths: an operation's id, summary,
path and tags, and its body's property names.

* **Sign-up**: a public POST whose body takes a password (and is not an identity's login,
  and reads like registration). It is repeated ``REPEAT`` times with fresh usernames.
  When the body takes a referral/invite code, an identity's own code (read from its own
  resources) is sent, and the identity's *meters* — numeric fields such as ``balance``,
  ``credit`` or ``points`` in its own GET answers — are read after every sign-up: a
  meter that grows with each one is a bonus paid without limit (high when it is money).
  Otherwise, sign-ups that all succeed (confirmed by logging in as the new users) are
  reported as automatable account creation: low, since no abuse is shown by it alone.
* **Redemption**: a secured POST that reads like redeeming/claiming a code (coupon,
  promo, voucher, gift, reward) is repeated ``REPEAT`` times as one identity with the
  same code — a user the scan signed up when it can have one, whose credit is then the
  scan's own, else an identity of the file; a meter that grows each time is the finding (high when it is money). The
  redemption is the identity's legitimate write (``Context.legit_request``): one that
  names another's object or sets a privilege field is never sent (a ``withheld`` skip).
  A code in the path that everybody sees (``POST /promos/{code}/redeem``) is redeemed by
  the scan's own user only, and not when its read counts uses everybody shares
  (``scan.withhold``, ``scan.ledger``); the skip names the first identity's reason.

Every probe creates data (users, credits), so the check is unsafe (skipped under
``--safe``), and it runs flows one after the other: meters must move only through the
flow being measured. Where nothing deletes accounts, the sign-ups wait for
``--aggressive`` (``scan.withhold.Lasting``): five accounts would stay for good.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.check import held as withheld_skip
from apiward.scan.context import Context
from apiward.scan.diff import leaves
from apiward.scan.fields import is_password
from apiward.scan.flows import REDEEM, SIGN_UP, words
from apiward.scan.identities import Identity
from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.transport import Reply
from apiward.scan.withhold import Lasting, Withheld
from apiward.spec import Operation

REPEAT = 5
_USERNAME = re.compile(r"^(username|user_?name|login|handle|nick(name)?|user)$", re.I)
_EMAIL = re.compile(r"e_?mail", re.I)
_REFERRAL = re.compile(r"referr|invit|sponsor|ref_?code", re.I)
_METER = re.compile(r"balance|credit|points|bonus|reward|wallet|funds|cash|miles", re.I)
_MONEY = re.compile(r"balance|credit|wallet|funds|cash|money", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """The sum of an identity's meters, and the replies it was read from."""

    total: float
    replies: tuple[Reply, ...]
    values: dict[str, float]

    def grown(self, before: Reading) -> tuple[list[str], bool]:
        """The meters that grew since ``before``, and whether any of them is money."""
        names = sorted(n for n, v in self.values.items() if v > before.values.get(n, 0.0))
        return names, any(_MONEY.search(n) for n in names)


class BusinessFlows:
    """Sign-ups, referrals and code redemptions repeated by a script."""

    id = "business_flows"
    title = "Sensitive business flow accepts unbounded automated repetition"
    owasp = "API6:2023"
    cwe = "CWE-799"
    safe = False  # every probe creates users or credits
    remediation = (
        "Bound what one actor may gain from a flow: redeem a code once per customer (a "
        "unique constraint, checked in the same transaction), cap referral bonuses, and "
        "slow scripted sign-ups (verification, CAPTCHA or per-client limits)."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Find the flows in the contract and repeat each one ``REPEAT`` times."""
        signups = [op for op in ctx.probes if _is_signup(ctx, op, ctx.logins)]
        redeems = [op for op in ctx.probes if _is_redeem(ctx, op, ctx.logins)]
        if not signups and not redeems:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no sign-up or redeem flow")
            return
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        # One flow at a time: a meter must move only through the flow being measured.
        for op in signups:
            if (outcome := await self._signup(ctx, op)) is not None:
                yield outcome
        for op in redeems:
            if (outcome := await self._redeem(ctx, op)) is not None:
                yield outcome

    async def _signup(self, ctx: Context, op: Operation) -> Outcome | None:
        base = ctx.request(op)
        referral = next((k for k in _properties(base) if _REFERRAL.search(k)), None)
        referrer = await _referrer(ctx, referral) if referral else None
        if referral and referrer is None:
            base = base.with_param(Where.BODY, referral, None)
        readings = [await _read(ctx, referrer[0])] if referrer else []
        replies: list[Reply] = []
        made: list[NewUser] = []
        for i in range(REPEAT):
            request, user = _fresh(base, i, referral, referrer[1] if referrer else None)
            try:
                reply = await ctx.send(request, as_=None, note=f"scripted sign-up {i + 1}")
            except Lasting as lasting:  # five accounts for good: only with --aggressive
                return withheld_skip(lasting)
            if not reply.ok:
                break
            replies.append(reply)
            made.append(user)
            if referrer:
                readings.append(await _read(ctx, referrer[0]))
        if not replies:
            return Skip(reason=SkipReason.NOT_APPLICABLE, detail=f"{op.key}: sign-up refused")
        if len(replies) < REPEAT:
            return None  # the API stopped the script
        if referrer and referral and _grows(readings):
            return self._bonus(ctx, op, referrer[0], referral, replies, readings)
        login = await _login_as(ctx, made[-1])
        return self._accounts(ctx, op, replies, login)

    async def _redeem(self, ctx: Context, op: Operation) -> Outcome | None:
        held: Withheld | None = None
        # A user the scan signed up first: the credit it gains is the scan's, not alice's.
        made = await ctx.throwaway()
        for identity in (*([made] if made is not None else []), *ctx.identities):
            before = await _read(ctx, identity)
            if not before.replies:
                continue
            try:
                replies, readings = await _repeat(ctx, op, identity, before)
            except Withheld as withheld:
                # Another's object, a privilege field, a credit for good, a shared code's
                # uses: never repeated. The first says most (the scan's own user's, when tried).
                held = held or withheld
                continue
            if not replies:
                why = f"{op.key}: no value the API accepts (give one with --value NAME=VALUE)"
                return Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
            if len(replies) == REPEAT and _grows(readings):
                return self._repeated(ctx, op, identity, replies, readings)
            return None
        if held is not None:
            return withheld_skip(held)
        why = "no identity has a balance, credit or points to read back"
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)

    def _bonus(
        self,
        ctx: Context,
        op: Operation,
        referrer: Identity,
        referral: str,
        replies: list[Reply],
        readings: list[Reading],
    ) -> Outcome:
        first, last = readings[0], readings[-1]
        names, money = last.grown(first)
        return ctx.finding(
            self,
            op,
            title=f"Every scripted sign-up with {referrer.name}'s {referral} pays a bonus",
            severity=Severity.HIGH if money else Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{REPEAT} sign-ups in a row, each with a fresh username and "
                f"{referrer.name}'s {referral}, all succeeded, and {referrer.name}'s "
                f"{', '.join(names)} grew after every one: {first.total:g} → {last.total:g}. "
                "A script can mint bonuses without limit."
            ),
            evidence=[first.replies[0], replies[0], replies[-1], last.replies[0]],
            proof=replies[-1],
            key=f"body:{referral}",
        )

    def _accounts(
        self, ctx: Context, op: Operation, replies: list[Reply], login: Reply | None
    ) -> Outcome:
        confirmed = login is not None and login.ok
        return ctx.finding(
            self,
            op,
            title=f"Sign-up can be scripted: {REPEAT} accounts in a row",
            severity=Severity.LOW,
            confidence=Confidence.CONFIRMED if confirmed else Confidence.FIRM,
            detail=(
                f"{REPEAT} sign-ups with fresh usernames from one client in quick succession "
                "all succeeded with no verification, CAPTCHA or 429"
                + (", and the last new user can log in." if confirmed else ".")
                + " Nothing more than account creation is shown, hence low."
            ),
            evidence=[replies[0], replies[-1], *([login] if login is not None else [])],
            key="flow:sign-up",
        )

    def _repeated(
        self,
        ctx: Context,
        op: Operation,
        identity: Identity,
        replies: list[Reply],
        readings: list[Reading],
    ) -> Outcome:
        first, last = readings[0], readings[-1]
        grown, money = last.grown(first)
        names = sorted(k for k, v in (replies[0].sent.body or {}).items() if isinstance(v, str))
        return ctx.finding(
            self,
            op,
            title=f"{identity.name} redeems the same value {REPEAT} times, credited each time",
            severity=Severity.HIGH if money else Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"The same request was accepted {REPEAT} times in a row and {identity.name}'s "
                f"{', '.join(grown)} grew after every one: {first.total:g} → {last.total:g}."
            ),
            evidence=[first.replies[0], replies[0], replies[-1], last.replies[0]],
            proof=replies[-1],
            key=f"body:{','.join(names)}" if names else "flow:redeem",
            cwe="CWE-837",  # improper enforcement of a single, unique action
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NewUser:
    """A user the check signed up: the login names and password it used."""

    names: tuple[str, ...]
    password: str


def _body_names(ctx: Context, op: Operation) -> list[str]:
    schema, _ = ctx.synthesizer.body_schema(op)
    properties = schema.get("properties") if schema is not None else None
    return list(properties) if isinstance(properties, dict) else []


def _is_signup(ctx: Context, op: Operation, logins: frozenset[str]) -> bool:
    if op.method != "POST" or op.key in logins or not ctx.sessions.openness.public(op):
        return False
    names = _body_names(ctx, op)
    creates = SIGN_UP.search(words(op)) is not None or "201" in op.responses
    return creates and any(is_password(n) for n in names)


def _is_redeem(ctx: Context, op: Operation, logins: frozenset[str]) -> bool:
    if op.method != "POST" or op.key in logins or op.is_public:
        return False
    names = _body_names(ctx, op)
    return REDEEM.search(words(op)) is not None or any(REDEEM.search(n) for n in names)


def _properties(request: Request) -> list[str]:
    return list(request.body) if isinstance(request.body, dict) else []


def _own_reads(ctx: Context) -> list[Operation]:
    """GET operations without path parameters that need credentials: the caller's own data."""
    return [
        op for op in ctx.probes if op.method == "GET" and "{" not in op.path and not op.is_public
    ]


async def _referrer(ctx: Context, prop: str) -> tuple[Identity, str] | None:
    """The first identity whose own resources show a code for ``prop``, and that code."""
    for identity in ctx.identities:
        for op in _own_reads(ctx):
            reply = await ctx.legit(op, identity)
            code = _code(reply.data, prop) if reply.ok else None
            if code is not None:
                return identity, code
    return None


def _code(data: Any, prop: str) -> str | None:
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if isinstance(value, str) and value and (key == prop or _REFERRAL.search(key)):
            return value
    return None


async def _repeat(
    ctx: Context, op: Operation, identity: Identity, before: Reading
) -> tuple[list[Reply], list[Reading]]:
    """``identity``'s legitimate redemption ``REPEAT`` times, its meters read after each
    accepted one; raises ``Withheld`` when it may not be sent."""
    request = ctx.legit_request(op, identity)
    replies: list[Reply] = []
    readings = [before]
    for i in range(REPEAT):
        reply = await ctx.send(request, as_=identity, note=f"redemption {i + 1}")
        if not reply.ok:
            break
        replies.append(reply)
        readings.append(await _read(ctx, identity))
    return replies, readings


async def _read(ctx: Context, identity: Identity) -> Reading:
    """The identity's meters now, read afresh from its own resources that show meters."""
    values: dict[str, float] = {}
    replies = []
    for op in _own_reads(ctx):
        if not await _metered(ctx, op, identity):
            continue
        reply = await ctx.send(ctx.baseline(op, identity), as_=identity, note="read back")
        meters = _meters(reply.data) if reply.ok else {}
        for name, value in meters.items():
            values[name] = values.get(name, 0.0) + value
        if meters:
            replies.append(reply)
    return Reading(total=sum(values.values()), replies=tuple(replies), values=values)


async def _metered(ctx: Context, op: Operation, identity: Identity) -> bool:
    """Whether ``op`` shows meters: in the first answer of the file's identities that has
    data (answers the other checks share), else in ``identity``'s own.

    A user the scan made reads the same resources with the same fields: asking each of
    its reads once more only to learn which hold a balance cost the bank's scan ten
    requests.
    """
    for asker in (*ctx.identities, identity):
        try:
            legit = await ctx.legit(op, asker)
        except Withheld:
            continue
        if legit.ok and legit.data is not None:
            return bool(_meters(legit.data))
    return False


def _meters(data: Any) -> dict[str, float]:
    found: dict[str, float] = {}
    for path, text in leaves(data):
        name = path.rsplit(".", 1)[-1]
        value = json.loads(text)
        if _METER.search(name) and isinstance(value, int | float) and not isinstance(value, bool):
            found[name] = found.get(name, 0.0) + float(value)
    return found


def _grows(readings: list[Reading]) -> bool:
    pairs = itertools.pairwise(readings)
    return len(readings) > 1 and all(b.total > a.total for a, b in pairs)


def _fresh(
    base: Request, i: int, referral: str | None, code: str | None
) -> tuple[Request, NewUser]:
    """A sign-up with a username and e-mail nobody has, carrying ``code`` when given."""
    name = f"apiward{secrets.token_hex(3)}{i}"
    body = dict(base.body) if isinstance(base.body, dict) else {}
    names = []
    for key in body:
        if _USERNAME.match(key):
            body[key] = name
            names.append(name)
        elif _EMAIL.search(key):
            body[key] = f"{name}@example.com"
            names.append(body[key])
    if referral and code:
        body[referral] = code
    password = next((str(v) for k, v in body.items() if is_password(k)), "")
    return dataclasses.replace(base, body=body), NewUser(names=tuple(names), password=password)


async def _login_as(ctx: Context, user: NewUser) -> Reply | None:
    """Log in as a user the check created, through an identity's login operation."""
    login = next((i.login for i in ctx.identities if i.login is not None), None)
    if login is None or not user.names:
        return None
    body = dict(login.body)
    for key in body:
        if _USERNAME.match(key) or _EMAIL.search(key):
            body[key] = user.names[0]
        elif is_password(key):
            body[key] = user.password
    request = Request(
        method=login.method,
        path=login.path,
        operation=f"{login.method} {login.path}",
        body=body,
        body_kind=BodyKind.FORM if login.form else BodyKind.JSON,
    )
    reply = await ctx.send(request, as_=None, note="log in as the scripted user")
    # The new user's token is a credential too: keep it out of reports.
    tokens = (json.loads(v) for p, v in leaves(reply.data) if "token" in p.lower())
    ctx.sessions.secrets.update(t for t in tokens if isinstance(t, str) and t)
    ctx.sessions.secrets.add(user.password)
    return reply
