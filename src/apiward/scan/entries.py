"""What the ledger records of a scan's writes: who sent one, an object as it was before
it, value moved between identities, and what the scan created (``scan.ledger`` keeps them,
``scan.restore`` undoes them)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apiward.scan import _objects
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.spec import Api

_CREDENTIAL_HEADER = re.compile(r"authorization|token|key|auth|session", re.IGNORECASE)
_LAST_PARAMETER = re.compile(r"\{([^}/]+)\}/?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Sender:
    """Who sent a write: an identity, or the credentials the request itself carried."""

    identity: Identity | None = None
    headers: tuple[tuple[str, str], ...] = ()
    cookies: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, request: Request, identity: Identity | None) -> Sender:
        """The sender of ``request`` as ``identity`` (None: the request's own credentials)."""
        if identity is not None:
            return cls(identity=identity)
        kept = tuple((k, v) for k, v in request.headers if _CREDENTIAL_HEADER.search(k))
        return cls(headers=kept, cookies=dict(request.cookies))

    @property
    def name(self) -> str:
        """How the report names it."""
        if self.identity is not None:
            return self.identity.name
        return "a user the scan made" if self.headers or self.cookies else "anonymous"

    def dress(self, request: Request) -> Request:
        """``request`` with this sender's own credentials (an identity's are added on send)."""
        for name, value in self.headers:
            request = request.with_param(Where.HEADER, name, value)
        for name, value in self.cookies.items():
            request = request.with_param(Where.COOKIE, name, value)
        return request


def distinct(senders: Iterable[Sender]) -> list[Sender]:
    """``senders`` in order, each once."""
    kept: list[Sender] = []
    for who in senders:
        if who not in kept:  # senders hold cookie mappings: compared, not hashed
            kept.append(who)
    return kept


@dataclass(slots=True, kw_only=True)
class Snapshot:
    """An existing object as it was before the scan's first write to it."""

    read: _objects.Reader
    reader: Sender
    exists: bool
    before: Any = None
    writes: list[tuple[Request, Sender]] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Moved:
    """Value a check moved from one identity to another, and the request that moves it back."""

    what: str
    back: Request
    backer: Sender
    how: str = ""
    """How it went back (empty: it did not)."""


@dataclass(slots=True, kw_only=True)
class Raised:
    """A privilege a probe's sign-up gave the account it made, and whether it was taken back."""

    held: str
    """The field and the value the probe set, as the report says it: ``role='admin'``."""
    lowered: str = ""
    """How it was taken back (empty: it was not)."""
    why: str = ""
    """Why it was not taken back."""
    undo: Request | None = None
    """A write that would take it back, for the report."""


@dataclass(slots=True, kw_only=True)
class Created:
    """An object the scan made, how to delete it (None: the contract has no DELETE), and who."""

    id: str
    create: Request
    creator: Sender
    delete: Request | None
    account: str = ""
    names: frozenset[str] = frozenset()
    """Values that address an account in a path (its user name, e-mail): a DELETE naming one removes it."""
    deleted: bool = False
    failed: bool = False
    """Answered 5xx, or not at all: it made something only if its listing shows it (``scan.unseen``)."""
    nothing: bool = False
    """A failed creation whose listing holds only rows the scan knew: it made none."""
    raised: list[Raised] = field(default_factory=list)
    """Privileges a probe's sign-up gave the account (``checks._take_back``)."""
    kept: str = ""
    """Why it stays though its DELETE answered 2xx (an account that still logs in after it)."""
    set_aside: bool = False
    """A spare made for one DELETE or one-way action: no other write is aimed at it (``aim``)."""
    closes: Request | None = None
    """The DELETE by which the account closes itself (``DELETE /me``; ``accounts.closer``),
    where no DELETE names it: sent only as the account itself, never as an identity."""

    def sent(self, made: Iterable[Created]) -> dict[str, Any]:
        """What made this account: its sign-up's body, over what the scan's own object its
        path names sent (the invitation it accepted: the e-mail it logs in with).

        The Express trial's ``POST /invitations/{code}/accept`` takes a name and a password;
        the account logs in by the e-mail the invitation went to, so the three accounts the
        scan made in real teams could not log in to close themselves, and stayed.
        """
        body = self.create.body if isinstance(self.create.body, dict) else {}
        named = {str(v) for v in self.create.path_params.values()}
        for other in made:
            if other is not self and other.id in named and isinstance(other.create.body, dict):
                return {**other.create.body, **body}
        return dict(body)


def deletes(request: Request, created: Created) -> bool:
    """True when DELETE ``request`` names ``created``: its own DELETE, or a path of its names.

    The path must end in one of those names: ``DELETE /users/{name}/ban`` lifts a ban
    and leaves the account, as ``/users/{name}/sessions`` ends the sessions.
    """
    if created.delete is not None and created.delete.target == request.target:
        return True
    named = {str(v) for v in request.path_params.values()}
    last = _LAST_PARAMETER.search(request.path)
    return (
        bool(named)
        and named <= created.names
        and last is not None
        and str(request.path_params.get(last.group(1), "")) in created.names
    )


def maybe_kept(created: Created, sender: Sender) -> bool:
    """True when a 2xx to ``sender``'s DELETE of ``created`` does not show it removed.

    Many APIs answer 204 to any DELETE, removing only what is the caller's own
    (``DELETE ... WHERE id = ? AND owner = ?``): another identity's 2xx may have left
    the object there, so the restore phase deletes it as its creator all the same.
    """
    creator, by = created.creator.identity, sender.identity
    return creator is not None and by is not None and by != creator and not created.account


def aim(
    api: Api,
    created: list[Created],
    made_at: Callable[[Request, str], bool],
    request: Request,
    identity: Identity,
) -> Request:
    """``request`` with its object's id set to the last one ``identity`` made there.

    The object slot is the one ``_objects.object_slot`` names (the item a write
    changes, or the parent a creation adds to); the object must be of the collection
    that slot's POST makes, under the same parents, not deleted nor set aside. Unchanged when
    ``identity`` made nothing there. When the slot already names what ``identity``
    made, only its parents are set to those it was made under: ids harvested one slot
    at a time need not belong together (its line under another of its orders).
    ``made_at`` is the ledger's: whether an id of a request names what the scan made there.
    """
    operation = api.operation(request.method, request.path)
    slot = _objects.object_slot(api, operation) if operation is not None else None
    if slot is None:
        return request
    name, create, where = slot
    named = _objects.ids(api, request).get(name) if made_at(request, name) else None
    for one in reversed(created):
        mine = one.creator.identity is not None and one.creator.identity == identity
        if not mine or not one.id or one.create.path != create.path:
            continue
        parents = one.create.path_params
        if named is not None:
            if one.id == named:
                for key, value in parents.items():
                    request = request.with_param(Where.PATH, key, value)
                return request
        # Parents the path does not name (``/notes/{id}``, made under a project) pass.
        elif not (one.deleted or one.set_aside) and all(
            request.path_params.get(k, v) == v for k, v in parents.items()
        ):
            return request.with_param(where, name, one.id)
    return request


def set_aside(created: list[Created], value: object) -> None:
    """Keep the last object made with id ``value`` for the write it was made for.

    A DELETE's spare is deleted by it: another write aimed there meanwhile (the last
    object its identity made) got 404, and its check found nothing (a clinic's PATCH
    BOLA, missed on a loaded box).
    """
    one = next((c for c in reversed(created) if c.id == str(value)), None)
    if one is not None:
        one.set_aside = True


def own_path(read: _objects.Reader) -> bool:
    """A path that names no object (``/me``, ``/account``): each caller's own record."""
    item, shown = read.item, read.read
    return not (item.path_params or item.query or shown.path_params or shown.query)


def snapshot_key(read: _objects.Reader, sender: Sender) -> str:
    """Where a snapshot is kept: by the object's path, and by its caller for ``/me``."""
    if not own_path(read):
        return read.item.target
    return f"{read.item.target} as {sender.name if sender.identity else repr(sender)}"
