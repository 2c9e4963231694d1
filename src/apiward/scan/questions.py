"""Questions: a POST that only asks (a search, a preview, a webhook's test), not a deed.

An operation is named by its last noun segment and its operationId (``POST /books/search``,
``POST /link-previews``). One named like a question changes nothing the restore must put
back; one that never records an answer either (:func:`changes_nothing`: not ``verify`` or
``check``, whose effect stays) goes with no snapshot, under ``--safe`` too when it names no
object of its own (:func:`on_object`).
"""

from __future__ import annotations

import re

from apiward.scan.request import Request
from apiward.scan.resources import resource_of, singular, words
from apiward.spec import Operation

_QUESTIONS = frozenset(
    {"search", "query", "find", "lookup", "filter", "preview", "validate", "check", "verify",
     "calculate", "estimate", "quote", "suggest", "autocomplete", "match", "test", "ping"}
)  # fmt: skip
"""Words of a POST that only asks (``POST /books/search``, ``POST /webhooks/test``): it
changes nothing (a webhook's test sends a request, and stores nothing)."""
_PARAM = re.compile(r"^\{[^}]+\}$")


def named(operation: Operation) -> set[str]:
    """The words that name ``operation``: its last noun segment's and its operationId's."""
    segment, _ = resource_of(operation.path)
    said = {*words(segment), *re.split(r"[^a-z]", segment.lower())}
    said |= set(words(operation.operation_id or ""))
    return said | {singular(w) for w in said}  # ``/link-previews`` previews


def only_asks(operation: Operation) -> bool:
    """True for a POST named like a question (search, lookup, validate...), not a deed."""
    return bool(named(operation) & _QUESTIONS)


def changes_nothing(operation: Operation) -> bool:
    """True for a POST that only asks and never records an answer: a search, a webhook's
    test; not ``verify`` or ``check`` (an e-mail verified, a guest checked in stay so)."""
    return bool(named(operation) & _QUESTIONS - {"verify", "check"})


def on_object(operation: Operation, request: Request) -> bool:
    """A POST, PUT or PATCH whose path names an object (a path id); not a question asked
    beside one, with no id right before its last segment (``POST /orgs/{org}/webhooks/test``
    tests a URL and keeps nothing; ``POST /webhooks/{id}/test`` keeps its last delivery)."""
    parts = operation.path.rstrip("/").split("/")
    beside = changes_nothing(operation) and not any(_PARAM.match(p) for p in parts[-2:])
    return (
        request.method.upper() in {"POST", "PUT", "PATCH"}
        and bool(request.path_params)
        and not beside
    )
