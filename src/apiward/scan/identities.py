"""The identities file: who the scanner can be, and how each one authenticates.

::

    identities:
      - name: alice                 # a label used in findings
        role: customer              # identities with the same role are peers (BOLA)
        login:                      # get a token from a login operation...
          operation: POST /api/v2/auth/login
          json: {username: alice, password: "${ALICE_PASSWORD}"}   # or form: {...}
          token: access_token       # dotted path to the token in the JSON answer
          header: Authorization     # where the token goes afterwards (default)
          prefix: "Bearer "         # what goes before it (default)
      - name: ci-bot
        role: service
        headers: {X-API-Key: "${CI_KEY}"}  # ...or fixed headers / cookies
        cookies: {session: abc123}
      - name: anonymous             # no login, headers or cookies: sends no credentials
    values:                         # optional: test data by parameter or property name
      code: WELCOME50               # (``--value NAME=VALUE`` on the command line wins)

``${VAR}`` is read from the environment (quote it inside ``{...}``: YAML's braces).
Every mistake is a ConfigError naming the file
and the line. Identities without any credentials are anonymous and are not peers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from apiward.core.errors import ConfigError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_OPERATION = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)\s+(/\S*)$", re.IGNORECASE)
_IDENTITY_KEYS = {"name", "role", "login", "headers", "cookies"}
_FILE_KEYS = {"identities", "values"}
_LOGIN_KEYS = {"operation", "json", "form", "token", "header", "prefix"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Login:
    """How to get a token: send ``body`` to ``method path`` and read ``token`` from the answer."""

    method: str
    path: str
    body: Mapping[str, Any]
    form: bool = False
    token: str = "access_token"  # noqa: S105 — a JSON path, not a secret
    header: str = "Authorization"
    prefix: str = "Bearer "


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """A user the scanner can act as."""

    name: str
    role: str = ""
    login: Login | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    line: int | None = None

    @property
    def anonymous(self) -> bool:
        """True when it carries no credentials at all."""
        return self.login is None and not self.headers and not self.cookies

    def secrets(self) -> tuple[str, ...]:
        """Every credential value in its definition (for the Redactor)."""
        values = [*self.headers.values(), *self.cookies.values()]
        if self.login is not None:
            values += [str(v) for k, v in self.login.body.items() if k.lower() != "username"]
        return tuple(v for v in values if v)


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentitiesFile:
    """Everything an identities file says: who the scanner can be, and test data by name."""

    identities: tuple[Identity, ...]
    values: Mapping[str, str] = field(default_factory=dict)


def load_identities(path: str | os.PathLike[str]) -> tuple[Identity, ...]:
    """Read and check an identities file; a mistake is a ConfigError with file and line."""
    return read_identities_file(path).identities


def read_identities_file(path: str | os.PathLike[str]) -> IdentitiesFile:
    """The identities and the ``values:`` of a file; a mistake is a ConfigError with file:line."""
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read identities file: {error.strerror}", source=source) from None
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        raise ConfigError(
            f"not valid YAML: {getattr(error, 'problem', error)}",
            source=source,
            line=line + 1 if line is not None else None,
        ) from None
    reader = _Reader(source)
    return IdentitiesFile(identities=reader.identities(root), values=reader.values(root))


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

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return {str(k.value): self.value(v) for k, v in node.value}
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item) for item in node.value]
        loader = yaml.SafeLoader("")
        try:
            value = loader.construct_object(node, deep=True)
        finally:
            loader.dispose()
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
            login=self.login(fields["login"], name) if "login" in fields else None,
            headers=self.strings(fields["headers"], "headers") if "headers" in fields else {},
            cookies=self.strings(fields["cookies"], "cookies") if "cookies" in fields else {},
            source=self.source,
            line=node.start_mark.line + 1,
        )

    def login(self, node: yaml.Node, name: str) -> Login:
        fields = self.mapping(node, f"login of {name}")
        if unknown := sorted(set(fields) - _LOGIN_KEYS):
            raise self.fail(fields[unknown[0]], f"unknown key {unknown[0]!r} in login of {name}")
        if "operation" not in fields:
            raise self.fail(node, f"login of {name} needs an 'operation' such as 'POST /login'")
        match = _OPERATION.match(self.scalar(fields["operation"], "operation"))
        if match is None:
            raise self.fail(fields["operation"], "operation must read 'METHOD /path'")
        if ("json" in fields) == ("form" in fields):
            raise self.fail(node, f"login of {name} needs exactly one of 'json' or 'form'")
        body_node = fields.get("json") or fields["form"]
        body = self.value(body_node)
        if not isinstance(body, dict):
            raise self.fail(body_node, "the login body must be a mapping")
        optional = {k: self.value(fields[k]) for k in ("token", "header", "prefix") if k in fields}
        return Login(
            method=match.group(1).upper(),
            path=match.group(2),
            body=body,
            form="form" in fields,
            **{k: str(v) for k, v in optional.items()},
        )
