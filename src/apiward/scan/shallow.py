"""Shallow routes: an object changed by its own id, read from the nested listing holding it.

Many APIs list a child only under its parent (``GET /tasks/{task_id}/comments``) and change
or delete it by its own id (``PATCH /comments/{comment_id}``), as Rails' shallow nesting
and many REST guides have it. The contract has no read of such an object by its id, so the
ledger could take no snapshot and withheld every write to it: BOLA on the comment went
untested. Its snapshot is read from a nested listing of the same collection instead, under
the parents the harvest saw that very object listed or made under (``Listed.parents``).
An object seen under no parent, or under parents the listing does not name, is not read
this way: a listing under a guessed parent would prove nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from apiward.scan._links import Links
from apiward.scan._objects import Reader, read_at
from apiward.scan.request import Request
from apiward.spec import Api

_PARAM = re.compile(r"^\{([^}]+)\}$")

Parents = Callable[[str, str], Mapping[str, str]]
"""The path ids an object (kind, id) was seen under, by collection (``Listed.parents``)."""


def reader(api: Api, links: Links, parents: Parents, request: Request) -> Reader | None:
    """How to read the object ``request`` names by its own id from a nested listing, if any."""
    path = request.path.rstrip("/")
    head, _, last = path.rpartition("/")
    match = _PARAM.match(last)
    value = request.path_params.get(match.group(1)) if match else None
    if value is None or not head or _PARAM.match(head.rsplit("/", 1)[-1]):
        return None
    noun = head.rsplit("/", 1)[-1]
    item = read_at(request.path, request)
    for operation in api.operations:
        listing = operation.path.rstrip("/")
        if operation.method != "GET" or listing == head or not listing.endswith("/" + noun):
            continue
        named = [m.group(1) for part in listing.split("/") if (m := _PARAM.match(part))]
        seen = parents(links.resource_of(operation.path)[1], str(value))
        under = {n: seen.get(links.collection_of(operation.path, n) or "") for n in named}
        if not named or any(v is None for v in under.values()):
            continue
        read = Request(
            method="GET",
            path=operation.path,
            operation=operation.key,
            path_params={n: v for n, v in under.items() if v is not None},
        )
        return Reader(read=read, item=item, pick=str(value))
    return None
