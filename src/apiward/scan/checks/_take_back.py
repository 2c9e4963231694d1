"""A privilege a sign-up probe granted, taken back from an account the scan cannot delete.

``mass_assignment`` signs up a few users with a privilege field set (``role: admin``) even
where no DELETE removes accounts: it is the only way to see a role granted at sign-up.
An account that really got the privilege is then an admin that the scan leaves behind and
nobody runs: a hazard the scan made (the Express trial's ``role: admin`` account was
listed as a plain "account signed up, left"). So, before the check ends, the privilege is
taken back where the API has a write for the field:

* a PATCH, then a PUT, of one account in a collection of people whose body takes the
  field (``PATCH /admin/users/{id}`` with ``{"role": "member"}``), addressed by one of the
  account's own names, sent by each identity of the file, highest first, then by the
  account itself;
* a PATCH, then a PUT, of the caller's own record (``PATCH /me``), by the account itself.

The value written is the one the check's plain user holds (``member``), or ``false`` for a
flag; with none known, nothing is sent. After a 2xx the account logs in afresh and is read
as before: the privilege is taken back when no view shows the probe's value any more (for
a right shown only by its effect, when the read it got through is refused now). These
writes go straight through the sessions, not the ledger, which would otherwise snapshot
the privileged record and put it back at the end. The account's ledger entry holds the
privilege (``entries.Raised``) and the restore phase reports it: *not restored*, so the
target is damaged, unless it was taken back or the account deleted.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from apiward.core.errors import TargetError
from apiward.scan import accounts
from apiward.scan.checks._gained import Gain, refusal
from apiward.scan.checks._readback import field_schemas, same_value, with_field
from apiward.scan.checks._sign_up import Account, again, ordered
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.entries import Raised
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.resources import collection_of, names_caller
from apiward.scan.scope import OutOfScope
from apiward.scan.sessions import Credentials
from apiward.scan.transport import Reply
from apiward.scan.values import rank
from apiward.spec import Operation, ParameterLocation

_Writer = Identity | Credentials


@dataclass(frozen=True, slots=True, kw_only=True)
class Granted:
    """A sign-up probe's account that holds the privilege it was signed up with."""

    account: Account
    names: tuple[str, ...]
    """The fields the probe set (one, or the guessed admin flags together)."""
    value: Any
    plain: Any
    """What the check's plain user holds there (None: nothing showed it)."""
    gain: Gain | None = None
    """The request it got through where the plain user was refused, when only that shows it."""

    def held(self) -> str:
        """The privilege as the report says it: ``role='admin'``."""
        return ", ".join(f"{n}={json.dumps(self.value)}" for n in self.names)


async def take_back(ctx: Context, op: Operation, granted: Granted) -> None:
    """Record ``granted``'s privilege on its account, and take it back when the account stays."""
    created = ctx.ledger.sign_up(granted.account.request)
    if created is None or created.deleted:
        return
    raised = Raised(held=granted.held())
    created.raised.append(raised)
    if created.delete is not None:
        return  # the restore phase deletes the account (and says so if it cannot)
    plain = granted.plain
    if plain is None and isinstance(granted.value, bool):
        plain = False
    if plain is None:
        raised.why = "no value of a plain user is known to write back"
        return
    writes = _writes(ctx, granted, plain)
    field = " or ".join(granted.names)
    raised.why = f"the contract has no write that sets {field}"
    if writes:
        raised.why += f": {', '.join(sorted({r.operation for r, *_ in writes}))} did not take it"
    for request, writers, declared in writes:
        if declared:
            raised.undo = raised.undo or request
            raised.why = f"no write of {field} took it back"
        for who in writers:
            reply = await _send(ctx, request, who)
            if reply is not None and reply.ok and not await _holds(ctx, op, granted):
                by = who.name if isinstance(who, Identity) else "the account itself"
                raised.lowered = f"{request.operation} set it to {json.dumps(plain)} as {by}"
                return


