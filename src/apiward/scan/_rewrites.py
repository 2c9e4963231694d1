"""Writes that put an object's old values back: which the restore phase tries, and whether
the ledger may let a write on an object it did not make go out at all (``restorable``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from apiward.scan._objects import VOLATILE
from apiward.scan.request import BodyKind, Request
from apiward.spec import Api, Operation, Schema, json_types

_FORM = "application/x-www-form-urlencoded"


def rewrites(
    api: Api, item: Request, writes: list[Request], before: dict[str, Any], changed: dict[str, Any]
) -> list[Request]:
    """Writes that would put the ``before`` values back: PATCH, each write the scan made that
    names a changed field, PUT."""
    candidates: list[Request] = []
    patch = api.operation("PATCH", item.path)
    if patch is not None:
        candidates.append(_write(api, patch, item, changed))
    for write in writes:
        if write.method == "DELETE" or not isinstance(write.body, dict):
            continue
        # Only fields the reader shows: an injected one the object never had is left out.
        body = {k: before[k] for k in write.body if k in before}
        if set(body) & set(changed):  # a write naming no changed field puts nothing back
            candidates.append(dataclasses.replace(write, body=body))
    put = api.operation("PUT", item.path)
    if put is not None:
        candidates.append(_write(api, put, item, before))
    unique: list[Request] = []
    for candidate in candidates:
        if candidate not in unique:
            unique.append(candidate)
    return unique


def restorable(api: Api, item: Request, write: Request, before: Any) -> bool:
    """Whether the restore phase could put back every field ``write`` may change on ``item``.

    A PUT or PATCH that sets only fields the read shows, on the object's own path or a
    sub-path (``PUT /admin/users/{name}/role``), is put back by the same write with the
    old values; one that sets a field no read shows (``PATCH /me`` with a last name the
    profile never shows, a password) cannot be, whatever else the contract offers; nor one
    that sets a field the object holds as null when no write that could put it back takes
    a null there by the contract (``note: {type: string}`` where the read says nullable):
    such an API turns the null into ``""`` or refuses it. Any other write (``POST /notes/{slug}/attachment``,
    ``POST /orders/{id}/pay``) may change any field of the object: only a PATCH or PUT on
    the object that takes every field the snapshot shows (its ids and volatile ones aside)
    could undo it.
    """
    updates = write.method.upper() in {"PUT", "PATCH"}
    if not isinstance(before, dict):
        return updates and write.path == item.path  # the old text, written back whole
    sets = set(write.body) if isinstance(write.body, dict) else set()
    declared = api.operation(write.method, write.path)
    if not sets and declared is not None and declared.request_body is not None:
        # A malformed body (a probe's list, a bare string): what the operation takes.
        sets = _takes(api, declared)
    shown = set(before).union(*(v for v in before.values() if isinstance(v, dict)))
    if updates and sets - shown:
        return False  # it sets a field no read shows (a last name, a password): unknowable
    if updates and any(
        before.get(k, "") is None and not _null_back(api, item, write, k) for k in sets
    ):
        return False  # it sets a field that held null, which no write of the contract takes back
    if updates and (write.path == item.path or sets):
        return True  # it sets fields the read shows: the same write with their old values
    ids = {str(v) for v in (*item.path_params.values(), *(v for _, v in item.query))}
    fields = {k for k, v in before.items() if not VOLATILE.search(k) and str(v) not in ids}
    for method in ("PATCH", "PUT"):
        operation = api.operation(method, item.path)
        if operation is None:
            continue
        writable = _takes(api, operation)
        takes = operation.request_body is not None and bool(operation.request_body.content)
        if takes and (not writable or fields <= writable):
            return True
    return False


def _null_back(api: Api, item: Request, write: Request, name: str) -> bool:
    """True when a write that could put ``name`` back (the same, the item's PATCH or PUT)
    takes a null there, or its contract does not say what it takes."""
    for method, path in ((write.method, write.path), ("PATCH", item.path), ("PUT", item.path)):
        operation = api.operation(method, path)
        content = operation.request_body.content if operation and operation.request_body else {}
        schema = api.deref(next(iter(content.values()), {}))
        field = schema.get("properties", {}).get(name)
        if operation is not None and (field is None or _nullable(api, field)):
            return True
    return False


def _nullable(api: Api, schema: Schema) -> bool:
    """True when ``schema`` takes a null, or says nothing of its type."""
    schema = api.deref(schema)
    variants = [*schema.get("anyOf", ()), *schema.get("oneOf", ())]
    if variants:
        return any(_nullable(api, v) for v in variants)
    types = json_types(schema)
    return not types or "null" in types or None in schema.get("enum", ())


def settable(api: Api, writes: list[Request]) -> set[str] | None:
    """Every field the PUTs and PATCHes in ``writes`` may set, by their contract; None: unknown.

    Unknown when one is another kind of write (an action may change any field) or its
    operation's body does not say which properties it takes.
    """
    found: set[str] = set()
    for write in writes:
        declared = api.operation(write.method, write.path)
        if write.method.upper() not in {"PUT", "PATCH"} or declared is None:
            return None
        writable = _takes(api, declared)
        if not writable:
            return None
        found |= writable
    return found


def _write(api: Api, operation: Operation, read: Request, old: dict[str, Any]) -> Request:
    content = operation.request_body.content if operation.request_body else {}
    form = bool(content) and all(media.split(";")[0] == _FORM for media in content)
    writable = _takes(api, operation)
    body = {k: v for k, v in old.items() if not writable or k in writable}
    if form:
        body = {k: v for k, v in body.items() if isinstance(v, str | int | float)}
    return Request(
        method=operation.method,
        path=operation.path,
        operation=operation.key,
        path_params=dict(read.path_params),
        query=read.query,
        body=body,
        body_kind=BodyKind.FORM if form else BodyKind.JSON,
    )


def _takes(api: Api, operation: Operation) -> set[str]:
    """Property names ``operation``'s (first) body schema lets a client write (empty: unsaid)."""
    content = operation.request_body.content if operation.request_body else {}
    return _writable(api, next(iter(content.values()), None))


def _writable(api: Api, schema: Schema | None) -> set[str]:
    """Property names a body schema lets a client write (empty: it does not say)."""
    if not schema:
        return set()
    schema = api.deref(schema)
    found: set[str] = set()
    for part in schema.get("allOf", ()):
        found |= _writable(api, part)
    for name, sub in schema.get("properties", {}).items():
        if not api.deref(sub).get("readOnly"):
            found.add(name)
    return found
