"""JSON:API documents: resource objects read as plain objects, and dressed again to be sent.

JSON:API (jsonapi.org: Ember Data, jsonapi-resources, Elide, Laravel JSON:API, and many a
hand-written API) carries every object as a *resource object*, both ways::

    {"data": {"type": "plots", "id": "3",
              "attributes": {"name": "North bed", "feed_url": "https://..."},
              "relationships": {"gardener": {"data": {"type": "gardeners", "id": "2"}}}}}

A check that read the top level would see one field, ``data``; one that read inside it
``type``, ``attributes`` and ``relationships``: never the URL, the owner or the role it
looks for. So the scan reads such a contract once, in :func:`flattened`: a body or an
answer whose schema is a JSON:API document takes its resource as a plain object, with the
id, every attribute, and each relationship as a field of its own name holding the
related id (``"gardener": "2"``, the way Django REST Framework writes a foreign key, which
the scan already reads as a reference). Answers are read the same way (:func:`flatten`,
on every reply), and :func:`dress` puts a body back into the document where the
transport encodes it: the contract's resource ``type``, the path's id on an update, the
attributes, each relationship as a resource identifier, under the contract's media type
(``application/vnd.api+json``, which a JSON:API server must require).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiward.scan.resources import norm, singular
from apiward.scan.wrapped import merged_properties
from apiward.spec import Api, Operation, Response, Schema, json_types
from apiward.spec.model import frozen

_MEMBERS = frozenset({"type", "id", "lid", "attributes", "relationships", "links", "meta"})
"""What a resource object may hold: anything else means it is not one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """How one operation's body travels as a JSON:API document."""

    type: str
    media: str
    relationships: Mapping[str, str]
    """Relationship name → the related resources' type."""
    many: frozenset[str] = frozenset()
    """The to-many relationships (their data is a list of identifiers)."""


def flattened(api: Api) -> tuple[Api, dict[str, Resource]]:
    """``api`` with its JSON:API documents read as plain objects; operation key → :class:`Resource`."""
    nouns = _nouns(api)
    resources: dict[str, Resource] = {}
    operations = []
    for op in api.operations:
        new, resource = _operation(api, op, nouns)
        operations.append(new)
        if resource is not None:
            resources[op.key] = resource
    if all(new is old for new, old in zip(operations, api.operations, strict=True)):
        return api, resources
    return dataclasses.replace(api, operations=tuple(operations)), resources


def flatten(data: Any) -> Any:
    """An answer with its JSON:API resource objects (``data``, ``included``) as plain objects."""
    if not isinstance(data, dict) or "data" not in data:
        return data
    inner = data["data"]
    if _is_resource(inner):
        content: Any = _plain(inner)
    elif isinstance(inner, list) and inner and all(_is_resource(r) for r in inner):
        content = [_plain(r) for r in inner]
    else:
        return data
    out = {**data, "data": content}
    if isinstance(included := data.get("included"), list):
        out["included"] = [_plain(r) if _is_resource(r) else r for r in included]
    return out


def dress(body: Any, resource: Resource, method: str, path_params: Mapping[str, str]) -> Any:
    """``body`` as the JSON:API document it travels as (as given when it is one already)."""
    if not isinstance(body, dict) or _is_document(body):
        return body
    data: dict[str, Any] = {"type": resource.type}
    attributes: dict[str, Any] = {}
    relationships: dict[str, Any] = {}
    for name, value in body.items():
        if name == "id" and value is not None:
            data["id"] = str(value)  # a client-made id (or a probe's forged one) is the resource's
        elif name in resource.relationships:
            kind, many = resource.relationships[name], name in resource.many
            relationships[name] = {"data": _identifiers(value, kind, many=many)}
        else:
            attributes[name] = value
    if "id" not in data and method.upper() in {"PATCH", "PUT"} and path_params:
        data["id"] = list(path_params.values())[-1]  # an update names the resource it changes
    if attributes:
        data["attributes"] = attributes
    if relationships:
        data["relationships"] = relationships
    return {"data": data}


def _operation(
    api: Api, op: Operation, nouns: Mapping[str, str]
) -> tuple[Operation, Resource | None]:
    resource = None
    body = op.request_body
    if body is not None:
        content = dict(body.content)
        for media, schema in body.content.items():
            found = _document(api, schema) if "json" in media.lower() else None
            if found is None or found[1]:
                continue
            content[media] = _flat(api, found[0], with_id=False)
            resource = resource or _resource(api, op, found[0], media, nouns)
        if resource is not None:
            body = dataclasses.replace(body, content=frozen(content))
    responses = {code: _answer(api, r) for code, r in op.responses.items()}
    if resource is None and all(
        new is old for new, old in zip(responses.values(), op.responses.values(), strict=True)
    ):
        return op, None
    return dataclasses.replace(op, request_body=body, responses=frozen(responses)), resource


