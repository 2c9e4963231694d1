"""Root-keyed bodies: the object an API takes under one key (``{"task": {"title": ...}}``).

Rails (``params.require(:task)``), ActiveModelSerializers and Ember clients, and some
Phoenix and Laravel APIs take a request body wrapped under a root key. The fields a
check reads, fills or adds — a URL, an object id, a role, a password — are the inner
object's; the key is only how they travel. A check that looked at the top level would
see one field, ``task``, and conclude the operation takes no URL, no id and no password.

So the scan reads such a contract once, in :func:`unwrapped`, before anything else
sees it: an operation whose JSON body schema is an object with exactly one property,
itself an object with properties (through ``$ref`` and ``allOf``), takes the inner
schema as its body and names the key in ``RequestBody.root``. Every part of the scan
(synthesis, checks, withholding, the restore's rewrites, sign-up detection) then works
on the inner fields as the body's, and :func:`wrap`, where the transport encodes a body,
puts them back under the key: evidence and curl lines show what really travelled.
Answers wrapped the same way (``{"task": {"id": 7}, "token": ...}``) are read inside the
key where ids and owners are read (:func:`inside`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from apiward.scan.request import Request
from apiward.spec import Api, Operation, Schema, json_types
from apiward.spec.model import frozen

MAX_PARTS = 8
"""``allOf``/``$ref`` chains followed at most when merging a schema's properties."""


def unwrapped(api: Api) -> Api:
    """``api`` with every root-keyed JSON body read as its inner object (``RequestBody.root``)."""
    operations = tuple(_unwrapped(api, op) for op in api.operations)
    if all(new is old for new, old in zip(operations, api.operations, strict=True)):
        return api
    return dataclasses.replace(api, operations=operations)


def roots(api: Api) -> dict[str, str]:
    """Operation key → the key its JSON body travels under, for the root-keyed ones."""
    return {
        op.key: op.request_body.root
        for op in api.operations
        if op.request_body is not None and op.request_body.root
    }


def wrap(body: Any, root: str) -> Any:
    """``body`` as it travels: under ``root`` when it has one, unless it is wrapped already.

    A body given whole (an identity's login ``json: {user: {...}}``) is sent as given.
    """
    if not root or not isinstance(body, dict) or _wrapped(body, root):
        return body
    return {root: body}


def inside(api: Api, request: Request, data: Any) -> Any:
    """The object under the key the request's body travelled under, else ``data`` itself."""
    operation = api.operation(request.method, request.path)
    root = operation.request_body.root if operation and operation.request_body else ""
    if root and isinstance(data, dict) and isinstance(data.get(root), dict):
        return data[root]
    return data


def _wrapped(body: Mapping[str, Any], root: str) -> bool:
    return list(body) == [root] and isinstance(body[root], dict)


def _unwrapped(api: Api, operation: Operation) -> Operation:
    body = operation.request_body
    if body is None or body.root:
        return operation
    found = [(media, _root(api, schema)) for media, schema in body.content.items()]
    json = [(media, root) for media, root in found if "json" in media.lower()]
    if not json or json[0][1] is None:
        return operation
    key, _ = json[0][1]
    content = {
        media: root[1] if root is not None and root[0] == key and "json" in media.lower() else s
        for (media, root), s in zip(found, body.content.values(), strict=True)
    }
    inner = dataclasses.replace(body, content=frozen(content), root=key)
    return dataclasses.replace(operation, request_body=inner)


def _root(api: Api, schema: Schema) -> tuple[str, Schema] | None:
    """The wrapper's key and the inner object's schema, when ``schema`` is such a wrapper."""
    properties = merged_properties(api, schema)
    if len(properties) != 1:
        return None
    ((key, inner),) = properties.items()
    types = json_types(api.deref(inner))
    if (types and "object" not in types) or not merged_properties(api, inner):
        return None
    return key, inner


def merged_properties(api: Api, schema: Schema, depth: int = 0) -> dict[str, Schema]:
    """An object schema's properties, its ``allOf`` parts' merged in (``$ref`` followed)."""
    schema = api.deref(schema)
    found: dict[str, Schema] = {}
    if depth < MAX_PARTS:
        for part in schema.get("allOf", ()):
            found.update(merged_properties(api, part, depth + 1))
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        found.update({k: v for k, v in properties.items() if isinstance(v, Mapping)})
    return found


def answer_fields(api: Api, operation: Operation) -> list[tuple[str, Schema]]:
    """The fields ``operation``'s 2xx answer declares, with their schemas, inside an envelope
    too: the one object beside an envelope's flags (``{"success": true, "data": {...}}``), a
    level or two deep (a name may stand at two levels: ``status`` of the envelope and of the
    object)."""
    schema: Any = operation.answer_schema()
    found: list[tuple[str, Schema]] = []
    for _ in range(3):
        if not isinstance(schema, Mapping):
            break
        properties = api.deref(schema).get("properties") or {}
        level = [(k, api.deref(v) if isinstance(v, Mapping) else {}) for k, v in properties.items()]
        found += level
        inner = [f for _, f in level if f.get("properties") or f.get("type") == "object"]
        schema = inner[0] if len(inner) == 1 else None
    return found
