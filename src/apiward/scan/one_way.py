"""One-way actions: what the scan sends only to objects it made for them.

An *action on an object* is a write to a path below an item: ``POST
/expenses/{ref}/approve``, ``PATCH /expenses/{id}/approve`` (Rails' member routes),
``POST /vouchers/{code}/redeem``, ``/orders/{id}:cancel`` (Google's custom methods), or
one that ends or suspends a record no id names, which the contract reads at the path above
(``POST /billing/cancel`` beside ``GET /billing``: the caller's own, or its tenant's).
Its effect is the server's (a status moved on, a credit given, a mail sent), not the
values it carries, and many APIs never take it back: an approved expense is closed, a
redeemed voucher spent. Nothing the scan could send afterwards is sure to put it back,
so :func:`one_way` calls every such action one-way unless it is

* a creation (``_objects.creates``: ``POST /orders/{id}/lines`` answered 201, or any
  POST whose last segment is a plural noun: a collection under the object);
* a question (``questions.changes_nothing``: ``POST /webhooks/{id}/test``);
* a field set by name (``POST /users/{id}/set-role``, ``PUT /admin/users/{name}/role``):
  its last segment, bare of ``set``/``update``/``change``, names a field the object
  shows or its own body takes, so the same write with the old value puts it back;
* a PUT or PATCH with a body: it replaces a part of the object (``PUT
  /users/{id}/profile``), whose old values the restore phase writes back;
* destructive (``scan.destructive``: ``POST /users/{id}/delete``), which a stricter rule
  keeps to objects the scan made, and away from ``--safe`` scans altogether.

The ledger never sends a one-way action to an object the scan did not make: not on a
seeded object, not with an id that names nothing yet (an injected ``' OR '1'='1`` would
approve every expense). One exception is the redemptions' own: a user the scan signed
up may redeem a code everyone sees (``POST /promos/{code}/redeem``), whose credit is its
own, unless the code's read counts what it hands out (``Ledger._redeemed``).

Checks that test one (``bola``, ``bfla``) make a fresh object for it through the
collection's creation, act on it, read the effect back as its maker, and leave it to the
restore phase to delete. Under ``--safe`` such an object is made only when the contract
can delete it (:func:`untried`). ``--aggressive`` (a disposable copy) lifts the rule, as
it lifts every rule against changes the scan cannot undo: the checks then probe such
actions as any other write, and the target state lists what stayed.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from apiward.scan import _deleters, _objects
from apiward.scan.destructive import destructive
from apiward.scan.questions import changes_nothing
from apiward.scan.request import Request
from apiward.scan.resources import singular, words
from apiward.spec import Api, Operation

_SETTERS = frozenset({"set", "update", "change", "edit", "assign", "put"})
"""Words that make an action's segment a field set by name (``set-role``)."""
_CUSTOM = re.compile(r"^(\{[^}]+\}):([A-Za-z][\w-]*)$")
"""Google's custom method: ``{id}:approve``."""


def one_way(api: Api, operation: Operation, shown: Collection[str] = ()) -> bool:
    """True for an action on an object that no write of the scan's could take back.

    ``shown``: field names the object's read showed (the ledger's snapshot), beside those
    its contract declares.
    """
    method = operation.method.upper()
    split = _action(operation.path) or _on_record(api, operation.path)
    if method not in {"POST", "PUT", "PATCH"} or split is None:
        return False
    item, word = split
    if method != "POST" and operation.request_body is not None:
        return False  # a part of the object replaced: its old values go back the same way
    if _objects.creates(api, operation) or changes_nothing(operation):
        return False
    if destructive(operation) is not None:
        return False
    said = [w for w in words(word) if w not in _SETTERS]
    if said[-1:] and said[-1].endswith("s") and not said[-1].endswith("ss"):
        return False  # a collection under the object (``/orders/{id}/lines``)
    named = [*shown, *_body(api, operation)]
    fields = {singular(w) for name in named for w in words(name)} | _declared(api, item)
    return not (said and {singular(w) for w in said} <= fields)


def item_of(path: str) -> str | None:
    """The item path an action acts on (``/expenses/{ref}`` for ``/expenses/{ref}/approve``)."""
    split = _action(path)
    return split[0] if split is not None else None


