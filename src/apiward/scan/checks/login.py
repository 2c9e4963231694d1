"""``login`` (API2): login operations that tell users apart or never slow a guesser down.

For every login operation (``login_forms``), with a dedicated account — a throwaway one
registered through the contract's sign-up operation when there is one, else the *last*
identity (for the burst only under ``--aggressive``) — whose right password must log in
first. A login *succeeded* when its answer
yields a credential (``scan.login``'s rule: a token, a session cookie on an answer that
does not read as a refusal), never because of its status: many APIs answer a wrong
password with ``200 {"status": "fail"}`` or a redirect to ``?error``.

* **user-enumeration** (safe): the account's name with a wrong password, and an unknown
  name with the same wrong password, interleaved (real, unknown, real, unknown). A
  finding when the two kinds differ, each stable across two tries, in status, redirect,
  JSON keys, cookie or header names, or body (the usernames masked). Otherwise **timing**:
  up to ``PAIRS`` interleaved pairs, an exact one-sided Mann-Whitney U test each way from
  the ``FIRST_LOOK``-th pair on, stopping as soon as p < ``ALPHA`` with medians at least
  ``GAP_MS`` apart (a low finding: a password hash only for real users) or p > ``GIVE_UP``.
  An identity's account (no sign-up to make a throwaway) takes only the first two
  pairs, but under ``--aggressive``: timing is skipped there, and says so.
* **no-brute-force-protection** (only on a throwaway account, but under ``--aggressive``:
  the burst could lock a real user out, as a lockout after five failures would):
  ``BURST`` wrong passwords in a row, stopping as soon as a try is refused differently
  (429/423/503, ``Retry-After``, another status, a lockout or CAPTCHA word, a changed
  body); then the right password. A finding when none was and the right password still
  logs in.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.accounts import closer
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._answers import difference, lockout
from apiward.scan.checks._login_forms import (
    Account,
    LoginForm,
    forms,
    known_account,
    throwaway,
)
from apiward.scan.checks._timing import gap_ms, slower_p
from apiward.scan.context import Context
from apiward.scan.provision import own_login
from apiward.scan.transport import Reply
from apiward.spec import Operation

BURST = 12
PAIRS = 15
FIRST_LOOK = 6
ALPHA = 0.001
GIVE_UP = 0.25
GAP_MS = 15.0


class LoginFlaws:
    """User enumeration and missing brute-force protection on login operations."""

    id = "login"
    title = "Login operation weaknesses"
    owasp = "API2:2023"
    cwe = "CWE-307"
    safe = True  # the brute-force burst lands only on a throwaway sign-up
    remediation = (
        "Answer every failed login the same way (same status, body and time, whether the "
        "user exists or not), and slow down or lock repeated failures per account and per "
        "client (exponential back-off, 429 with Retry-After, CAPTCHA after a few failures)."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Test every login operation with a dedicated account."""
        found = forms(ctx)
        if not found:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no login operation")
            return
        for form in found:
            async for outcome in self._login(ctx, form):
                yield outcome

    async def _login(self, ctx: Context, form: LoginForm) -> AsyncIterator[Outcome]:
        operation = _operation(ctx, form)
        account = await _account(ctx, form)
        if account is None or operation is None:
            detail = f"{form.operation}: no account whose right password logs in"
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=detail)
            return
        right = await ctx.send(
            form.request(account.username, account.password), as_=None, note="login: right password"
        )
        form = form.learning_token(right)
        if not form.logged_in(right):
            detail = f"{form.operation}: {account.owner} does not log in"
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=detail)
            return
        # A session of its own first: wrong passwords may lock the account, and the restore
        # closes it with that session (the Sinatra and Express trials' throwaway stayed, locked).
        if closer(ctx.api, account.signed_up) is not None:  # it closes itself: DELETE /me
            await own_login(ctx.sessions, account.signed_up)
        outcome = await self._enumeration(ctx, form, operation, account)
        if outcome is not None:
            yield outcome
        if _spared(ctx, account):
            # A throwaway sign-up is the scan's own: a lockout there locks nobody else out.
            why = f"brute-force burst: no account of the scan's own to send it to, not {account.owner}"
            yield Skip(reason=SkipReason.LOCKOUT, detail=why)
            return
        outcome = await self._burst(ctx, form, operation, account)
        if outcome is not None:
            yield outcome

    async def _enumeration(
        self, ctx: Context, form: LoginForm, op: Operation, account: Account
    ) -> Outcome | None:
        wrong = f"apiward-wrong-{secrets.token_hex(4)}"
        unknown = f"nobody{secrets.token_hex(4)}" + (
            "@example.com" if "@" in account.username else ""
        )
        names = (account.username, unknown)
        known_replies: list[Reply] = []
        unknown_replies: list[Reply] = []
        how: str | None = None
        # A real user takes two wrong passwords, no more (too few for timing): five lock
        # many an account.
        pairs = 2 if _spared(ctx, account) else PAIRS
        while how is None and len(known_replies) < pairs:
            async with ctx.alone():  # other checks' traffic must not pass for a hash's time
                known_replies.append(await _try(ctx, form, account.username, wrong, "real user"))
                unknown_replies.append(await _try(ctx, form, unknown, wrong, "unknown user"))
            if _stops(form, (known_replies, unknown_replies), names):
                return None
            if len(known_replies) == 2:
                how = difference(known_replies, unknown_replies, names)
            elif len(known_replies) >= FIRST_LOOK:
                how, done = _timing(known_replies, unknown_replies)
                if done and how is None:
                    return None
        if how is None and pairs < PAIRS:
            detail = f"{form.operation}: timing needs {PAIRS} wrong passwords for {account.owner}"
            return Skip(reason=SkipReason.LOCKOUT, detail=detail)
        if how is None:
            return None
        low = how.startswith("time")
        return ctx.finding(
            self,
            op,
            title=f"{form.operation} tells existing users from unknown ones",
            severity=Severity.LOW if low else Severity.MEDIUM,
            confidence=Confidence.FIRM if low else Confidence.CONFIRMED,
            detail=(
                f"A wrong password for {account.owner} and the same wrong password for an "
                f"unknown user get different answers ({how}; {len(known_replies)} tries "
                f"each, interleaved): anyone can test which usernames exist (field "
                f"{form.user!r})."
            ),
            evidence=[known_replies[0], unknown_replies[0]],
            key=f"user-enumeration:{form.user}",
            cwe="CWE-204",  # observable response discrepancy
        )

    async def _burst(
        self, ctx: Context, form: LoginForm, op: Operation, account: Account
    ) -> Outcome | None:
        replies: list[Reply] = []
        for attempt in range(BURST):
            reply = await _try(
                ctx,
                form,
                account.username,
                f"apiward-guess-{attempt}",
                f"guess {attempt + 1}/{BURST}",
            )
            replies.append(reply)
            masks = (account.username, *(f"apiward-guess-{i}" for i in range(attempt + 1)))
            if form.logged_in(reply) or lockout(reply, replies[0], masks) is not None:
                return None  # refused differently (or, oddly, let in): it has its answer
        right = await ctx.send(
            form.request(account.username, account.password),
            as_=None,
            note=f"login: right password after {BURST} failures",
        )
        if not form.logged_in(right):
            return None
        return ctx.finding(
            self,
            op,
            title=f"{form.operation} has no brute-force protection",
            severity=Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{BURST} wrong passwords in a row for {account.owner} were all answered "
                f"{replies[0].status} with the same refusal (no 429/423, no Retry-After, no "
                "lockout or CAPTCHA message), and the right password still logged in right "
                "after: passwords can be guessed at speed."
            ),
            evidence=[replies[0], replies[-1], right],
            proof=replies[-1],
            key=f"no-brute-force-protection:{form.password}",
        )


