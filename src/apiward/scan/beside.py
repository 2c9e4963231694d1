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

A sign-up may also make its account's tenant ("Sign up a company": a company and its first
recruiter), which only a higher role lists (``GET /admin/companies``). So each such account
also reads its own record (``GET /me``): a field named for a collection the contract deletes
items of (``company``, ``org_id``) whose value holds one of the names the sign-up gave
(``company: "apiwardcompanyname-7"`` for ``company_name: "apiwardcompanyname"``) names what
the sign-up made; its DELETE goes as the account, else as whichever identity may
(``DELETE /admin/companies/{slug}``, the admin). The Litestar trial's 46 companies had
stayed unreported. For an account a probe deleted, the listings are read as the first
identity that may. Never an object the scan wrote (one it snapshotted): a seeded row a probe
renamed with a name the scan makes is no sign-up's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apiward.core.errors import TargetError
from apiward.scan import _deleters, _objects, accounts, fields
from apiward.scan.entries import Created, Sender
from apiward.scan.envelope import objects, single
from apiward.scan.fitting import IDLIKE, item_nouns
from apiward.scan.ledger import Ledger
from apiward.scan.own_state import is_own_read
from apiward.scan.provision import own_login
from apiward.scan.request import Request
from apiward.scan.resources import (
    collection_of,
    names_caller,
    norm,
    resource_of,
    singular,
    words,
)
from apiward.scan.sessions import Credentials
from apiward.spec import Api, Operation

PROBE = 2
"""Accounts asked before giving up on a sign-up that makes nothing beside them."""
_NAMING = frozenset({"slug", "name", "title", "handle", "label", "subdomain", "displayname"})
"""Fields that name an object: one named after the account (not one merely naming it, an
assignee) is what its sign-up made."""


async def made_beside(ledger: Ledger, only: list[Created] | None = None) -> list[Created]:
    """What the scan's sign-ups (``only`` these accounts' own) made beside their accounts,
    now recorded in ``ledger.created``."""
    listings, record = _listings(ledger), _own_record(ledger)
    if not listings and record is None:
        return []
    known = {(c.create.path, c.id) for c in ledger.created if c.id and not c.deleted}
    found: list[Created] = []
    asked = 0  # accounts that logged in and were asked: one that cannot tells nothing
    for account in _accounts(ledger) if only is None else only:
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
        asked += 1
        note = "restore: what a sign-up made beside its account"
        made: list[Created | None] = []
        for listing in listings:
            create = own.apply(Request(method="POST", path=listing.path, operation=""))
            read = own.apply(Request(method="GET", path=listing.path, operation=listing.key))
            reply = await ledger.sessions.send(read, as_=None, note=note)
            rows = (objects(reply.data) or []) if reply.ok else []
            made += [_made(ledger, create, row, account.names) for row in rows]
        if record is not None:
            read = own.apply(Request(method="GET", path=record.path, operation=record.key))
            reply = await ledger.sessions.send(read, as_=None, note=note)
            made += _named_in(ledger, own, account, single(reply.data) if reply.ok else None)
        found += _new(ledger, made, known)
    if only is None:
        found += _new(ledger, await _of_the_gone(ledger, listings), known)
    return found


def _new(ledger: Ledger, made: list[Created | None], known: set[tuple[str, str]]) -> list[Created]:
    """Of ``made``, what the ledger does not hold yet, now recorded in it."""
    found = []
    for one in made:
        if one is None or (one.create.path, one.id) in known:
            continue
        known.add((one.create.path, one.id))
        ledger.created.append(one)
        found.append(one)
    return found


async def _of_the_gone(ledger: Ledger, listings: list[Operation]) -> list[Created | None]:
    """Rows named after accounts a probe deleted, in the listings as whoever may read them.

    Such an account no longer logs in to say what its sign-up made (the Litestar trial's
    company of an account a ``bfla`` probe deleted), but the platform's admin lists it.
    """
    gone = [c for c in ledger.created if c.account and c.deleted and c.names]
    names = frozenset().union(*(c.names | _given(c) for c in gone))
    found: list[Created | None] = []
    for listing in listings if names else []:
        create = Request(method="POST", path=listing.path, operation="")
        for identity in ledger.sessions.identities:
            read = Request(method="GET", path=listing.path, operation=listing.key)
            note = "restore: what the sign-up of an account a probe deleted made"
            reply = await ledger.sessions.send(read, as_=identity, note=note)
            if reply.ok:
                rows = objects(reply.data) or []
                found += [
                    _made(ledger, create, row, names, Sender(identity=identity)) for row in rows
                ]
                break
    return found


def _given(account: Created) -> frozenset[str]:
    """The names the scan made that an account's sign-up body gave (``company_name``), also at
    the start of a probe's payload (``apiwardco' OR 1=1--``)."""
    body = account.create.body if isinstance(account.create.body, dict) else {}
    return frozenset({accounts.fresh_start(v) for v in body.values() if isinstance(v, str)} - {""})


