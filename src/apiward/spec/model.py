"""The contract as one frozen model: what the guard, the scanner and the audit consume.

Every version (Swagger 2.0, OpenAPI 3.0, 3.1) loads into the same shape. Schemas are
plain JSON-like dicts in the JSON Schema 2020-12 dialect, treated as read-only; a
schema that references another holds ``{"$ref": "#/$defs/<key>"}`` and the target
lives in :attr:`Api.schemas` under that key, so recursive schemas stay finite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

Schema = Mapping[str, Any]
"""A JSON Schema 2020-12 object; ``$ref`` values point into ``#/$defs/``."""

Requirement = Mapping[str, tuple[str, ...]]
"""One alternative of a security requirement: scheme name → scopes. Empty means no auth."""

DEFS = "#/$defs/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only view of ``mapping`` (the model never hands out a mutable mapping)."""
    return MappingProxyType(dict(mapping or {}))


def json_types(schema: Schema) -> frozenset[str]:
    """The JSON types ``schema`` declares: ``type`` is a name or a list of names.

    OpenAPI 3.1 lists types (``[string, "null"]``), and a 3.0 ``nullable: true`` is
    normalised to that list, so ``schema.get("type") == "string"`` misses such fields
    and ``schema.get("type") in {...}`` raises. Without a ``type``, the types its inline
    ``anyOf``/``oneOf`` options declare: Pydantic writes ``Decimal`` as ``anyOf: [number,
    string]`` and every optional field as ``anyOf: [..., null]``. Empty when none is declared.
    """
    declared = schema.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list | tuple):
        return frozenset(t for t in declared if isinstance(t, str))
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        return frozenset(t for o in options if isinstance(o, dict) for t in json_types(o))
    return frozenset()


DECIMAL_FORMATS = frozenset({"decimal", "money", "currency"})
"""String formats that carry a decimal number: Django REST Framework's ``DecimalField``."""


def is_decimal_string(schema: Schema) -> bool:
    """True for a number written as a string (``type: string, format: decimal``)."""
    return "string" in json_types(schema) and schema.get("format") in DECIMAL_FORMATS


