"""The identities file: who the scanner can be, and how each one authenticates.

::

    identities:
      - name: alice                 # a label used in findings
        role: customer              # identities with the same role are peers (BOLA)
        rank: 1                     # optional: higher = more privileged (BFLA's order)
        login:                      # log in with an operation of the API...
          operation: POST /api/v2/auth/login
          json: {username: alice, password: "${ALICE_PASSWORD}"}
          token: access_token       # dotted path to the token in the JSON answer
          header: Authorization     # where the token goes afterwards
          prefix: "Bearer "         # what goes before it
      - name: bob
        login:
          operation: POST /login
          form: {user: bob, pass: "${BOB_PASSWORD}"}  # a form body, or...
          # query: {user: bob, pass: ...}            # ...credentials in the query string,
          # basic: {username: bob, password: ...}    # ...or HTTP basic, sent to the login
      - name: ci-bot
        role: service
        headers: {X-API-Key: "${CI_KEY}"}  # ...or fixed headers / cookies / HTTP basic
        cookies: {session: abc123}
      - name: carol
        basic: {username: carol, password: "${CAROL_PASSWORD}"}  # Authorization: Basic
      - name: anonymous             # no credentials at all: sends none
    values:                         # optional: test data by parameter or property name
      code: WELCOME50               # (``--value NAME=VALUE`` on the command line wins)
      pin: "4821"                   # a step-up's secret (below)
    step_up: [POST /pin/verify]     # optional: operations that unlock others for a
                                    # session (else found in the contract: scan.step_up)

A login sends at least one of ``json``, ``form``, ``query``, ``basic`` (``json`` and
``form`` exclude each other). Defaults: ``header: Authorization``, ``prefix: "Bearer "``,
and without ``token:`` the token is read at ``access_token`` when the answer has one,
else the session cookie the login answer set is the credential (cookie sessions).
With ``token:`` given, the token must be there. Cookies any answer sets for an identity
stay that identity's (``scan.sessions``). ``${VAR}`` is read from the environment
(quote it inside ``{...}``: YAML's braces).
Every mistake is a ConfigError naming the file and the line. Identities without any
credentials are anonymous and are not peers.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from apiward.core import yamlfile
from apiward.core.errors import ConfigError
from apiward.core.files import read_text

_NAMES = frozenset({"username", "user", "login", "email", "name"})
# OAuth 2.0 request fields (RFC 6749 §4) whose values are protocol words, not credentials.
_PROTOCOL = frozenset({"grant_type", "scope", "response_type", "redirect_uri", "client_id"})
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_OPERATION = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)\s+(/\S*)$", re.IGNORECASE)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 field name
_UNSENDABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # a line break, a control character
_UNSENDABLE_COOKIE = re.compile(r"[\x00-\x1f\x7f;,]")
_IDENTITY_KEYS = {"name", "role", "rank", "login", "headers", "cookies", "basic"}
_FILE_KEYS = {"identities", "values", "step_up"}
_LOGIN_KEYS = {"operation", "json", "form", "query", "basic", "token", "header", "prefix"}
_BASIC_KEYS = {"username", "password"}
DEFAULT_TOKEN = "access_token"  # noqa: S105 — a JSON path, not a secret
"""Where the token is read when a login does not say (``token:``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Basic:
    """HTTP basic credentials."""

    username: str
    password: str

    def header(self) -> str:
        """The ``Authorization`` value that carries them."""
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode()


@dataclass(frozen=True, slots=True, kw_only=True)
class Login:
    """How to log in: send ``body`` / ``query`` / ``basic`` to ``method path``.

    ``token`` is the dotted path of the token in the answer; None reads ``access_token``
    when the answer has it, else the session cookie the answer set is the credential.
    """

    method: str
    path: str
    body: Mapping[str, Any] = field(default_factory=dict)
    form: bool = False
    query: Mapping[str, str] = field(default_factory=dict)
    basic: Basic | None = None
    token: str | None = None
    header: str = "Authorization"
    prefix: str = "Bearer "

    @property
    def operation(self) -> str:
        """``METHOD /path``, as operations of the contract are named."""
        return f"{self.method} {self.path}"

    def secrets(self) -> tuple[str, ...]:
        """The credential values it sends (every field but a username or an OAuth word)."""
        fields = {**self.body, **self.query}
        values = [str(v) for k, v in fields.items() if k.lower() not in _NAMES | _PROTOCOL]
        if self.basic is not None:
            values += [self.basic.password, self.basic.header().split(" ", 1)[1]]
        return tuple(values)


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """A user the scanner can act as."""

    name: str
    role: str = ""
    rank: int | None = None
    """Higher is more privileged; orders roles for BFLA when given."""
    login: Login | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    basic: Basic | None = None
    """Sent as a fixed ``Authorization: Basic`` header (no login operation)."""
    source: str = ""
    line: int | None = None

    @property
    def anonymous(self) -> bool:
        """True when it carries no credentials at all."""
        return self.login is None and self.basic is None and not self.headers and not self.cookies

    def secrets(self) -> tuple[str, ...]:
        """Every credential value in its definition (for the Redactor)."""
        values = [*self.headers.values(), *self.cookies.values()]
        if self.login is not None:
            values += self.login.secrets()
        if self.basic is not None:
            values += [self.basic.password, self.basic.header().split(" ", 1)[1]]
        return tuple(v for v in values if v)


def login_keys(identities: tuple[Identity, ...]) -> frozenset[str]:
    """The operations ``identities`` log in with, as ``METHOD /path`` keys."""
    return frozenset(i.login.operation for i in identities if i.login is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentitiesFile:
    """Everything an identities file says: who the scanner can be, and test data by name."""

    identities: tuple[Identity, ...]
    values: Mapping[str, str] = field(default_factory=dict)
    step_up: tuple[str, ...] = ()
    """Operations that unlock others for a session (``scan.step_up``), as ``METHOD /path``."""


def load_identities(path: str | os.PathLike[str]) -> tuple[Identity, ...]:
    """Read and check an identities file; a mistake is a ConfigError with file and line."""
    return read_identities_file(path).identities


def read_identities_file(path: str | os.PathLike[str]) -> IdentitiesFile:
    """The identities and the ``values:`` of a file; a mistake is a ConfigError with file:line."""
    source = os.fspath(path)
    text = read_text(source, what="identities file")
    root = yamlfile.compose(text, source)
    reader = _Reader(source)
    return IdentitiesFile(
        identities=reader.identities(root), values=reader.values(root), step_up=reader.step_up(root)
    )


class _Reader:
    """Turns composed YAML nodes into identities, keeping lines for errors."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: yaml.Node | None, message: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else None
        return ConfigError(message, source=self.source, line=line)

    def mapping(self, node: yaml.Node | None, what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        return {str(key.value): value for key, value in node.value}

    def scalar(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            raise self.fail(node, f"{what} must be a non-empty string")
        return self.expand(node, str(node.value))

    def expand(self, node: yaml.Node, text: str) -> str:
        def env(match: re.Match[str]) -> str:
            value = os.environ.get(match.group(1))
            if value is None:
                raise self.fail(node, f"environment variable {match.group(1)} is not set")
            return value

        return _ENV.sub(env, text)

    def strings(self, node: yaml.Node, what: str) -> dict[str, str]:
        return {k: self.scalar(v, f"{what}.{k}") for k, v in self.mapping(node, what).items()}

    def fields(self, node: yaml.Node, what: str) -> dict[str, str]:
        """Header or cookie names and values that can go on the wire as written."""
        found = self.strings(node, what)
        bad = _UNSENDABLE_COOKIE if what == "cookies" else _UNSENDABLE
        for key_node, _ in node.value:
            key = str(key_node.value)
            if not _TOKEN.fullmatch(key):
                raise self.fail(key_node, f"{what}: {key!r} is not a header or cookie name")
            if bad.search(found[key]):
                raise self.fail(key_node, f"{what}.{key} holds a character it cannot be sent with")
        return found

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return {str(k.value): self.value(v) for k, v in node.value}
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item) for item in node.value]
        value = yamlfile.construct(node, self.source)
        return self.expand(node, value) if isinstance(value, str) else value

    def identities(self, root: yaml.Node | None) -> tuple[Identity, ...]:
        top = self.mapping(root, "the identities file")
        items = top.get("identities")
        if not isinstance(items, yaml.SequenceNode) or not items.value:
            raise self.fail(items or root, "'identities' must be a non-empty list")
        for key, _ in root.value if isinstance(root, yaml.MappingNode) else ():
            if str(key.value) not in _FILE_KEYS:
                raise self.fail(key, f"unknown key {key.value!r} at the top")
        found = tuple(self.identity(item) for item in items.value)
        seen: set[str] = set()
        for identity, node in zip(found, items.value, strict=True):
            if identity.name in seen:
                raise self.fail(node, f"identity {identity.name!r} is defined twice")
            seen.add(identity.name)
        return found

    def values(self, root: yaml.Node | None) -> dict[str, str]:
        node = self.mapping(root, "the identities file").get("values")
        if node is None:
            return {}
        found: dict[str, str] = {}
        for key, value in self.mapping(node, "'values'").items():
            if not key:
                raise self.fail(node, "a name in 'values' is empty")
            # Scalars only: the synthesiser turns the text into the schema's type.
            if not isinstance(value, yaml.ScalarNode) or value.tag.endswith(":null"):
                raise self.fail(value, f"values.{key} must be a string, number or boolean")
            found[key] = self.expand(value, str(value.value))
        return found

    def step_up(self, root: yaml.Node | None) -> tuple[str, ...]:
        node = self.mapping(root, "the identities file").get("step_up")
        if node is None:
            return ()
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        found = []
        for item in items:
            match = _OPERATION.match(self.scalar(item, "a step_up operation"))
            if match is None:
                raise self.fail(item, "step_up lists operations as 'METHOD /path'")
            found.append(f"{match.group(1).upper()} {match.group(2)}")
        return tuple(found)

    def identity(self, node: yaml.Node) -> Identity:
        fields = self.mapping(node, "an identity")
        if unknown := sorted(set(fields) - _IDENTITY_KEYS):
            raise self.fail(fields[unknown[0]], f"unknown key {unknown[0]!r} in an identity")
        if "name" not in fields:
            raise self.fail(node, "an identity needs a 'name'")
        name = self.scalar(fields["name"], "name")
        return Identity(
            name=name,
            role=self.scalar(fields["role"], "role") if "role" in fields else "",
            rank=self.rank(fields["rank"]) if "rank" in fields else None,
            login=self.login(fields["login"], name) if "login" in fields else None,
            headers=self.fields(fields["headers"], "headers") if "headers" in fields else {},
            cookies=self.fields(fields["cookies"], "cookies") if "cookies" in fields else {},
            basic=self.basic(fields["basic"], "basic") if "basic" in fields else None,
            source=self.source,
            line=node.start_mark.line + 1,
        )

    def rank(self, node: yaml.Node) -> int:
        value = self.value(node)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(node, "rank must be an integer (higher = more privileged)")
        return value

    def basic(self, node: yaml.Node, what: str) -> Basic:
        fields = self.strings(node, what)
        if set(fields) != _BASIC_KEYS:
            raise self.fail(node, f"{what} needs exactly 'username' and 'password'")
        return Basic(username=fields["username"], password=fields["password"])

    def login(self, node: yaml.Node, name: str) -> Login:
        fields = self.mapping(node, f"login of {name}")
        if unknown := sorted(set(fields) - _LOGIN_KEYS):
            raise self.fail(fields[unknown[0]], f"unknown key {unknown[0]!r} in login of {name}")
        if "operation" not in fields:
            raise self.fail(node, f"login of {name} needs an 'operation' such as 'POST /login'")
        match = _OPERATION.match(self.scalar(fields["operation"], "operation"))
        if match is None:
            raise self.fail(fields["operation"], "operation must read 'METHOD /path'")
        if "json" in fields and "form" in fields:
            raise self.fail(node, f"login of {name} takes one of 'json' or 'form', not both")
        if not set(fields) & {"json", "form", "query", "basic"}:
            raise self.fail(
                node, f"login of {name} needs credentials: 'json', 'form', 'query' or 'basic'"
            )
        body_node = fields.get("json") or fields.get("form")
        body = self.value(body_node) if body_node is not None else {}
        if not isinstance(body, dict):
            raise self.fail(body_node, "the login body must be a mapping")
        optional = {k: self.value(fields[k]) for k in ("token", "header", "prefix") if k in fields}
        if "header" in optional and not _TOKEN.fullmatch(str(optional["header"])):
            raise self.fail(fields["header"], f"login of {name}: header is not a header name")
        if _UNSENDABLE.search(str(optional.get("prefix", ""))):
            raise self.fail(fields["prefix"], f"login of {name}: prefix holds a line break")
        return Login(
            method=match.group(1).upper(),
            path=match.group(2),
            body=body,
            form="form" in fields,
            query=self.strings(fields["query"], "query") if "query" in fields else {},
            basic=self.basic(fields["basic"], "login.basic") if "basic" in fields else None,
            **{k: str(v) for k, v in optional.items()},
        )


def ranked_roles(identities: Iterable[Identity]) -> dict[str, int]:
    """Each role the file gives a ``rank:`` (lower-cased), with that rank."""
    return {i.role.lower(): i.rank for i in identities if i.role and i.rank is not None}