def _own_record(ledger: Ledger) -> Operation | None:
    """The read of the caller's own record (``GET /me``), if the contract has one."""
    reads = [op for op in ledger.api.operations if op.method == "GET" and is_own_read(op)]
    # ``GET /me`` before "My enrollments" (the PHP trial's, which holds no tenant).
    reads.sort(key=lambda op: not names_caller(op.path.rstrip("/").rsplit("/", 1)[-1]))
    return next((op for op in reads if op.key not in ledger.excluded), None)


def _named_in(
    ledger: Ledger, own: Credentials, account: Created, record: dict[str, Any] | None
) -> list[Created | None]:
    """The objects ``record`` (the account's own) names that hold a name its sign-up gave:
    by a field (``company: "apiwardco-7"``), or an object in it (``teamInfo: {slug: …}``),
    or in a list of them (the Sinatra trial's ``organizations: [{slug: …}]``)."""
    # A probe's payload after a name the scan made (``apiwardco' OR 1=1--``) still names
    # what the scan made: the company slug ``apiwardco-or-1-1`` of this very account.
    names, nouns = account.names | _given(account), item_nouns(ledger.api)
    found: list[Created | None] = []
    for field, held in (record or {}).items():
        objs = [held] if isinstance(held, dict) else held if isinstance(held, list) else []
        inner = [o.get(k) for o in objs if isinstance(o, dict) for k in _NAMING] or [held]
        value = next((v for v in inner if isinstance(v, str) and _named_any(v, names)), None)
        if value is None or value in account.names:
            continue  # the account itself, no name, or a tenant it joined, not one it made
        parts = [w for w in words(field) if not IDLIKE.fullmatch(w) and w not in _ASIDE]
        noun = norm("".join(parts))
        item = _deleting(ledger.api, nouns.get(noun, ""))
        if item is None and (nouns.get(noun) or _read_alone(ledger.api, noun)):
            # One nothing deletes is listed left, as the sign-up's: the PHP trial's schools
            # ("Sign up a new school") and the Express trial's teams had gone unreported.
            found.append(Created(id=value, create=account.create, creator=account.creator,
                                 delete=None))  # fmt: skip
            continue
        if item is None:
            continue
        create = own.apply(Request(method="POST", path=item.rsplit("/", 1)[0], operation=""))
        undo = _deleters.deleter(ledger.api, create, value)
        if undo is not None and not _written(ledger, undo):
            found.append(
                Created(id=value, create=create, creator=Sender.of(create, None), delete=undo)
            )
    return found


_ASIDE = frozenset({"info", "details", "data", "summary"})
"""Words beside a noun in a field holding that object (``teamInfo``)."""


def _named_any(value: str, names: frozenset[str]) -> bool:
    return any(_named(value, n) for n in names)


def _read_alone(api: Api, noun: str) -> bool:
    """True when the contract reads the caller's own object of ``noun`` at a path of no id
    (``GET /team``): there is one, and the scan's sign-up made it."""
    return bool(noun) and any(
        op.method == "GET"
        and "{" not in op.path
        and norm(resource_of(op.path)[1]) == singular(noun)
        for op in api.operations
    )


def _deleting(api: Api, collection: str) -> str | None:
    """The shortest item path of ``collection`` that the contract has a DELETE for."""
    paths = [
        op.path
        for op in api.operations
        if op.method == "DELETE"
        and collection
        and op.path.rstrip("/").endswith("}")
        and collection_of(op.path, op.path.rstrip("/").rsplit("{", 1)[-1][:-1]) == collection
    ]
    return min(paths, key=len, default=None)


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


def _made(
    ledger: Ledger, create: Request, row: Any, names: frozenset[str], by: Sender | None = None
) -> Created | None:
    """The row as an object the account made, when it holds one of the account's names;
    deleted as ``by`` (else with the credentials ``create`` carries: the account's own)."""
    if not isinstance(row, dict):
        return None
    made = _objects.new_id(ledger.api, create, row, None)
    naming = [str(v) for k, v in row.items() if norm(k) in _NAMING and isinstance(v, str)]
    if not any(_named(text, n) for text in [*naming, made or ""] for n in names):
        return None
    delete = _deleters.deleter(ledger.api, create, made, answer=row) if made else None
    if made is None or delete is None or _written(ledger, delete):
        return None
    creator = by or Sender.of(create, None)
    return Created(id=made, create=create, creator=creator, delete=delete)


def _written(ledger: Ledger, delete: Request) -> bool:
    """True when the object ``delete`` removes is one the scan wrote, not made: a seeded row a
    probe renamed with a name the scan makes (``apiwardcompanyname``) is never deleted."""
    kind, ids = resource_of(delete.path)[1], {str(v) for v in delete.path_params.values()}
    for shot in ledger.snapshots.values():
        item = shot.read.item
        last = [str(v) for v in item.path_params.values()][-1:]
        if last and last[0] in ids and resource_of(item.path)[1] == kind:
            return True  # by its id in any path to its kind: /companies/x, /admin/companies/x
    return False


def _named(text: str, name: str) -> bool:
    """True when ``text`` holds ``name`` as a word of its own (``apiward7c2's workspace``), not
    as the start of another fresh value (``apiward7c21``, made by another request)."""
    return (
        re.search(rf"(?<![0-9a-z]){re.escape(name)}(?![0-9a-z])", text, re.IGNORECASE) is not None
    )
