"""Path items to operations: parameters merged, refs inlined, security and servers inherited.

Only the ``paths`` object yields operations (not ``webhooks``, callbacks or
Azure's ``x-ms-paths``, whose keys carry query strings): those are the requests
a client sends to this API.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from apiward.core.errors import SpecError
from apiward.spec import swagger
from apiward.spec.documents import DanglingRefError, Documents, Node
from apiward.spec.model import (
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
    Requirement,
    Response,
    Server,
    frozen,
)
from apiward.spec.schemas import SchemaTable
from apiward.spec.security import requirements

_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
"""A template expression in a path (``{org_slug}``)."""
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LOCATIONS = {loc.value: loc for loc in ParameterLocation}
_Merged = dict[tuple[str, str], Node]


class Builder:
    """Builds the operations of one document."""

    def __init__(self, root: Node, documents: Documents, table: SchemaTable) -> None:
        self.root = root
        self.documents = documents
        self.table = table
        self.swagger = "swagger" in root.value

    def operations(
        self, security: tuple[Requirement, ...] | None, servers: tuple[Server, ...]
    ) -> list[Operation]:
        """Every operation under ``paths``, in document order (``security``: the global one)."""
        paths = self.root.child("paths")
        if paths.value is None:
            return []
        self.expect(paths, dict, "a mapping of path templates")
        found: list[Operation] = []
        for path in paths.value:
            logical = paths.child(path)
            item = self._resolved(logical)
            if item is None or item.value is None:
                continue
            self.expect(item, dict, "a path item mapping")
            common = self._parameters(item.child("parameters"), {})
            item_servers = self.servers(item.child("servers")) or servers
            for method in METHODS:
                # Operations as $refs are not in any OpenAPI version, but big multi-file
                # specs (DigitalOcean) use them.
                node = self._resolved(item.child(method))
                if node is None or node.value is None:
                    continue
                self.expect(node, dict, "an operation mapping")
                found.append(
                    self._operation(str(path), method, node, common, security, item_servers)
                )
        return self._templated(found)

    def _templated(self, found: list[Operation]) -> list[Operation]:
        """Each operation with every ``{name}`` of its path template as a path parameter.

        A contract may leave one out where a framework consumes it before the handler
        (Litestar's guards and dependencies): it is still in the URL, so a client must
        fill it. Its schema is the one another operation declares for that name on the
        same path, else anywhere, else a string; a warning names it.
        """
        declared: dict[tuple[str, str], Parameter] = {}
        for op in found:
            for p in op.parameters:
                if p.location is ParameterLocation.PATH:
                    declared.setdefault((op.path, p.name), p)
                    declared.setdefault(("", p.name), p)
        out = []
        for op in found:
            have = {p.name for p in op.parameters if p.location is ParameterLocation.PATH}
            missing = list(dict.fromkeys(n for n in _TEMPLATE.findall(op.path) if n not in have))
            for name in missing:
                self.documents.warnings.append(
                    f"{op.key}: path parameter {{{name}}} is not declared; taken as one"
                )
            added = tuple(_implicit(name, op, declared) for name in missing)
            out.append(
                dataclasses.replace(op, parameters=(*op.parameters, *added)) if added else op
            )
        return out

    def _operation(
        self,
        path: str,
        method: str,
        node: Node,
        common: _Merged,
        security: tuple[Requirement, ...] | None,
        servers: tuple[Server, ...],
    ) -> Operation:
        raw: dict[str, Any] = node.value
        merged = self._parameters(node.child("parameters"), common)
        own_security = requirements(node.child("security"), self.documents)
        effective = security if own_security is None else own_security
        tags = raw.get("tags")
        return Operation(
            method=method.upper(),
            path=path,
            operation_id=str(raw["operationId"]) if raw.get("operationId") else None,
            summary=_text(raw.get("summary")),
            description=_text(raw.get("description")),
            tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            deprecated=raw.get("deprecated") is True,
            parameters=tuple(self._parameter(p) for k, p in merged.items() if k[1] in _LOCATIONS),
            request_body=self._body(node, merged),
            responses=frozen(self._responses(node)),
            security=effective or (),
            security_declared=effective is not None,
            servers=self.servers(node.child("servers")) or servers,
            # Where the operation is written: a path item or operation reached
            # through a $ref lives in another document, at its own pointer there.
            pointer=node.pointer,
            document=self.documents.name(node.uri),
        )

    def _parameters(self, node: Node, inherited: _Merged) -> _Merged:
        merged = dict(inherited)
        if node.value is None:
            return merged
        self.expect(node, list, "a list of parameters")
        for i in range(len(node.value)):
            param = self._resolved(node.child(i))
            if param is None:
                continue
            self.expect(param, dict, "a parameter mapping")
            name, location = param.value.get("name"), param.value.get("in")
            if not isinstance(name, str) or location not in (*_LOCATIONS, "body", "formData"):
                raise SpecError(
                    "a parameter needs a name and 'in' (path, query, header, cookie"
                    + (", body, formData)" if self.swagger else ")"),
                    source=self.documents.name(param.uri),
                    pointer=param.pointer,
                )
            merged[(name, location)] = param
        return merged

    def _parameter(self, node: Node) -> Parameter:
        raw: dict[str, Any] = node.value
        location = _LOCATIONS[raw["in"]]
        media = ""
        if self.swagger:
            schema = self._schema(Node(swagger.parameter_schema(raw), node.uri, node.pointer))
            style, explode = swagger.style(raw)
        else:
            schema = self._schema(node.child("schema"))
            if not schema and (content := self._content(node.child("content"))):
                media, schema = next(iter(content.items()))
            style = str(raw["style"]) if "style" in raw else None
            explode = bool(raw["explode"]) if "explode" in raw else None
        return Parameter(
            name=raw["name"],
            location=location,
            required=location is ParameterLocation.PATH or raw.get("required") is True,
            deprecated=raw.get("deprecated") is True,
            schema=schema,
            style=style,
            explode=explode,
            media=media,
            description=_text(raw.get("description")),
            pointer=node.pointer,
            document=self.documents.name(node.uri),
        )

    def _body(self, node: Node, merged: _Merged) -> RequestBody | None:
        if self.swagger:
            return self._swagger_body(node, merged)
        body = self._resolved(node.child("requestBody"))
        if body is None or not isinstance(body.value, dict):
            return None
        return RequestBody(
            required=body.value.get("required") is True,
            description=_text(body.value.get("description")),
            content=frozen(self._content(body.child("content"))),
            pointer=body.pointer,
            document=self.documents.name(body.uri),
        )

    def _swagger_body(self, node: Node, merged: _Merged) -> RequestBody | None:
        consumes = swagger.media_types(node.value, self.root.value, "consumes")
        for (_, location), param in merged.items():
            if location == "body":
                schema = self._schema(param.child("schema"))
                return RequestBody(
                    required=param.value.get("required") is True,
                    description=_text(param.value.get("description")),
                    content=frozen(dict.fromkeys(consumes, schema)),
                    pointer=param.pointer,
                    document=self.documents.name(param.uri),
                )
        form = [p for (_, location), p in merged.items() if location == "formData"]
        if not form:
            return None
        properties = {
            p.value["name"]: self._schema(Node(swagger.parameter_schema(p.value), p.uri, p.pointer))
            for p in form
        }
        required = [p.value["name"] for p in form if p.value.get("required") is True]
        has_file = any(p.value.get("type") == "file" for p in form)
        schema = swagger.form_schema(properties, required)
        return RequestBody(
            required=bool(required),
            content=frozen(dict.fromkeys(swagger.form_media_types(consumes, has_file), schema)),
            pointer=node.child("parameters").pointer,
            document=self.documents.name(node.uri),
        )

    def _responses(self, node: Node) -> dict[str, Response]:
        responses = node.child("responses")
        if not isinstance(responses.value, dict):
            return {}
        produces = swagger.media_types(node.value, self.root.value, "produces")
        found: dict[str, Response] = {}
        for status in responses.value:
            item = self._resolved(responses.child(status))
            if item is None or not isinstance(item.value, dict):
                continue
            if self.swagger:
                schema = item.child("schema")
                content = dict.fromkeys(produces, self._schema(schema)) if schema.value else {}
            else:
                content = self._content(item.child("content"))
            found[str(status)] = Response(
                description=_text(item.value.get("description")),
                content=frozen(content),
                headers=frozen(self._headers(item.child("headers"))),
                pointer=item.pointer,
                document=self.documents.name(item.uri),
            )
        return found

    def _headers(self, node: Node) -> dict[str, Any]:
        if not isinstance(node.value, dict):
            return {}
        found: dict[str, Any] = {}
        for name in node.value:
            header = self._resolved(node.child(name))
            if header is None or not isinstance(header.value, dict):
                continue
            if self.swagger:
                raw = swagger.parameter_schema(header.value)
                found[str(name)] = self._schema(Node(raw, header.uri, header.pointer))
            else:
                schema = self._schema(header.child("schema"))
                found[str(name)] = schema or self._first_content_schema(header)
        return found

    def _content(self, node: Node) -> dict[str, Any]:
        if not isinstance(node.value, dict):
            return {}
        return {
            str(media): self._schema(node.child(media).child("schema"))
            for media in node.value
            if isinstance(node.value[media], dict)
        }

    def _first_content_schema(self, node: Node) -> dict[str, Any]:
        content = self._content(node.child("content"))
        return next(iter(content.values()), {})

    def _schema(self, node: Node) -> dict[str, Any]:
        return self.table.convert(node) if node.value is not None else {}

    def servers(self, node: Node) -> tuple[Server, ...]:
        """Server objects at ``node`` (empty when absent)."""
        if not isinstance(node.value, list):
            return ()
        found = []
        for item in node.value:
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                variables = item.get("variables")
                defaults = (
                    {
                        str(k): str(v.get("default", ""))
                        for k, v in variables.items()
                        if isinstance(v, dict)
                    }
                    if isinstance(variables, dict)
                    else {}
                )
                found.append(
                    Server(
                        url=item["url"],
                        description=_text(item.get("description")),
                        variables=frozen(defaults),
                    )
                )
        return tuple(found)

    def _resolved(self, node: Node) -> Node | None:
        try:
            return self.documents.resolve(node)
        except DanglingRefError as error:
            self.documents.dangling(error)
            return None

    def expect(self, node: Node, kind: type, what: str) -> None:
        """Raise a SpecError at ``node`` unless its value is of ``kind``."""
        if not isinstance(node.value, kind):
            raise SpecError(
                f"must be {what}, not {_kind(node.value)}",
                source=self.documents.name(node.uri),
                pointer=node.pointer,
            )


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _implicit(name: str, op: Operation, declared: dict[tuple[str, str], Parameter]) -> Parameter:
    """The path parameter ``{name}`` of ``op`` that its contract did not declare."""
    like = declared.get((op.path, name)) or declared.get(("", name))
    schema = like.schema if like is not None else frozen({"type": "string"})
    return Parameter(
        name=name,
        location=ParameterLocation.PATH,
        required=True,
        schema=schema,
        pointer=op.pointer,
        document=op.document,
    )
