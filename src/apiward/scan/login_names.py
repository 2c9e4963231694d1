"""Login names: an update the scan sends never changes how an account logs in.

A user logs in with a password and a name (``email``, ``username``: the login body's
fields other than its password, or HTTP basic's user name) that is often also a field of
the user's own record. An update carrying a fresh value there (a baseline's new e-mail, an injection
payload, 16 a's) moves the login: the Sanic trial's ``--safe`` scan gave its admin a new
e-mail on ``PATCH /me``, could then neither log that admin in again after a logout nor
put the e-mail back, and left the administrator of a shared system locked out; under
``--aggressive`` the hapi trial's SQL probe of ``PATCH /users/{userId}`` set its admin's
password, though no update the scan makes up carries one.

So in every PUT, PATCH, or POST on a named object (``/users/{id}``), a field named like a
login name or a password is left out of the body, at any depth of its objects, in every
mode; on the caller's own record (``PATCH /me``) a required one carries the caller's own
login name or password instead.
What the ledger sends to put a record back is not a check's request and keeps them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from apiward.scan.fields import is_password
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.resources import norm, own_record_write

if TYPE_CHECKING:
    from apiward.scan.synthesis import Synthesizer

_MAIL = frozenset({"email", "emailaddress", "mail", "mailaddress", "useremail"})
_USER = frozenset({"username", "login", "loginname", "userlogin"})
_REFERENCES = frozenset({"user", "name", "id", "userid", "account"})
"""Login keys that in a record more often name another object than hold a login name."""
_PROTOCOL = frozenset({"granttype", "scope", "clientid", "redirecturi", "responsetype"})
_PASSWORD = "password"  # noqa: S105 (a field name, not a credential)
"""Where a password field's name is filed, whatever the API calls it (``pass``, ``pwd``)."""


def _kinds(value: str) -> frozenset[str]:
    """The field names a login value may stand in on a record: e-mail ones for an address."""
    return _MAIL if "@" in value else _USER


class LoginNames:
    """The fields the identities log in with, and what each identity's own value is."""

    def __init__(self, identities: Iterable[Identity], synthesizer: Synthesizer) -> None:
        self._synthesizer = synthesizer
        self.names: set[str] = set()
        self._own: dict[str, dict[str, str]] = {}
        for identity in identities:
            self.add(identity)

    def add(self, identity: Identity) -> None:
        """Learn ``identity``'s login name fields (a user the scan signed up, too)."""
        own = self._own.setdefault(identity.name, {})
        login = identity.login
        pairs: list[tuple[str, Any]] = list(login.body.items()) if login is not None else []
        basic = identity.basic or (login.basic if login is not None else None)
        if basic is not None:
            pairs.append(("username", basic.username))
        for key, value in pairs:
            plain = norm(key)
            if plain in _PROTOCOL or not isinstance(value, str):
                continue
            if is_password(key):
                own.setdefault(_PASSWORD, value)
                continue
            for name in {plain, *_kinds(value)} - _REFERENCES:
                self.names.add(name)
                own.setdefault(name, value)

    def kept(self, request: Request, as_: Identity | None) -> Request:
        """``request`` without new login names: see the module's docstring."""
        if as_ is not None and as_.name not in self._own:
            self.add(as_)
        if not _updates(request) or not isinstance(request.body, Mapping):
            return request
        own = self._own.get(as_.name, {}) if as_ is not None else {}
        mine = own_record_write(request.method, request.path)
        needed = {_PASSWORD if is_password(k) else norm(k) for k in self._required(request)}
        body = self._strip(request.body, own if mine else {}, needed)
        return request if body == request.body else dataclasses.replace(request, body=body)

    def _required(self, request: Request) -> list[str]:
        """The required body fields of ``request``'s operation."""
        operation = self._synthesizer.api.operation(request.method, request.path)
        schema = self._synthesizer.body_schema(operation)[0] if operation is not None else None
        return list((schema or {}).get("required", ()))

    def _strip(
        self, body: Mapping[str, Any], own: Mapping[str, str], required: set[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in body.items():
            plain = _PASSWORD if is_password(key) else norm(key)
            if plain in self.names or plain == _PASSWORD:
                if plain in required and plain in own:
                    out[key] = own[plain]
                continue
            out[key] = self._strip(value, own, set()) if isinstance(value, Mapping) else value
        return out


def _updates(request: Request) -> bool:
    """A write to an object that exists: PUT, PATCH, or a POST on a named one."""
    method = request.method.upper()
    if method in {"PUT", "PATCH"}:
        return True
    return method == "POST" and request.path.rstrip("/").endswith("}")
