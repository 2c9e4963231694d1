"""People an invitation made: the account behind a member the scan added, and deleted.

``POST /v1/orgs/{orgId}/members {email, role}`` adds a member, and where no user has that
e-mail, a user too. Its ``DELETE /v1/orgs/{orgId}/members/{userId}`` takes the membership
only: the NestJS trial's report called both invitations deleted, and two accounts stayed.

So after the removals, each e-mail the scan made afresh (``apiward…@example.com``) that a
deleted creation sent, a sign-up aside, is looked for in the listings of people the
identities may read (``GET /v1/admin/users``: a GET with no path parameter whose last noun
is people, ``scan.accounts.holds_accounts``; its first page, as the first identity it
answers). One still shown is deleted through the contract's DELETE of an account
(``DELETE /v1/admin/users/{id}``, ``scan.accounts.deleter``: by the row's id, or by the
e-mail), as the first identity it lets, since only the scan made that address; else it is
listed as *left*.
"""

from __future__ import annotations

from typing import Any

from apiward.scan import accounts
from apiward.scan.changes import State, TargetChange, What
from apiward.scan.entries import Created
from apiward.scan.envelope import objects
from apiward.scan.ledger import Ledger
from apiward.scan.request import Request

MAX_LISTINGS = 3
"""Listings of people read at most: one holding e-mails is usually all there is."""


async def still_shown(
    ledger: Ledger, removed: list[tuple[Created, TargetChange]]
) -> list[tuple[Created, TargetChange]]:
    """``removed``, and a row for each person an invitation made that a listing still shows:
    deleted through the contract's DELETE of an account, else left."""
    sent = {
        value.lower(): created
        for created, row in removed
        if row.state is State.DELETED and not created.account
        for value in _emails(created.create.body)
    }
    if not sent:
        return removed
    shown = await _listed(ledger, set(sent))
    return removed + [
        (sent[mail], await _removed(ledger, sent[mail], mail, *found))
        for mail, found in sorted(shown.items())
    ]


def _emails(body: Any) -> list[str]:
    """The fresh e-mails of the scan's own in a creation's body (top level)."""
    items = body.items() if isinstance(body, dict) else ()
    return [v for k, v in items if isinstance(v, str) and "mail" in k.lower() and accounts.fresh(v)]


async def _listed(ledger: Ledger, mails: set[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each of ``mails`` a listing of people shows: which listing, as whom, and its row."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for op in accounts.listings(ledger.api, of_people=True)[:MAX_LISTINGS]:
        for identity in ledger.sessions.identities:
            request = Request(method="GET", path=op.path, operation=op.key)
            note = "restore: is the person an invitation made still there"
            reply = await ledger.sessions.send(request, as_=identity, note=note)
            rows = objects(reply.data) if reply.ok else None
            if rows is None:
                continue
            for row in rows:
                for value in row.values():
                    if isinstance(value, str) and value.lower() in mails:
                        found.setdefault(value.lower(), (f"{op.key} as {identity.name}", row))
            break
    return found


async def _removed(
    ledger: Ledger, created: Created, mail: str, where: str, row: dict[str, Any]
) -> TargetChange:
    """The person ``row`` deleted by the contract's DELETE of an account, else left."""
    said = (
        f"{created.create.method} {created.create.path} sent this e-mail; its DELETE took "
        f"what it made, yet {where} showed a person with it: an account it made too"
    )
    key = next((str(row[k]) for k in ("id", "userId", "user_id", "uuid") if k in row), "")
    delete = accounts.deleter(ledger.api, key, (mail,))
    if delete is None:
        return _row(created, mail, State.LEFT, said)
    for identity in ledger.sessions.identities:
        note = "restore: the account an invitation made"
        if (await ledger.sessions.send(delete, as_=identity, note=note)).ok:
            done = f"{said}, deleted by {delete.operation} as {identity.name}"
            return _row(created, mail, State.DELETED, done)
    return _row(created, mail, State.LEFT, said)


def _row(created: Created, mail: str, state: State, detail: str) -> TargetChange:
    return TargetChange(
        what=What.INVITED, object=mail, state=state, by=created.creator.name, detail=detail
    )
