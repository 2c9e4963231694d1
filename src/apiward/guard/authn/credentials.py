"""Where each kind of credential is found in a request, and the #8 ambiguity rule.

A bearer token is read only from one ``Authorization: Bearer`` header (never from
the URL, RFC 6750 §2.3 and RFC 9700 §4.3.2); an API key from the place the
contract's apiKey scheme declares; a message signature from ``Signature``.
A request carrying two Authorization headers, or a token in the header and in the
query string, is ambiguous and refused before anything is verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Protocol
from urllib.parse import parse_qsl

from apiward.guard.authn.identity import Identity
from apiward.guard.context import Context
from apiward.spec import SecurityScheme

_URL_TOKENS = frozenset({"access_token", "id_token", "token", "jwt"})


class Verifier(Protocol):
    """A mechanism: turns a credential found in the request into an Identity."""

    async def verify(self, credential: str) -> Identity:
        """The identity, or raise Invalid / Unavailable."""
        ...


class RequestVerifier(Protocol):
    """A mechanism that needs the whole request (message signatures)."""

    async def verify_request(self, ctx: Context) -> Identity:
        """The identity, or raise Invalid / Unavailable."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Locator:
    """Where one scheme's credential sits: ``header``/``query``/``cookie`` and its name."""

    location: str
    name: str
    bearer: bool = False

    def find(self, ctx: Context) -> str | None:
        """The credential, or None when the request carries none for this scheme."""
        if self.location == "header":
            value = ctx.header(self.name.encode())
            if value is None:
                return None
            text = value.decode("latin-1")
            if self.bearer:
                scheme, _, token = text.partition(" ")
                return token.strip() if scheme.lower() == "bearer" else ""
            return text
        if self.location == "query":
            return query_values(ctx).get(self.name)
        return cookie(ctx, self.name)


def locator_for(scheme: SecurityScheme, *, signed: bool = False) -> Locator:
    """Where the credential of a contract security scheme is carried."""
    if signed:
        return Locator(location="header", name="signature")
    if scheme.type == "apiKey" and scheme.location is not None and scheme.parameter_name:
        return Locator(location=str(scheme.location), name=scheme.parameter_name.lower())
    return Locator(location="header", name="authorization", bearer=True)


def query_values(ctx: Context) -> dict[str, str]:
    """The query string's parameters (last value wins; duplicates are transport's job)."""
    raw = ctx.scope.get("query_string", b"")
    if not raw:
        return {}
    return dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))


def cookie(ctx: Context, name: str) -> str | None:
    """One cookie's value from the Cookie header."""
    header = ctx.header(b"cookie")
    if header is None:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header.decode("latin-1"))
    except CookieError:
        return None
    morsel = jar.get(name)
    return None if morsel is None else morsel.value


def ambiguity(ctx: Context) -> str | None:
    """Why the request carries more than one credential source, or None (JWT smuggling)."""
    headers = [value for key, value in ctx.scope["headers"] if key == b"authorization"]
    if len(headers) > 1:
        return "two Authorization headers"
    if headers and ctx.scope.get("query_string") and not _URL_TOKENS.isdisjoint(query_values(ctx)):
        return "a token in the Authorization header and in the query string"
    return None