class ParameterLocation(StrEnum):
    """Where a parameter travels in the request."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"


@dataclass(frozen=True, slots=True, kw_only=True)
class Server:
    """A base URL the API is served from; ``variables`` holds each template variable's default."""

    url: str
    description: str = ""
    variables: Mapping[str, str] = field(default_factory=frozen)


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthFlow:
    """One OAuth 2 flow, named in the OpenAPI 3 vocabulary (e.g. ``authorizationCode``)."""

    authorization_url: str | None = None
    token_url: str | None = None
    refresh_url: str | None = None
    scopes: Mapping[str, str] = field(default_factory=frozen)


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityScheme:
    """How a client authenticates: apiKey, http, oauth2, openIdConnect or mutualTLS."""

    name: str
    type: str
    description: str = ""
    scheme: str | None = None
    bearer_format: str | None = None
    location: ParameterLocation | None = None
    parameter_name: str | None = None
    flows: Mapping[str, OAuthFlow] = field(default_factory=frozen)
    openid_connect_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """A path, query, header or cookie parameter of an operation."""

    name: str
    location: ParameterLocation
    required: bool = False
    deprecated: bool = False
    schema: Schema = field(default_factory=frozen)
    style: str | None = None
    explode: bool | None = None
    media: str = ""
    """The media type of a parameter given by ``content``: one value serialised whole."""
    description: str = ""
    pointer: str = ""
    document: str = ""
    """The document ``pointer`` is in, as the loader names it (``""``: the root document)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestBody:
    """The request body: media type → schema.

    ``pointer`` is where it is declared: the ``requestBody`` object, or in Swagger 2.0
    the ``body`` parameter (the operation's ``parameters`` list for form data).
    """

    required: bool = False
    description: str = ""
    content: Mapping[str, Schema] = field(default_factory=frozen)
    pointer: str = ""
    document: str = ""
    """The document ``pointer`` is in, as the loader names it (``""``: the root document)."""
    root: str = ""
    """The key a JSON body travels under (``{"user": {...}}``) when ``content`` holds the
    inner object's schema instead of the wrapper's (the scanner's reading, ``scan.wrapped``);
    empty: the body is sent as its schema says. The loader never sets it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """One documented response: media type → schema, and header name → schema."""

    description: str = ""
    content: Mapping[str, Schema] = field(default_factory=frozen)
    headers: Mapping[str, Schema] = field(default_factory=frozen)
    pointer: str = ""
    document: str = ""
    """The document ``pointer`` is in, as the loader names it (``""``: the root document)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One method on one path template, with everything inherited already applied."""

    method: str
    path: str
    operation_id: str | None = None
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: Mapping[str, Response] = field(default_factory=frozen)
    security: tuple[Requirement, ...] = ()
    security_declared: bool = True
    """False when neither the operation nor the document says ``security`` at all: an empty
    ``security`` then means "not said", not "public by declaration" (``security: []``)."""
    servers: tuple[Server, ...] = ()
    pointer: str = ""
    document: str = ""
    """The document ``pointer`` is in, as the loader names it (``""``: the root document)."""

    @property
    def key(self) -> str:
        """``"GET /users/{id}"``: the operation's name in reports and policies."""
        return f"{self.method} {self.path}"

    def answer_schema(self) -> Schema | None:
        """The JSON schema of the first documented 2xx answer (None: none is documented)."""
        for status, response in sorted(self.responses.items()):
            if status.startswith("2"):
                for media, schema in response.content.items():
                    if "json" in media:
                        return schema
        return None

    @property
    def is_public(self) -> bool:
        """True when no alternative of the effective security asks for anything."""
        return all(not alternative for alternative in self.security)

    @property
    def auth_optional(self) -> bool:
        """True when credentials are accepted but an anonymous alternative (``{}``) exists."""
        return not self.is_public and any(not alternative for alternative in self.security)


@dataclass(frozen=True, slots=True, kw_only=True)
class Api:
    """A loaded contract: operations sorted by path then method, and the shared schema table."""

    title: str
    version: str
    spec_version: str
    source: str
    servers: tuple[Server, ...] = ()
    security_schemes: Mapping[str, SecurityScheme] = field(default_factory=frozen)
    security: tuple[Requirement, ...] = ()
    operations: tuple[Operation, ...] = ()
    schemas: Mapping[str, Schema] = field(default_factory=frozen)
    warnings: tuple[str, ...] = ()
    _by_key: Mapping[str, Operation] = field(init=False, repr=False, compare=False)
    _by_id: Mapping[str, Operation] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookups are built once; the dataclass is frozen, hence object.__setattr__.
        object.__setattr__(self, "_by_key", frozen({op.key: op for op in self.operations}))
        ids = {op.operation_id: op for op in self.operations if op.operation_id}
        object.__setattr__(self, "_by_id", frozen(ids))

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation for ``method`` on the path template ``path``, if documented."""
        return self._by_key.get(f"{method.upper()} {path}")

    def by_id(self, operation_id: str) -> Operation | None:
        """The operation with this ``operationId``, if any."""
        return self._by_id.get(operation_id)

    def deref(self, schema: Schema) -> Schema:
        """Follow a top-level ``$ref`` chain to the concrete schema (``{}`` if it loops)."""
        seen: set[str] = set()
        while isinstance(ref := schema.get("$ref"), str) and ref.startswith(DEFS):
            key = ref[len(DEFS) :]
            if key in seen or key not in self.schemas:
                return frozen()
            seen.add(key)
            schema = self.schemas[key]
        return schema

    def bundle(self, schema: Schema) -> dict[str, Any]:
        """A self-contained JSON Schema: ``schema`` plus ``$defs`` with every entry it reaches."""
        defs: dict[str, Any] = {}
        pending = list(_refs(schema))
        while pending:
            key = pending.pop()
            if key in defs or key not in self.schemas:
                continue
            defs[key] = self.schemas[key]
            pending.extend(_refs(defs[key]))
        bundled: dict[str, Any] = {"$schema": DIALECT, **schema}
        if defs:
            bundled["$defs"] = {**bundled.get("$defs", {}), **dict(sorted(defs.items()))}
        return bundled


def _refs(node: Any) -> set[str]:
    """The table keys referenced anywhere inside ``node``."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(DEFS):
                found.add(ref[len(DEFS) :])
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found