def _writes(
    ctx: Context, granted: Granted, plain: Any
) -> list[tuple[Request, list[_Writer], bool]]:
    """PATCH/PUT requests writing ``plain`` to the account's privilege, who may send each, and
    whether the contract declares the field there.

    Writes whose body declares the field first; a flag the contract declares nowhere (a
    guessed ``admin``) is tried on the account's writes all the same: an API that took it
    at sign-up may take it back the same way.
    """
    found: list[tuple[bool, bool, str, Request, list[_Writer]]] = []
    highest = sorted(ctx.identities, key=lambda i: (i.rank or 0, rank(i.role)), reverse=True)
    own: list[_Writer] = [granted.account.who]
    for write in ctx.probes:
        if write.method not in {"PATCH", "PUT"}:
            continue
        aimed = _aimed(ctx, write, granted.account)
        if aimed is None:
            continue
        request, others = aimed
        schema, _ = ctx.synthesizer.body_schema(write)
        declared = bool(set(granted.names) & set(field_schemas(ctx, schema)))
        body = _body(write, request, granted, plain)
        writers = [*highest, *own] if others else own
        found.append((not declared, write.method != "PATCH", write.path, body, writers))
    if any(not undeclared for undeclared, *_ in found):
        found = [f for f in found if not f[0]]
    ordered_ = sorted(found, key=lambda f: f[:3])
    return [(request, writers, not undeclared) for undeclared, *_, request, writers in ordered_]


def _aimed(ctx: Context, write: Operation, account: Account) -> tuple[Request, bool] | None:
    """``write`` addressed to the account, and whether others may send it (not ``/me``)."""
    params = [p.name for p in write.parameters if p.location is ParameterLocation.PATH]
    request = ctx.request(write)
    if not params:
        last = write.path.rstrip("/").rsplit("/", 1)[-1]
        return (request, False) if names_caller(last) else None
    if len(params) != 1:
        return None
    (param,) = params
    collection = collection_of(write.path, param)
    names = ordered(account.names, param, strict=True)
    if collection is None or not accounts.holds_accounts(collection) or not names:
        return None
    return request.with_param(Where.PATH, param, names[0]), True


def _body(write: Operation, request: Request, granted: Granted, plain: Any) -> Request:
    """A PATCH with the field alone; a PUT with the account's own values where it takes them."""
    if write.method == "PATCH":
        request = dataclasses.replace(request, body={})
    else:
        sent = granted.account.request.body
        for name, value in (sent if isinstance(sent, dict) else {}).items():
            if isinstance(request.body, dict) and name in request.body:
                request = with_field(request, name, value)
    for name in granted.names:
        request = with_field(request, name, plain)
    return request


async def _send(ctx: Context, request: Request, who: _Writer) -> Reply | None:
    """``request`` as ``who``, unless the scope or the destructive rule keeps it out."""
    try:
        ctx.refuse(request)
        note = "take back a privilege a sign-up probe gave"
        if isinstance(who, Credentials):
            return await ctx.sessions.send(who.apply(request), note=note)
        return await ctx.sessions.send(request, as_=who, note=note)
    except (OutOfScope, Destructive):
        return None
    except TargetError:
        if ctx.sessions.transport.down is not None:
            raise
        return None


async def _holds(ctx: Context, op: Operation, granted: Granted) -> bool:
    """True while the account still shows the privilege (or nothing shows it is gone)."""
    now = await again(ctx, op, granted.account)
    if now is None:
        return True  # it cannot log in to be read: nothing shows the privilege gone
    shown = now.shown()
    seen = [shown[n][0] for n in granted.names if n in shown]
    if seen:
        return any(same_value(v, granted.value) for v in seen)
    gain = granted.gain
    if gain is None or gain.operation.method != "GET":
        return True
    reply = await _send(ctx, gain.probed.sent, now.who)
    return reply is None or not refusal(reply)
