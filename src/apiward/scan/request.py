"""A request the scanner means to send: built from the contract, changed by checks.

Requests are values: ``with_param`` returns a new request, so a check can derive its
attack from a baseline without touching the baseline other checks use. They carry
the path *template* and its values, so findings name the operation, and they never
carry a host: the transport joins them to the one target URL (the scanner cannot be
pointed anywhere else by a spec or a response).
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlencode

from apiward.core.errors import TargetError
from apiward.core.findings import RecordedRequest

READS = frozenset({"GET", "HEAD"})
"""Methods that answer with a resource and change nothing: what a check replays as a read."""
SAFE = READS | {"OPTIONS", "TRACE"}
"""Methods that change nothing on the server (RFC 9110 §9.2.1): the runner sends them first."""
IDEMPOTENT = SAFE | {"PUT", "DELETE"}
"""Methods whose repetition does what one request does (RFC 9110 §9.2.2): safe to retry."""
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods that change state: the ledger records each, the withholding rules apply to them."""
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
"""Writes that carry the object in their body: where a check adds or changes a field."""
CHANGES = ("PUT", "PATCH", "DELETE")
"""Writes on an object that exists (POST makes one), in the order a probe sends them:
DELETE last, since it ends the object."""


_TEMPLATE = re.compile(r"\{([A-Za-z_][\w.-]*)\}")
"""A template expression (``{org_slug}``): in a path it must be filled before sending."""


class Unfilled(TargetError):  # noqa: N818 — a result ("the request was not sent"), like Withheld
    """The request was not sent: its path still holds a ``{name}`` nothing filled.

    A ``TargetError``, so that whatever sends it takes it as a request that got no
    answer; the runner reports the check's operation as skipped, saying which name.
    """


class BodyKind(StrEnum):
    """How the body travels."""

    NONE = "none"
    JSON = "json"
    FORM = "form"
    RAW = "raw"
    """``body`` is text sent exactly as it is (malformed input); set the content type yourself."""


class Where(StrEnum):
    """Where a value goes: the parameter locations of the contract, plus a body field."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """Method, path template with values, query, headers, cookies and body."""

    method: str
    path: str
    operation: str = ""
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    cookies: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    body_kind: BodyKind = BodyKind.NONE
    base: str | None = None
    """The base path the request goes under instead of the target's (an older version's
    ``/api/v0``), on the target's own host; its ``target`` then starts at the host's root."""

    @property
    def target(self) -> str:
        """The path with its values filled in, plus the query string."""
        path = (self.base or "") + self.path
        for name, value in self.path_params.items():
            path = path.replace("{" + name + "}", quote(value, safe=""))
        return f"{path}?{urlencode(self.query)}" if self.query else path

    @property
    def unfilled(self) -> tuple[str, ...]:
        """Names of the path template with no value: such a request must never be sent."""
        return tuple(n for n in _TEMPLATE.findall(self.path) if n not in self.path_params)

    def value(self, where: Where, name: str) -> Any:
        """The value currently sent for ``name`` at ``where`` (None when absent)."""
        if where is Where.PATH:
            return self.path_params.get(name)
        if where is Where.BODY:
            return self.body.get(name) if isinstance(self.body, dict) else None
        if where is Where.COOKIE:
            return self.cookies.get(name)
        pairs = self.query if where is Where.QUERY else self.headers
        return next((v for k, v in pairs if k.lower() == name.lower()), None)

    def with_param(self, where: Where, name: str, value: Any) -> Request:
        """A copy with ``name`` at ``where`` set to ``value`` (added if absent)."""
        if where is Where.PATH:
            return dataclasses.replace(self, path_params={**self.path_params, name: str(value)})
        if where is Where.BODY:
            body = dict(self.body) if isinstance(self.body, dict) else {}
            kind = self.body_kind if self.body_kind is not BodyKind.NONE else BodyKind.JSON
            return dataclasses.replace(self, body={**body, name: value}, body_kind=kind)
        if where is Where.COOKIE:
            return dataclasses.replace(self, cookies={**self.cookies, name: str(value)})
        if where is Where.QUERY:
            return dataclasses.replace(self, query=_set(self.query, name, str(value)))
        return dataclasses.replace(self, headers=_set(self.headers, name, str(value)))

    def without_query(self, name: str) -> Request:
        """A copy without the query parameter ``name`` (any case)."""
        kept = tuple((k, v) for k, v in self.query if k.lower() != name.lower())
        return dataclasses.replace(self, query=kept)

    def without_header(self, name: str) -> Request:
        """A copy without the header ``name`` (any case)."""
        kept = tuple((k, v) for k, v in self.headers if k.lower() != name.lower())
        return dataclasses.replace(self, headers=kept)


def _set(pairs: tuple[tuple[str, str], ...], name: str, value: str) -> tuple[tuple[str, str], ...]:
    kept = [(k, v) for k, v in pairs if k.lower() != name.lower()]
    return (*kept, (name, value))


def curl(request: RecordedRequest) -> str:
    """A ``curl`` command that sends the recorded request again."""
    parts = ["curl", "-i", "-X", request.method]
    for name, value in request.headers:
        if name.lower() not in {"host", "content-length", "accept-encoding", "connection"}:
            parts += ["-H", f"{name}: {value}"]
    if request.body:
        parts += ["--data-raw", request.body]
    parts.append(request.url)
    return " ".join(shlex.quote(part) for part in parts)