def _answer(api: Api, response: Response) -> Response:
    """``response`` with each JSON:API document's ``data`` as plain objects."""
    content = dict(response.content)
    for media, schema in response.content.items():
        found = _document(api, schema)
        if found is not None:
            plain = _flat(api, found[0], with_id=True)
            data = {"type": "array", "items": plain} if found[1] else plain
            properties = {**merged_properties(api, schema), "data": data}
            content[media] = frozen({"type": "object", "properties": properties})
    if content == dict(response.content):
        return response
    return dataclasses.replace(response, content=frozen(content))


def _document(api: Api, schema: Schema) -> tuple[dict[str, Schema], bool] | None:
    """The resource schema's properties of a JSON:API document schema, and whether a list."""
    data = merged_properties(api, schema).get("data")
    if data is None:
        return None
    data = api.deref(data)
    many = "array" in json_types(data) or isinstance(data.get("items"), Mapping)
    if many:
        data = api.deref(data.get("items") or {})
    members = merged_properties(api, data)
    attributes = merged_properties(api, members.get("attributes", {}))
    relationships = merged_properties(api, members.get("relationships", {}))
    if "type" not in members or not (attributes or relationships):
        return None
    return members, many


def _flat(api: Api, members: Mapping[str, Schema], *, with_id: bool) -> Schema:
    """The plain object a resource reads as: its id, attributes and relationships' ids."""
    attributes = api.deref(members.get("attributes", {}))
    relationships = api.deref(members.get("relationships", {}))
    properties: dict[str, Schema] = {"id": members["id"]} if with_id and "id" in members else {}
    properties.update(merged_properties(api, attributes))
    for name, relationship in merged_properties(api, relationships).items():
        identifier, many, _ = _identifier(api, relationship)
        properties[name] = {"type": "array", "items": identifier} if many else identifier
    required = [*attributes.get("required", ()), *relationships.get("required", ())]
    return frozen({"type": "object", "properties": properties, "required": required})


def _resource(
    api: Api, op: Operation, members: Mapping[str, Schema], media: str, nouns: Mapping[str, str]
) -> Resource:
    kind = _constant(api.deref(members["type"])) or _last_noun(op.path)
    types: dict[str, str] = {}
    many = set()
    for name, relationship in merged_properties(api, members.get("relationships", {})).items():
        _, to_many, related = _identifier(api, relationship)
        types[name] = related or nouns.get(norm(name), name)
        if to_many:
            many.add(name)
    return Resource(type=kind, media=media, relationships=frozen(types), many=frozenset(many))


def _identifier(api: Api, relationship: Schema) -> tuple[Schema, bool, str]:
    """A relationship's id schema, whether it is to-many, and the related type ("" unsaid)."""
    data = api.deref(merged_properties(api, relationship).get("data", {}))
    many = "array" in json_types(data) or isinstance(data.get("items"), Mapping)
    if many:
        data = api.deref(data.get("items") or {})
    members = merged_properties(api, data)
    identifier = api.deref(members.get("id", {})) or {"type": "string"}
    return identifier, many, _constant(api.deref(members.get("type", {})))


def _constant(schema: Schema) -> str:
    """The one value a ``type`` member's schema names (const, enum, example, default), or ""."""
    for value in (schema.get("const"), *(schema.get("enum") or ())[:1], schema.get("example")):
        if isinstance(value, str) and value:
            return value
    default = schema.get("default")
    return default if isinstance(default, str) else ""


def _last_noun(path: str) -> str:
    literal = [part for part in path.split("/") if part and not part.startswith("{")]
    return literal[-1] if literal else ""


def _nouns(api: Api) -> dict[str, str]:
    """Collection path segments by their normalised singular: the fallback related types."""
    out: dict[str, str] = {}
    for op in api.operations:
        for part in op.path.split("/"):
            if part and not part.startswith("{"):
                out.setdefault(singular(norm(part)), part)
    return out


def _is_resource(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("type"), str)
        and (
            isinstance(value.get("attributes"), dict)
            or isinstance(value.get("relationships"), dict)
        )
        and set(value) <= _MEMBERS
    )


def _is_document(body: Mapping[str, Any]) -> bool:
    data = body.get("data")
    return isinstance(data, dict) and isinstance(data.get("type"), str)


def _plain(resource: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": resource["id"]} if "id" in resource else {}
    attributes = resource.get("attributes")
    if isinstance(attributes, dict):
        out.update(attributes)
    relationships = resource.get("relationships")
    for name, relationship in (relationships or {}).items():
        if isinstance(relationship, dict) and "data" in relationship:
            out[name] = _ids(relationship["data"])
    return out


def _ids(data: Any) -> Any:
    if isinstance(data, list):
        return [item.get("id") for item in data if isinstance(item, dict)]
    return data.get("id") if isinstance(data, dict) else None


def _identifiers(value: Any, kind: str, *, many: bool) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return value  # an identifier given whole
    if many or isinstance(value, list):
        values = value if isinstance(value, list) else [value]
        return [_identifiers(v, kind, many=False) for v in values]
    return {"type": kind, "id": str(value)}
