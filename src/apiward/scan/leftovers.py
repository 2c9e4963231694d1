"""Creations that would stay for good: withheld unless ``--aggressive``, and under ``--safe``.

A creation the contract gives no DELETE for (:func:`deletable`), or a public sign-up whose
account nothing removes (:func:`lasting`: no DELETE in a collection of people, or one
``scan.account_removal`` saw remove none), would leave an object or an account on the
target for good. The ledger asks here before it sends one: :class:`~apiward.scan.withhold.Kept`
and :class:`~apiward.scan.withhold.Lasting` withhold it without ``--aggressive``,
:class:`~apiward.scan.withhold.NotOurs` under ``--safe``. The scan's own users (which the
checks need) and a check's few probes (``accounts.bounded``) still go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apiward.scan import _deleters, accounts
from apiward.scan.entries import Sender
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.withhold import Kept, Lasting, NotOurs
from apiward.spec import Operation

if TYPE_CHECKING:
    from apiward.scan.ledger import Ledger

_ANONYMOUS = Identity(name="anonymous")


def deletable(ledger: Ledger, operation: Operation, request: Request, sender: Sender) -> None:
    """Raise when the creation ``request`` would leave what nothing can delete (a sign-up:
    :func:`lasting`)."""
    if _deleters.deleter(ledger.api, request, "-") or lasting(ledger, operation, request, sender):
        return
    who = sender.identity or _ANONYMOUS
    if ledger.safe:
        why = "under --safe it creates what the contract has no DELETE for: it would stay for good"
        raise NotOurs(operation, who, why)
    if not ledger.aggressive:
        why = f"the contract has no DELETE for what {operation.key} makes"
        raise Kept(operation, who, f"{why}: it would stay for good")


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
