"""Objects a sign-up made beside its account: a workspace of its own, a first project.

Many APIs give a new account something at sign-up, which the sign-up's answer does not
show. The Fastify trial's sign-up made each new user a workspace named after it (``slug:
apiwardeb7e404``): the scan deleted its accounts, 48 of their workspaces stayed, and the
report did not say so. So before the accounts go, each account the scan signed up under
names of its own logs in as itself and reads each collection the contract both lists
without a path id and deletes by item (``GET /workspaces``, ``DELETE /workspaces/{slug}``).

A row named after the account (its key, ``slug``, ``name`` or ``title`` holds one of the
account's names: not a row that merely names it, a ticket assigned to it) that the scan
did not make otherwise was made by the sign-up. It is recorded as made by the account,
with the account's own credentials to delete it, and the restore deletes it with the
scan's other objects, or lists it left. The first ``PROBE`` accounts tell whether the
sign-up makes anything: when their listings hold no such row, the others are not asked.
The account ``scan.account_removal`` signs up and deletes before the harvest is asked
first, and what it made is deleted then; an account a check deleted (a probe of an
account DELETE) can no longer be asked, and what its sign-up made stays unlisted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apiward.core.errors import TargetError
from apiward.scan import _deleters, _objects, accounts, fields
from apiward.scan.entries import Created, Sender
from apiward.scan.envelope import objects
from apiward.scan.ledger import Ledger
from apiward.scan.provision import own_login
from apiward.scan.request import Request
from apiward.scan.resources import norm
from apiward.spec import Operation

PROBE = 2
"""Accounts asked before giving up on a sign-up that makes nothing beside them."""
_NAMING = frozenset({"slug", "name", "title", "handle", "label", "subdomain", "displayname"})
"""Fields that name an object: one named after the account (not one merely naming it, an
assignee) is what its sign-up made."""


async def made_beside(ledger: Ledger, only: list[Created] | None = None) -> list[Created]:
    """What the scan's sign-ups (``only`` these accounts' own) made beside their accounts,
    now recorded in ``ledger.created``."""
    listings = _listings(ledger)
    if not listings:
        return []
    known = {(c.create.path, c.id) for c in ledger.created if c.id}
    found: list[Created] = []
    for asked, account in enumerate(_accounts(ledger) if only is None else only):
        if asked >= PROBE and not found:
            break
        body = account.create.body if isinstance(account.create.body, dict) else {}
        try:
            own = await own_login(ledger.sessions, body)
        except TargetError:
            if ledger.sessions.transport.down is not None:
                raise
            continue
        if own is None:
            continue
        for listing in listings:
            create = own.apply(Request(method="POST", path=listing.path, operation=""))
            read = own.apply(Request(method="GET", path=listing.path, operation=listing.key))
            note = "restore: what a sign-up made beside its account"
            reply = await ledger.sessions.send(read, as_=None, note=note)
            for row in (objects(reply.data) or []) if reply.ok else []:
                made = _made(ledger, create, row, account.names)
                if made is None or (create.path, made.id) in known:
                    continue
                known.add((create.path, made.id))
                ledger.created.append(made)
                found.append(made)
    return found


def _listings(ledger: Ledger) -> list[Operation]:
    """GETs with no path id on a collection of things (not people) whose items have a DELETE."""
    return [
        op
        for op in accounts.listings(ledger.api, of_people=False)
        if op.key not in ledger.excluded
        and _deleters.deleter(ledger.api, Request(method="POST", path=op.path, operation=""), "-")
    ]


def _accounts(ledger: Ledger) -> Iterator[Created]:
    """Accounts the scan signed up under names of its own, with a password to log in with."""
    for created in ledger.created:
        if created.deleted:
            continue  # it no longer logs in
        body = created.create.body if isinstance(created.create.body, dict) else {}
        if created.account and created.names and any(fields.is_password(k) for k in body):
            yield created


def _made(ledger: Ledger, create: Request, row: Any, names: frozenset[str]) -> Created | None:
    """The row as an object the account made, when it holds one of the account's names."""
    if not isinstance(row, dict):
        return None
    made = _objects.new_id(ledger.api, create, row, None)
    naming = [str(v) for k, v in row.items() if norm(k) in _NAMING and isinstance(v, str)]
    if not any(_named(text, n) for text in [*naming, made or ""] for n in names):
        return None
    delete = _deleters.deleter(ledger.api, create, made, answer=row) if made else None
    if made is None or delete is None:
        return None
    return Created(id=made, create=create, creator=Sender.of(create, None), delete=delete)


def _named(text: str, name: str) -> bool:
    """True when ``text`` holds ``name`` as a word of its own (``apiward7c2's workspace``), not
    as the start of another fresh value (``apiward7c21``, made by another request)."""
    return (
        re.search(rf"(?<![0-9a-z]){re.escape(name)}(?![0-9a-z])", text, re.IGNORECASE) is not None
    )
