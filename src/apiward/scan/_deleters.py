"""How to delete what a creation made, from the contract and the new object itself.

In order:

1. its item path's DELETE (``POST /items`` → ``DELETE /items/{id}``, or ``/notes/{id}`` for
   a note made under a project: ``_objects.item_of``);
2. a DELETE on its collection by query id (``DELETE /loans?id=7``);
3. a DELETE under a parent (:func:`_under_parent`): an object made at the top and kept
   under its tenant, ``POST /v1/events`` with ``orgId`` in its body deleted at
   ``DELETE /v1/orgs/{orgId}/events/{eventId}`` (the Nest trial's: its tenant-moves probe
   was never sent, "the contract has no DELETE for what POST /v1/events makes"). The
   DELETE's path ends on the creation's collection and a parameter, the new object's key
   by that name (``eventId``, else its ``id``: the creation may name it by its slug); every
   other parameter is the creation's own, or the new object's field of that name (in the
   answer, else in the body that made it). Of several, the one with fewest parameters;
4. a DELETE by query id at a path of no parameters ending on the collection, a script's
   name too (``DELETE /api/submissions.php?id=7``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apiward.scan._objects import item_of, query_key, unwrap
from apiward.scan.fitting import key_fields
from apiward.scan.request import Request
from apiward.scan.resources import bare, collection_of, made_in, norm, singular, words
from apiward.scan.wrapped import inside
from apiward.spec import Api

_PARAM = re.compile(r"^\{([^}]+)\}$")


def deleter(
    api: Api, create: Request, new_id: str, *, linked: bool = False, answer: Any = None
) -> Request | None:
    """The DELETE of the object ``create`` made with id ``new_id``, if the contract has one.

    ``answer``: the creation's answer, whose fields may fill a parent the DELETE's path
    names (``orgId``); without it, the body ``create`` sent does.
    """
    found = item_of(api, create.path, linked=linked)
    under = found is not None and found[0].startswith(create.path.rstrip("/") + "/")
    if found is not None and not under and _names_one(create, found[0]):
        found = None  # the part a booking names (``partSku``), not the booking itself
    if found is not None and api.operation("DELETE", found[0]) is not None:
        path, name = found
        params = {k: v for k, v in create.path_params.items() if "{" + k + "}" in path}
        params[name] = new_id
        return Request(method="DELETE", path=path, operation=f"DELETE {path}", path_params=params)
    delete = api.operation("DELETE", create.path)
    key = query_key(api, delete) if delete is not None else None
    if delete is not None and key is not None:
        return Request(
            method="DELETE",
            path=delete.path,
            operation=delete.key,
            path_params=dict(create.path_params),
            query=((key, new_id),),
        )
    return (
        None
        if linked
        else _under_parent(api, create, new_id, answer) or _by_script(api, create, new_id)
    )


def _by_script(api: Api, create: Request, new_id: str) -> Request | None:
    """A DELETE by query id on a path of no parameters ending on the creation's collection,
    a script's name too: ``POST /api/assignments/{id}/submissions`` is withdrawn at ``DELETE
    /api/submissions.php?id=`` (the PHP trial's: its submissions were never made, their
    SSRF never probed)."""
    collection = made_in(create.path).rstrip("/").rsplit("/", 1)[-1]
    for op in api.operations:
        last = bare(op.path.rstrip("/").rsplit("/", 1)[-1])
        key = query_key(api, op) if op.method == "DELETE" and "{" not in op.path else None
        if key is not None and last == collection and op.path != create.path:
            return Request(method="DELETE", path=op.path, operation=op.key, query=((key, new_id),))
    return None


def _names_one(create: Request, item: str) -> bool:
    """True when the creation's body names an object of ``item``'s collection by its key
    (``partSku`` beside ``/parts/{sku}``): those items are what it refers to, not what it
    makes. The Koa trial's part bookings were taken for catalogue parts, so they went out
    on seeded work orders though nothing deletes them, and seeded stock was spent."""
    last = item.rstrip("/").rsplit("/", 1)[-1]
    noun = singular(norm(collection_of(item, last[1:-1]) or "")) if last.startswith("{") else ""
    body = create.body if isinstance(create.body, dict) else {}
    for name in body:
        parts = words(name)
        if noun and len(parts) > 1 and norm(parts[-2]) == noun and parts[-1] in _KEYS:
            return True
    return False


_KEYS = frozenset({"id", "sku", "slug", "code", "key", "uuid", "number", "ref"})


def _under_parent(api: Api, create: Request, new_id: str, answer: Any) -> Request | None:
    """A DELETE ``/…/{parent}/<collection>/{id}`` whose parents the new object names."""
    collection = made_in(create.path).rstrip("/").rsplit("/", 1)[-1]
    if not collection or "{" in collection:
        return None
    own = _fields(api, create, answer)
    found: list[Request] = []
    for op in api.operations:
        parts = op.path.rstrip("/").split("/")
        last = _PARAM.match(parts[-1]) if len(parts) > 2 else None
        if op.method != "DELETE" or last is None or parts[-2] != collection:
            continue
        if any("{" + k + "}" not in op.path for k in create.path_params):
            # Not another resource of the same name at the top: the Koa trial's part
            # bookings under a work order were taken for the catalogue's ``DELETE
            # /parts/{sku}``, so the bookings went out and took seeded stock for good.
            continue
        params = _filled([p for p in parts[:-2] if _PARAM.match(p)], create, own)
        if params is not None:
            params[last.group(1)] = _own_id(last.group(1), collection, own) or new_id
            found.append(
                Request(method="DELETE", path=op.path, operation=op.key, path_params=params)
            )
    return min(found, key=lambda r: len(r.path_params), default=None)


def _filled(parents: list[str], create: Request, own: Mapping[str, str]) -> dict[str, str] | None:
    """Each parent parameter's value: the creation's own, else the new object's (None: one lacks)."""
    params: dict[str, str] = {}
    for part in parents:
        name = part[1:-1]
        value = create.path_params.get(name, own.get(norm(name)))
        if value is None:
            return None
        params[name] = value
    return params


def _own_id(name: str, collection: str, own: Mapping[str, str]) -> str | None:
    """The new object's key under the DELETE's name for it: ``eventId``, else its ``id``
    (an event a creation names by its slug is deleted by its id under its organisation)."""
    keys = [norm(name), *key_fields(name, singular(collection), own)]
    return next((own[k] for k in keys if k in own), None)


def _fields(api: Api, create: Request, answer: Any) -> dict[str, str]:
    """The new object's fields as text, by normalised name: the answer's over the body's."""
    made = unwrap(inside(api, create, answer)) if answer is not None else None
    found: dict[str, str] = {}
    for source in (create.body, made):
        if isinstance(source, Mapping):
            found |= {
                norm(k): str(v)
                for k, v in source.items()
                if isinstance(v, str | int) and not isinstance(v, bool) and str(v)
            }
    return found