def untried(api: Api, operation: Operation, *, safe: bool) -> str | None:
    """Why the one-way ``operation`` is not tried at all, or None when it may be.

    It goes only to an object the scan makes for it: not without a creation for its
    objects, and under ``--safe`` not without a DELETE to remove that object again.
    """
    slot = _objects.object_slot(api, operation)
    if slot is None:
        return (
            f"{operation.key} acts for good, so it goes only to an object the scan makes "
            "for it, and the contract has no creation for its objects"
        )
    make = Request(method="POST", path=slot.create.path, operation=slot.create.key)
    stranded = strands(api, operation)
    if stranded:
        return (
            f"{operation.key} acts for good, and the contract deletes only what is "
            f'"{stranded}": the object made for it would stay (--aggressive sends it)'
        )
    if safe and _deleters.deleter(api, make, "-") is None:
        return (
            f"{operation.key} acts for good, so it goes only to an object the scan makes for "
            f"it; the contract has no DELETE for what {slot.create.key} makes, and under "
            "--safe the scan makes nothing it cannot delete"
        )
    return None


_BEFORE = re.compile(
    r"\b(pending|draft|drafts|unpaid|unsent|unpublished|unconfirmed|unsubmitted)\b", re.I
)
"""Words of a DELETE that takes an object only before something happens to it."""
STRANDS = "the contract deletes its object only before such an action, so it would stay"
"""Why the ledger withholds such an action even on what the scan made (:func:`strands`)."""
_NOT_YET = re.compile(r"\b(?:not(?: yet)?|un)\s*([a-z]{3,})", re.I)


def strands(api: Api, operation: Operation) -> str:
    """What the item's DELETE says it deletes, when the one-way ``operation`` may move its
    object out of it, else ``""``: "Cancel a pending order" beside ``POST
    /orders/{id}/pay``. Paid, such an object stays for good (the NestJS trial's orders,
    paid by the scan's probes, seeded ticket counts moved, answered 409 to every DELETE)."""
    item = item_of(operation.path)
    delete = api.operation("DELETE", item) if item is not None else None
    if delete is None or not one_way(api, operation):
        return ""
    text = f"{delete.summary} {delete.description}"
    split = _action(operation.path)
    said = [w.lower() for w in words(split[1])] if split is not None else []
    if any(w in {"cancel", "void", "withdraw", "delete", "remove", "archive"} for w in said):
        return ""  # the action ends the object itself: nothing to strand
    before = _BEFORE.search(text)
    if before is not None:
        return before.group(0)
    for negated in _NOT_YET.finditer(text):
        if any(negated.group(1).lower()[:3] == w[:3] for w in said if len(w) >= 3):
            return negated.group(0)
    return ""


def _action(path: str) -> tuple[str, str] | None:
    """(item path, action word) for a path whose last segment is a word after an item id."""
    parts = path.rstrip("/").split("/")
    last = parts[-1]
    custom = _CUSTOM.match(last)
    if custom is not None:
        return "/".join([*parts[:-1], custom.group(1)]), custom.group(2)
    if len(parts) < 3 or "{" in last or not last or not parts[-2].startswith("{"):
        return None
    return "/".join(parts[:-1]), last


def _on_record(api: Api, path: str) -> tuple[str, str] | None:
    """(record path, action word) for an action on a record no id names, which the contract
    reads at the path above: ``POST /billing/cancel`` beside ``GET /billing``.

    The Express trial's "Cancel the subscription (admin only). Takes effect at once; cannot
    be undone through the API" went out as the admin of the seeded team: it acts on the
    caller's own (or its tenant's) record, so only a user the scan made may send it.
    """
    parts = path.rstrip("/").split("/")
    if len(parts) < 3 or "{" in parts[-1] or parts[-2].startswith("{"):
        return None
    if not _ENDS.search(parts[-1]):
        return None  # a top-up of one's own credits moves value the restore tells of
    item = "/".join(parts[:-1])
    return (item, parts[-1]) if api.operation("GET", item) is not None else None


_ENDS = re.compile(
    r"cancel|close|deactivat|disabl|suspend|archiv|downgrad|unsubscrib|terminat|freez|"
    r"pause|leave|quit|void|withdraw",
    re.IGNORECASE,
)
"""Words of an action that ends or suspends what a record no id names holds (a
subscription, an account, a membership)."""


def _body(api: Api, operation: Operation) -> list[str]:
    """The property names the operation's (first) JSON or form body declares."""
    content = operation.request_body.content if operation.request_body else {}
    schema = api.deref(next(iter(content.values()), {}))
    properties = schema.get("properties")
    return list(properties) if isinstance(properties, dict) else []


def _declared(api: Api, item: str) -> set[str]:
    """The words of the fields the item's read declares in its answer."""
    read = api.operation("GET", item) or api.operation("GET", f"{item}/")
    return _objects.shown_words(api, read) if read is not None else set()