async def _try(ctx: Context, form: LoginForm, username: str, password: str, note: str) -> Reply:
    return await ctx.send(form.request(username, password), as_=None, note=f"login: {note}")


async def _account(ctx: Context, form: LoginForm) -> Account | None:
    registered = await throwaway(ctx, form)
    return registered[0] if registered else known_account(ctx)


def _spared(ctx: Context, account: Account) -> bool:
    """A real user's account, which must not be locked out: all but under ``--aggressive``."""
    return not account.signed_up and (ctx.safe or not ctx.ledger.aggressive)


def _operation(ctx: Context, form: LoginForm) -> Operation | None:
    return ctx.api.operation(form.method, form.path)


def _stops(form: LoginForm, kinds: tuple[list[Reply], ...], names: tuple[str, ...]) -> bool:
    """True once a try logs in or is refused unlike the first of its kind (a lockout)."""
    return any(
        form.logged_in(replies[-1]) or lockout(replies[-1], replies[0], names) is not None
        for replies in kinds
    )


def _timing(known: list[Reply], unknown: list[Reply]) -> tuple[str | None, bool]:
    """(how the answer times differ, or None; whether sampling can stop)."""
    real, nobody = [_elapsed(r) for r in known], [_elapsed(r) for r in unknown]
    p_values = []
    for slow, fast, which in ((real, nobody, "real"), (nobody, real, "unknown")):
        p, gap = slower_p(slow, fast), gap_ms(slow, fast)
        if p < ALPHA and gap >= GAP_MS:
            return (
                f"time: {which} users' answers {gap:.0f} ms slower in the median, p = {p:.1e}",
                True,
            )
        p_values.append(p)
    return None, min(p_values) > GIVE_UP


def _elapsed(reply: Reply) -> float:
    response = reply.exchange.response
    return (response.elapsed_ms or 0.0) if response is not None else 0.0
