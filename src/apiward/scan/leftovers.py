"""Creations that would stay for good: withheld unless ``--aggressive``, and under ``--safe``.

A creation the contract gives no DELETE for (:func:`deletable`), or a public sign-up whose
account nothing removes (:func:`lasting`: no DELETE in a collection of people, or one
``scan.account_removal`` saw remove none), would leave an object or an account on the
target for good. So would one whose DELETE, by the contract's own words, keeps it
(``archives``, ``retires``, "soft delete": ``scan.flows.keeps``), unless every parent it names is
the scan's own and goes with it: the Litestar trial's jobs and the Django Ninja trial's
rooms stayed archived in the real tenants after every scan. And so would what a creation
takes from a count everybody shares (a part's ``stock``: ``scan.stock``), unless the
contract deletes what it makes by its own id.

The ledger asks here before it sends one: :class:`~apiward.scan.withhold.Kept`
and :class:`~apiward.scan.withhold.Lasting` withhold it without ``--aggressive``,
:class:`~apiward.scan.withhold.NotOurs` under ``--safe``. The scan's own users (which the
checks need) and a check's few probes (``accounts.bounded``) still go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apiward.scan import _deleters, accounts
from apiward.scan.entries import Sender
from apiward.scan.flows import keeps
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.stock import Taken
from apiward.scan.withhold import Kept, Lasting, NotOurs
from apiward.spec import Operation

if TYPE_CHECKING:
    from apiward.scan.ledger import Ledger

_ANONYMOUS = Identity(name="anonymous")


def deletable(
    ledger: Ledger, operation: Operation, request: Request, sender: Sender
) -> Taken | None:
    """Raise when the creation ``request`` would leave what nothing can delete (a sign-up:
    :func:`lasting`); else the shared count it takes from, if any (:func:`stocked`)."""
    taken = stocked(ledger, operation, request, sender)
    delete = _deleters.deleter(ledger.api, request, "-")
    kept = delete is not None and keeps(ledger.api, delete.path)
    if (
        kept
        and request.path_params
        and all(ledger.made_at(request, k) for k in request.path_params)
    ):
        return taken  # under a parent the scan made, which its restore deletes for real
    # An account whose DELETE only deactivates it stays too: the aiohttp trial's dispatcher
    # made 30 driver accounts in real carriers, "deleted" by a DELETE that kept them disabled.
    if (delete and not kept) or (not kept and lasting(ledger, operation, request, sender)):
        return taken
    who = sender.identity or _ANONYMOUS
    none = "only archives" if kept else "has no DELETE for"
    if ledger.safe:
        why = f"under --safe it creates what the contract {none}: it would stay for good"
        raise NotOurs(operation, who, why)
    if not ledger.aggressive:
        why = f"the contract {none} what {operation.key} makes"
        raise Kept(operation, who, f"{why}: it would stay for good")
    return taken


def stocked(ledger: Ledger, operation: Operation, request: Request, sender: Sender) -> Taken | None:
    """The count everybody shares the creation takes from (``scan.stock``), which the ledger
    reads before it goes; raise when nothing deletes what it makes by its own id: a parent's
    DELETE restocks nothing, not even under a parent the scan made (the Koa trial's bookings
    on its own work orders). ``--aggressive`` sends it all the same."""
    taken = ledger.spends(operation, request)
    if taken is None or ledger.aggressive:
        return taken
    delete = _deleters.deleter(ledger.api, request, "-")
    path = delete.path if delete is not None else ""
    own = path.startswith(request.path.rstrip("/") + "/") and not keeps(ledger.api, path)
    if own and not ledger.safe:
        return taken
    who = sender.identity or _ANONYMOUS
    if ledger.safe:
        raise NotOurs(operation, who, f"under --safe it takes from {taken}, which all share")
    why = f"it takes from {taken}, which all share, and no DELETE of what it makes gives it back"
    raise Kept(operation, who, why)


def lasting(ledger: Ledger, operation: Operation, request: Request, sender: Sender) -> bool:
    """True for a public sign-up (a body with a password) that may go; raise when its account
    would stay and it is not one of the scan's own users nor a check's few probes."""
    if not accounts.signed_up(request.body if isinstance(request.body, dict) else {}):
        return False
    if not accounts.lasting(ledger.api, ledger.accounts_kept, request.body):
        return True
    if not ledger.sessions.openness.public(operation):
        return False  # a secured creation with a secret (a book's): no sign-up
    who = sender.identity or _ANONYMOUS
    kept = ledger.accounts_kept
    if ledger.safe:
        why = "under --safe it signs up an account no DELETE of the contract removes"
        raise NotOurs(operation, who, f"{why} ({kept})" if kept else why)
    if not (ledger.aggressive or accounts.is_bounded()):
        raise Lasting(operation, who, kept or "no DELETE of the contract removes the account")
    return True
