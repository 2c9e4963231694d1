"""Valid requests from the contract: one per operation, deterministic for a seed and run.

Values come, in order of preference, from the user's own ``values`` (by parameter or
property name: test data the contract cannot know, such as a valid coupon code; never
in DELETE requests, so no check destroys what the user gave it to test with),
``const``, then, for string fields without an ``enum``:

* a **fresh** value for fields an API keeps unique (``scan.fields.is_unique``: e-mail,
  phone, username, slug, a bare ``name``/``title``...) or of ``format: email``, new in
  every request and every scan (``scan.values.Fresh``) yet fitting the field's
  ``pattern``, ``format`` and length: one identity's test data never makes another
  identity's request fail with 409 or 500. In a POST on a collection, so are the fields
  that the collection's item path takes (``book_title`` or ``title`` for
  ``/books/v1/{book_title}``): they name the new object, which no other may share;
* a value the API's own answers showed for the field (``scan.values.Observed``, fed by
  the transport), when it fits the schema — not for ids, secrets or formatted fields;

then ``examples``/``example``, ``default``, ``enum``, then the type with its ``format``,
``pattern`` (generated with ``rstr`` from a seeded RNG) and bounds. URL-like values
(``format: uri`` or a name like ``url``/``callback``) always point at the scanner's
canary, never at the example's host: the scanner must not make the API call anywhere
but 127.0.0.1. Recursion stops at ``MAX_DEPTH``; optional properties are filled too,
because a request that carries every field exercises more of the API (and gives
harvested ids more places to go).
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Mapping
from typing import Any

from apiward.scan import privacy
from apiward.scan._objects import item_path
from apiward.scan._typed import decimal, fits, number, string, type_of
from apiward.scan.fields import (
    is_identifier,
    is_password,
    is_privileged,
    is_recipient,
    is_unique,
    locks_out,
    singles_out,
)
from apiward.scan.fitting import key_names, names_other, nouns_of
from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.resources import collection_of, norm, resource_of, singular, words
from apiward.scan.values import HIGHEST_RANK, Fresh, Observed, least, rank
from apiward.spec import Api, Operation, ParameterLocation, Schema, is_decimal_string

MAX_DEPTH = 5
_URLISH = re.compile(
    r"(?i:(^|_|-)(url|uri|href|link|callback|webhook|endpoint)s?)$"
    r"|[a-z0-9](Url|URL|Uri|URI|Href|Link|Callback|Webhook|Endpoint)s?$"
)
"""A URL's name, camelCase too: the hapi trial's ``photoUrl`` got ``"apiwardphotourl"``, its
Joi ``uri()`` refused every damage report made for a DELETE, and the DELETE BOLA went untried."""
_SECRET = re.compile(r"pass|secret|token|otp|pin$|cvv|cvc", re.IGNORECASE)
_PERSONAL = re.compile(
    r"address|street|birth|dob|ssn|social_?security|national|tax_?id|passport|licen[cs]e"
    r"|bio|about_?me|headline|tagline|signature"
    r"|(?:full|first|last|given|family|middle|legal|real)_?name|surname",
    re.IGNORECASE,
)
"""A person's own data: never copied from another's record into what the scan makes (the
Express trial's scan accounts carried alice's street address and bob's licence number, the
last round's accounts, left where nothing deletes them, alice's "Hi, I am alice.", the
BlackSheep trial's her ``full_name``)."""
JSON_TYPES = ("application/json", "+json")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Synthesizer:
    """Builds values and whole requests from an Api's schemas."""

    def __init__(
        self,
        api: Api,
        *,
        url: str,
        seed: int = 0,
        values: Mapping[str, Any] | None = None,
        run: str | None = None,
    ) -> None:
        self.api = api
        self.url = url
        self._seed = seed
        self.values: Mapping[str, Any] = dict(values or {})
        self._active: Mapping[str, Any] = self.values
        self._chosen: dict[str, dict[str, Any]] = {}
        """Per operation, the values its refusals said a field must take (``scan.choices``)."""
        self._naming: frozenset[str] = frozenset()
        self._nouns = nouns_of(api)
        self._own = ""
        self._op: Operation | None = None
        self.observed = Observed()
        """What the API's answers showed; the runner feeds it every reply."""
        self.fresh = Fresh(run)
        self.roles: Mapping[str, int] = {}
        """The ``rank:`` the identities file gives each role (lower-cased): a privilege field
        takes the lowest-ranked role the API showed (``scan.runner`` fills it)."""
        self.password = f"Aw-{secrets.token_urlsafe(12)}-9x"
        """The password of every account this scan signs up: its own, so that an account
        left behind is no door to anyone who knows apiward's defaults."""

    def request(self, operation: Operation) -> Request:
        """A request the contract says is valid for ``operation``."""
        # Seeded on purpose: the same contract and seed give the same requests.
        rng = random.Random(f"{self._seed}:{operation.key}")  # noqa: S311
        chosen = self._chosen.get(operation.key, {})
        self._active = {} if operation.method == "DELETE" else {**chosen, **self.values}
        self._naming = _new_object_keys(self.api, operation)
        self._own, self._op = _own_noun(operation), operation
        try:
            return self._request(operation, rng)
        finally:
            self._active = self.values
            self._naming = frozenset()
            self._own, self._op = "", None

    def _request(self, operation: Operation, rng: random.Random) -> Request:
        path: dict[str, str] = {}
        query: list[tuple[str, str]] = []
        headers: list[tuple[str, str]] = []
        cookies: dict[str, str] = {}
        for param in operation.parameters:
            if not param.required and param.location is not ParameterLocation.PATH:
                continue
            text = _text(self.value(param.schema, rng, name=param.name))
            if param.location is ParameterLocation.PATH:
                path[param.name] = text
            elif param.location is ParameterLocation.QUERY:
                query.append((param.name, text))
            elif param.location is ParameterLocation.HEADER:
                headers.append((param.name, text))
            else:
                cookies[param.name] = text
        # A body the scanner cannot build (XML, binary) is left out: the baseline shows it.
        body, kind = self._body(operation, rng)
        return Request(
            method=operation.method,
            path=operation.path,
            operation=operation.key,
            path_params=path,
            query=tuple(query),
            headers=tuple(headers),
            cookies=cookies,
            body=body,
            body_kind=kind,
        )

    def choose(self, operation: Operation, name: str, value: Any) -> None:
        """Send ``value`` for body field ``name`` of ``operation`` from now on (what the API
        said the field must be); the user's own ``values`` still come first."""
        self._chosen.setdefault(operation.key, {})[name] = value

    def renew(self, operation: Operation, request: Request) -> Request:
        """``request`` with every unique value it made for a POST's body made anew.

        Each probe of a sign-up or a creation then names a new account or object, so it
        reaches the code behind the uniqueness check instead of a 409 "already taken".
        """
        if operation.method != "POST" or not isinstance(request.body, dict):
            return request
        schema, _ = self.body_schema(operation)
        properties = (schema or {}).get("properties", {})
        for name, value in request.body.items():
            if self.fresh.issued(value) and isinstance(properties.get(name), dict):
                fresh = self.fresh.value(name, self.api.deref(properties[name]))
                if fresh is not None:
                    request = request.with_param(Where.BODY, name, fresh)
        return request

    def names_new_object(self, operation: Operation, name: str) -> bool:
        """True when body field ``name`` of a POST names what it creates, not what it refers to.

        A sign-up's (a POST taking a password) unique fields name the new account; a
        collection's item-path field (``title`` for ``/books/{title}``) names the new item.
        """
        if operation.method != "POST":
            return False
        if norm(name) in _new_object_keys(self.api, operation):
            return True
        if not is_unique(name) or is_recipient(name) or self.refers_elsewhere(operation, name):
            return False
        schema, _ = self.body_schema(operation)
        return any(is_password(n) for n in (schema or {}).get("properties", {}))

    def refers_elsewhere(self, operation: Operation, name: str) -> bool:
        """True when unique-looking ``name`` picks another resource's object (``clubSlug``),
        not one the operation says it makes: the Express trial's "Sign up — creates a new
        team" named its ``teamName`` after a team that was there, and the 21 teams the scan's
        sign-ups made were nobody's to find (``scan.beside``)."""
        return names_other(name, self._nouns, _own_noun(operation)) and not _makes(operation, name)

    def body_schema(self, operation: Operation) -> tuple[Schema | None, BodyKind]:
        """The JSON or form body schema of ``operation`` (dereferenced), and its kind."""
        if operation.request_body is None:
            return None, BodyKind.NONE
        for media, schema in operation.request_body.content.items():
            base = media.split(";")[0].strip().lower()
            if base.startswith("application/json") or base.endswith(JSON_TYPES[1]):
                return self.api.deref(schema), BodyKind.JSON
            if base in FORM_TYPES:
                return self.api.deref(schema), BodyKind.FORM
        return None, BodyKind.NONE

    def _body(self, operation: Operation, rng: random.Random) -> tuple[Any, BodyKind]:
        schema, kind = self.body_schema(operation)
        if schema is None:
            return None, BodyKind.NONE
        value = self.value(schema, rng)
        if kind is BodyKind.FORM:
            value = {k: _text(v) for k, v in value.items()} if isinstance(value, dict) else {}
        return value, kind

    def value(self, schema: Schema, rng: random.Random, *, name: str = "", depth: int = 0) -> Any:
        """A value valid against ``schema`` (best effort for the rarer keywords)."""
        schema = self.api.deref(schema)
        if depth > MAX_DEPTH:
            return None
        if name in self._active:
            return _as_type(self._active[name], schema)
        if "const" in schema:
            return schema["const"]
        if _is_urlish(schema, name):
            return self.url
        if name and (hidden := privacy.private(name, schema)) is not None:
            return hidden  # what the scan makes is its maker's alone: BOLA needs no public object
        if name and is_privileged(name) and (low := least(schema)) is not None:
            return low  # a share's or a member's role: the grant that grants least
        if _is_password(schema, name) and fits(self.password, schema):
            # Before the contract's example: an account a probe leaves must not open with
            # a password anyone reading the contract knows (the Express trial's admin did).
            return self.password
        picked = self._learned(schema, name)
        if picked is _NOTHING:
            picked = _given(schema)
        if picked is not _NOTHING:
            return picked
        for key in ("allOf", "oneOf", "anyOf"):
            if isinstance(options := schema.get(key), list | tuple) and options:
                return self._combined(key, options, rng, name, depth)
        return self._typed(schema, rng, name, depth)

    def _learned(self, schema: Schema, name: str) -> Any:
        """A fresh value for a unique field, else one the API's answers showed for it.

        Through ``anyOf``/``oneOf`` too, before any ``default``: Pydantic's optional fields
        (``anyOf: [number, string, null], default: 50``) would otherwise set an hourly rate
        the caller's record shows as ``"65.00"`` back to the default (the Ninja trial).
        """
        options = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(options, list | tuple) and "enum" not in schema:
            for option in options:
                found = self._learned(self.api.deref(option), name)
                if found is not _NOTHING:
                    return found
            return _NOTHING
        plain = not any(k in schema for k in ("enum", "allOf", "oneOf", "anyOf"))
        if not name or not plain or type_of(schema) != "string":
            return _NOTHING
        if (
            (is_unique(name) and not names_other(name, self._nouns, self._own))
            or norm(name) in self._naming
            or self._made_here(name)
            or schema.get("format") in {"email", "idn-email"}
        ):
            fresh = self.fresh.value(name, schema)
            return _NOTHING if fresh is None else fresh
        private = _SECRET.search(name) or _PERSONAL.search(name)
        if is_identifier(name) or private or "format" in schema:
            return _NOTHING
        seen = [v for v in self.observed.values(name) if isinstance(v, str) and fits(v, schema)]
        if is_privileged(name):
            # The grant that grants least of those seen, never a higher one: the Sanic trial's
            # "role": "admin", read off a listing, made the scan's own victim account an admin.
            # A role the file ranks goes by that rank, before any the words rank: the
            # BlackSheep trial's pet owners rank lowest, though "owner" sounds above "vet".
            low = [v for v in seen if rank(v) < HIGHEST_RANK or v.lower() in self.roles]
            seen = sorted(low, key=lambda v: (v.lower() not in self.roles, self._ranked(v)))
        return seen[0] if seen else _NOTHING

    def _ranked(self, value: str) -> int:
        """The file's rank of the role ``value`` names, else how privileged it sounds."""
        return self.roles.get(value.lower(), rank(value))

    def _updates(self) -> bool:
        """True while the request is a PUT or PATCH: it changes an object that is there."""
        return self._op is not None and self._op.method.upper() in {"PUT", "PATCH"}

    def _made_here(self, name: str) -> bool:
        """True when ``name`` names what the request's operation says it makes (``teamName``
        of "Sign up — creates a new team"): a fresh value, never one the API showed."""
        return self._op is not None and _makes(self._op, name)

    def _combined(self, key: str, options: Any, rng: random.Random, name: str, depth: int) -> Any:
        if key != "allOf":
            concrete = [o for o in options if self.api.deref(o).get("type") != "null"]
            return self.value((concrete or list(options))[0], rng, name=name, depth=depth + 1)
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in options:
            part = self.api.deref(part)
            merged.update({k: v for k, v in part.items() if k not in {"properties", "required"}})
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += list(part.get("required", []))
        return self.value(merged, rng, name=name, depth=depth + 1)

    def _typed(self, schema: Schema, rng: random.Random, name: str, depth: int) -> Any:
        kind = type_of(schema)
        if kind == "object":
            return self._object(schema, rng, depth)
        if kind == "array":
            return self._array(schema, rng, name, depth)
        if kind == "integer":
            return int(number(schema, integer=True))
        if kind == "number":
            return number(schema, integer=False)
        if kind == "boolean":
            # Never a made-up "disabled: true", nor a made-up "is_default: true".
            return not locks_out(name) and not singles_out(name)
        if kind == "null":
            return None
        if is_decimal_string(schema):
            return decimal(schema)
        return string(schema, rng, name)

    def _object(self, schema: Schema, rng: random.Random, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        properties = schema.get("properties", {})
        for key, sub in properties.items():
            if self.api.deref(sub).get("readOnly"):
                continue
            optional = key not in schema.get("required", ())
            if optional and self._updates() and _is_password(self.api.deref(sub), key):
                # A profile update needs no new password: under --aggressive the Litestar
                # trial's ``PATCH /users/me`` locked alice out with the scan's own.
                continue
            value = self.value(sub, rng, name=key, depth=depth + 1)
            if value is not None or key in schema.get("required", ()):
                out[key] = value
        return out

    def _array(self, schema: Schema, rng: random.Random, name: str, depth: int) -> list[Any]:
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return []
        count = max(1, int(schema.get("minItems", 1)))
        count = min(count, int(schema.get("maxItems", count)), 3)
        singular = name[:-1] if name.endswith("s") else name
        return [self.value(items, rng, name=singular, depth=depth + 1) for _ in range(count)]


_NAMING = frozenset({"name", "slug", "title", "handle", "code"})


def _makes(operation: Operation, name: str) -> bool:
    """True when ``name`` (``teamName``) names an object of a noun the operation's words say it
    makes ("creates a new team", "Sign up a new school")."""
    parts = words(name)
    if len(parts) < 2 or parts[-1] not in _NAMING:
        return False
    noun = re.escape(singular(parts[-2]))
    said = f"{operation.summary} {operation.description}".lower()
    return re.search(rf"\b(?:new|creates?|makes?)\s+(?:\w+\s+)?{noun}s?\b", said) is not None


def _own_noun(operation: Operation) -> str:
    """The singular noun of the collection ``operation`` writes (``club`` for ``POST /clubs``)."""
    return norm(resource_of(operation.path)[1])


def _new_object_keys(api: Api, operation: Operation) -> frozenset[str]:
    """Normalised field names that name the object a POST on a collection makes."""
    found = item_path(api, operation.path) if operation.method == "POST" else None
    if found is None:
        return frozenset()
    path, parameter = found
    return key_names(parameter, collection_of(path, parameter) or "")


class _Nothing:
    pass


_NOTHING = _Nothing()


def _as_type(value: Any, schema: Schema) -> Any:
    """A user's value (text from the command line) in the schema's type when it parses as one."""
    if not isinstance(value, str):
        return value
    kind = type_of(schema)
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value  # the user knows best: send it as given
    if kind == "boolean" and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return value


def _given(schema: Schema) -> Any:
    examples = schema.get("examples")
    if isinstance(examples, list | tuple) and examples:
        return examples[0]
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    enum = schema.get("enum")
    if isinstance(enum, list | tuple) and enum:
        return next((v for v in enum if v is not None), enum[0])
    return _NOTHING


def _is_urlish(schema: Schema, name: str) -> bool:
    if schema.get("format") in {"uri", "url", "iri", "uri-reference", "iri-reference"}:
        return True
    return type_of(schema) == "string" and bool(_URLISH.search(name))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _is_password(schema: Schema, name: str) -> bool:
    if type_of(schema) != "string" or "enum" in schema:
        return False
    form = schema.get("format")
    return form == "password" or (form is None and is_password(name))
