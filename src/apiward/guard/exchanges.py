"""Which operations of a contract exchange credentials: what a policy rate-limits as one.

An API seldom has one login. The same password check often answers at a JSON login,
an OAuth2 token endpoint for tools, a session resource and a password change, and
rate-limiting one of them leaves the others open to guessing. An operation
exchanges credentials when any of these holds:

* it is the ``tokenUrl`` or ``refreshUrl`` of an OAuth2 flow in the contract (the
  URL's path, with or without a server's base path);
* it is a ``POST`` whose last fixed path segment or ``operationId`` reads like a login:
  login, logon, signin, token, authenticate, session (in any case, with ``-``/``_``);
* its request body has a top-level property that holds a password (named like one, or
  ``format: password``), in any media type, through ``$ref`` and ``allOf``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from apiward.core.sensitive import DataClass, classify_name
from apiward.spec import Api, Operation

_LOGIN_WORDS = frozenset({"login", "logon", "signin", "token", "tokens", "authenticate"})
_LOGIN_WORDS |= {"session", "sessions", "auth", "oauth"}
_NOT_VERBS = frozenset({"list", "get", "read", "search", "delete", "revoke", "logout"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def credential_exchanges(api: Api) -> tuple[Operation, ...]:
    """The operations of ``api`` that exchange credentials, in the contract's order."""
    token_paths = set(_token_paths(api))
    return tuple(
        op
        for op in api.operations
        if op.path in token_paths or _login_like(op) or _takes_password(api, op)
    )


def _token_paths(api: Api) -> Iterator[str]:
    bases = [urlsplit(server.url).path.rstrip("/") for server in api.servers]
    for scheme in api.security_schemes.values():
        for flow in scheme.flows.values():
            for url in (flow.token_url, flow.refresh_url):
                if not url:
                    continue
                path = urlsplit(url).path
                yield path
                for base in bases:
                    if base and path.startswith(base + "/"):
                        yield path[len(base) :]


def _login_like(op: Operation) -> bool:
    if op.method.upper() != "POST":
        return False
    fixed = [part for part in op.path.split("/") if part and not part.startswith("{")]
    if fixed and fixed[-1].lower().replace("-", "").replace("_", "") in _LOGIN_WORDS:
        return True
    # "createSession", "login", "issue_token"; not "list_tokens" or "revokeToken".
    words = [word.lower() for word in _WORD.findall(op.operation_id or "")]
    return bool(words) and words[0] not in _NOT_VERBS and not _LOGIN_WORDS.isdisjoint(words)


def _takes_password(api: Api, op: Operation) -> bool:
    if op.request_body is None:
        return False
    return any(
        classify_name(name, _format(prop)) is DataClass.PASSWORD
        for schema in op.request_body.content.values()
        for name, prop in _properties(api, schema).items()
    )


def _properties(api: Api, schema: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
    concrete = api.deref(schema)
    found = dict(concrete.get("properties") or {})
    if depth < 8:
        for branch in concrete.get("allOf") or ():
            if isinstance(branch, Mapping):
                found.update(_properties(api, branch, depth + 1))
    return found


def _format(prop: Any) -> str | None:
    fmt = prop.get("format") if isinstance(prop, Mapping) else None
    return fmt if isinstance(fmt, str) else None
