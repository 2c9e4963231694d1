"""``login`` (API2): login operations that tell users apart or never slow a guesser down.

For every login operation (``login_forms``), with a dedicated account — a throwaway one
registered through the contract's sign-up operation when there is one, else the *last*
identity — whose right password must log in first:

* **user-enumeration** (safe): the account's name with a wrong password, and an unknown
  name with the same wrong password, each sent twice. A finding when the two answers
  differ in status, or in body (the usernames masked) while each is stable across its
  two tries. A large, repeated difference in answer time alone is a low finding.
* **no-brute-force-protection** (not under ``--safe``: it can lock a real user out):
  ``BURST`` wrong passwords in a row, stopping as soon as the answer changes (429, 423,
  ``Retry-After``, another status); then the right password. A finding when no wrong
  try was ever refused differently and the right password still logs in.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks.login_forms import (
    Account,
    LoginForm,
    forms,
    known_account,
    throwaway,
)
from apiward.scan.context import Context
from apiward.scan.diff import similarity
from apiward.scan.transport import Reply
from apiward.spec import Operation

BURST = 12
STABLE = 0.98
SLOWER = 5.0
SLOWER_MS = 150.0
_THROTTLED = {423, 429, 503}


class LoginFlaws:
    """User enumeration and missing brute-force protection on login operations."""

    id = "login"
    title = "Login operation weaknesses"
    owasp = "API2:2023"
    cwe = "CWE-307"
    safe = True  # the brute-force burst is skipped under --safe, the rest is read-only
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
        if not _logged_in(form, right):
            detail = f"{form.operation}: {account.owner} does not log in"
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=detail)
            return
        outcome = await self._enumeration(ctx, form, operation, account)
        if outcome is not None:
            yield outcome
        if ctx.safe:
            yield Skip(reason=SkipReason.UNSAFE, detail="brute-force burst could lock a user out")
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
        known_replies = [
            await _try(ctx, form, account.username, wrong, "known user, wrong password")
            for _ in range(2)
        ]
        unknown_replies = [await _try(ctx, form, unknown, wrong, "unknown user") for _ in range(2)]
        if any(r.ok for r in (*known_replies, *unknown_replies)):
            return None
        names = (account.username, unknown)
        how = _difference(known_replies, unknown_replies, names)
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
                f"unknown user get different answers ({how}), twice each: anyone can test "
                f"which usernames exist (field {form.user!r})."
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
            if reply.ok or _throttled(reply) or reply.status != replies[0].status:
                return None  # refused differently (or, oddly, let in): it has its answer
        right = await ctx.send(
            form.request(account.username, account.password),
            as_=None,
            note=f"login: right password after {BURST} failures",
        )
        if not _logged_in(form, right):
            return None
        return ctx.finding(
            self,
            op,
            title=f"{form.operation} has no brute-force protection",
            severity=Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{BURST} wrong passwords in a row for {account.owner} were all answered "
                f"{replies[0].status} with no throttling (no 429/423, no Retry-After), and the "
                "right password still logged in right after: passwords can be guessed at speed."
            ),
            evidence=[replies[0], replies[-1], right],
            key=f"no-brute-force-protection:{form.password}",
        )


async def _try(ctx: Context, form: LoginForm, username: str, password: str, note: str) -> Reply:
    return await ctx.send(form.request(username, password), as_=None, note=f"login: {note}")


async def _account(ctx: Context, form: LoginForm) -> Account | None:
    registered = await throwaway(ctx, form)
    return registered[0] if registered else known_account(ctx)


def _operation(ctx: Context, form: LoginForm) -> Operation | None:
    return ctx.api.operation(form.method, form.path)


def _logged_in(form: LoginForm, reply: Reply) -> bool:
    if not reply.ok:
        return False
    data = reply.data
    if form.token is None or not isinstance(data, dict):
        return form.token is None
    for part in form.token.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return bool(data)


def _elapsed(reply: Reply) -> float:
    response = reply.exchange.response
    return (response.elapsed_ms or 0.0) if response is not None else 0.0


def _throttled(reply: Reply) -> bool:
    return reply.status in _THROTTLED or reply.header("retry-after") is not None


def _masked(reply: Reply, names: Sequence[str]) -> str:
    text = reply.text
    for name in names:
        text = text.replace(name, "<user>")
    return text


def _difference(known: list[Reply], unknown: list[Reply], names: Sequence[str]) -> str | None:
    """How the two answers differ, when each is stable across its tries; None if alike."""
    if {r.status for r in known} != {known[0].status} or {r.status for r in unknown} != {
        unknown[0].status
    }:
        return None
    if known[0].status != unknown[0].status:
        return f"status {known[0].status} vs {unknown[0].status}"
    a, b = ([_masked(r, names) for r in replies] for replies in (known, unknown))
    if (
        similarity(a[0], a[1]) >= STABLE
        and similarity(b[0], b[1]) >= STABLE
        and similarity(a[0], b[0]) < STABLE
    ):
        return "same status, different message"
    times = [[_elapsed(r) for r in replies] for replies in (known, unknown)]
    slow, fast = min(times[0]), max(times[1])
    if slow > SLOWER * fast and slow - fast > SLOWER_MS:
        return f"time: {slow:.0f} ms vs {fast:.0f} ms"
    return None
