"""``reset_token`` (API2): a password recovery that hands its secret to whoever asks.

``POST /auth/password-reset {"email": …}`` should mail a code or a link to the account's
owner and answer the caller with no more than "if the account exists, we sent a mail".
One that answers the reset token itself (``{"reset_token": "…"}``, a ``reset_url`` with
it, a six-digit ``code``) lets anyone who knows an e-mail set that account's password: the
account takeover API2 names first. The Litestar trial's recovery did so, and the scan never
looked: a recovery is destructive by its name.

The recovery that asks (no code, no password in its body, an account name there) goes
once, for an account the scan signed up itself (``Context.throwaway``; every account name
in the body is that account's, so no real user is ever sent a reset: ``scan.recovery``). A
field of its answer named like a token, a code or a reset link, holding a value of six
characters or more with no spaces (or an integer of four digits or more), is the finding:
high, firm (the token was not used: the scan's own user keeps its password).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._codes import code_fields
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.diff import leaves
from apiward.scan.fields import is_password
from apiward.scan.identities import Identity
from apiward.scan.recovery import is_name, is_recovery
from apiward.scan.scope import OutOfScope
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation

_TOKEN = re.compile(
    r"(^|[._])(reset_?|recovery_?|verification_?)?(token|code|otp|secret|key)$"
    r"|(^|[._])(reset|recovery|magic)_?(link|url|uri)$",
    re.IGNORECASE,
)
"""A field of a recovery's answer that holds its secret (``reset_token``, ``data.code``)."""


class ResetToken:
    """A password recovery whose answer holds the reset token."""

    id = "reset_token"
    title = "Password reset token handed to the caller"
    owasp = "API2:2023"
    cwe = "CWE-640"
    safe = True  # one recovery, for an account the scan signed up itself
    remediation = (
        "Send the reset token only to the account's own address (mail, phone), answer every "
        "request alike whether the account exists or not, and never put the token in the answer."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Ask each recovery for the scan's own account; report a token in its answer."""
        asks = [op for op in ctx.api.operations if _asks(ctx, op)]
        if not asks:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no password recovery that asks")
            return
        made = await ctx.throwaway()
        signed_up = _signed_up(ctx, made)
        if made is None or not signed_up:
            why = "no account of the scan's own to ask a reset for (no sign-up)"
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
            return
        for op in asks:
            request = ctx.request(op)
            body = request.body if isinstance(request.body, dict) else {}
            named = {k: _own(k, signed_up) if is_name(k) else v for k, v in body.items()}
            if any(v is None for v in named.values()):
                continue  # a name the sign-up did not give: never someone else's
            note = f"asks a password reset for {made.name}, an account the scan signed up"
            try:
                reply = await ctx.send(replace(request, body=named), as_=None, note=note)
            except (Withheld, Destructive, OutOfScope):
                continue
            found = _handed(reply) if reply.ok else None
            if found is not None:
                yield self._finding(ctx, op, reply, *found)

    def _finding(
        self, ctx: Context, op: Operation, reply: Reply, field: str, value: str
    ) -> Outcome:
        shown = f"{value[:4]}… ({len(value)} characters)"
        return ctx.finding(
            self,
            op,
            title=f"{op.key} answers the reset token ({field}) to whoever asks",
            severity=Severity.HIGH,
            confidence=Confidence.FIRM,
            detail=(
                f"Asked to reset the password of an account the scan signed up, {op.key} "
                f"answered its secret in {field} ({shown}) to an anonymous caller: anyone "
                "who knows an account's e-mail or user name can set its password."
            ),
            evidence=[reply],
            key=f"body:{field}",
        )


def _asks(ctx: Context, op: Operation) -> bool:
    """A recovery that asks for a code: it names an account and takes no code nor password."""
    if not is_recovery(op) or op.key in ctx.out_of_scope or list(code_fields(ctx, op)):
        return False
    body = ctx.request(op).body
    names = list(body) if isinstance(body, dict) else []
    return any(is_name(k) for k in names) and not any(is_password(k) for k in names)


def _signed_up(ctx: Context, made: Identity | None) -> dict[str, Any]:
    account = ctx.ledger.account_of(made.name) if made is not None else None
    body = account.create.body if account is not None else None
    return dict(body) if isinstance(body, dict) else {}


def _own(field: str, signed_up: Mapping[str, Any]) -> Any:
    """The scan's own account's value for an account-name field: by its name, else an e-mail
    for an e-mail, a user name for a user name."""
    if field in signed_up:
        return signed_up[field]
    mail = "mail" in field.lower()
    return next(
        (v for k, v in signed_up.items() if is_name(k) and ("mail" in k.lower()) == mail), None
    )


def _handed(reply: Reply) -> tuple[str, str] | None:
    """The first field of the answer that holds a reset token, and its value."""
    for path, raw in leaves(reply.data):
        value = json.loads(raw)
        name = path.lstrip(".").replace("[]", "")
        if not _TOKEN.search(name):
            continue
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1000:
            return name, str(value)
        if isinstance(value, str) and len(value) >= 6 and not re.search(r"\s", value):
            return name, value
    return None
