"""Producers: the operations harvesting runs first, because their answers name objects.

* A **listing** is a GET whose path ends on a literal segment (``GET /books/v1``).
* A **creation** is a POST on a collection path (no trailing path parameter) that is
  neither a login nor an action. Documented ``201`` is enough; otherwise the path must
  be a collection the contract reads from too (``GET`` on the same path, or an item path
  ``path/{x}`` below it), and neither its last segment nor its operationId may name an
  action (``login``, ``token``, ``search``, ``query``, ``verify``, ``redeem``...): many
  APIs create with 200 or 204, while a search POST is a read and a sign-up is not a
  collection of the caller's objects.
"""

from __future__ import annotations

import re

from apiward.scan.resources import resource_of, words
from apiward.spec import Api, Operation, ParameterLocation

_ACTIONS = frozenset(
    {
        "login", "logout", "logon", "signin", "signon", "signup", "register", "registration",
        "token", "tokens", "auth", "authenticate", "authorize", "oauth", "session", "sessions",
        "search", "query", "find", "lookup", "filter", "verify", "validate", "check", "confirm",
        "preview", "redeem", "reset", "refresh", "forgot", "recover", "import", "export",
        "batch", "bulk", "graphql", "rpc", "execute", "run", "send", "test", "calculate",
    }
)  # fmt: skip
"""Words that make a POST an action on the server rather than a new object in a collection."""


def is_listing(operation: Operation) -> bool:
    """A GET that takes no path parameter and does not end on one: it lists a collection."""
    return (
        operation.method == "GET"
        and not any(p.location is ParameterLocation.PATH for p in operation.parameters)
        and not operation.path.rstrip("/").endswith("}")
    )


def is_creation(operation: Operation, api: Api, logins: set[str]) -> bool:
    """A POST that adds an object to a collection (see the module docstring)."""
    path = operation.path.rstrip("/")
    if operation.method != "POST" or operation.key in logins or path.endswith("}"):
        return False
    if "201" in operation.responses:
        return True
    if _names_action(operation):
        return False
    return api.operation("GET", operation.path) is not None or _has_items(api, path)


def listing_of(creation: Operation, api: Api) -> Operation | None:
    """The listing of the collection ``creation`` adds to (GET on the same path), if any."""
    return api.operation("GET", creation.path)


def _names_action(operation: Operation) -> bool:
    segment, _ = resource_of(operation.path)
    named = {*words(segment), *re.split(r"[^a-z]", segment.lower())}
    return bool(named & _ACTIONS or set(words(operation.operation_id or "")) & _ACTIONS)


def _has_items(api: Api, path: str) -> bool:
    prefix = path + "/{"
    return any(
        op.path.startswith(prefix) and op.path.count("/") == path.count("/") + 1
        for op in api.operations
    )
