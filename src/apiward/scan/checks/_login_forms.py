"""Login operations and the accounts to try them with: what the ``login`` check attacks.

Login operations come from the identities file (the operations identities log in
with, with their body shape and token path) and from the contract: POST operations
named like a login (``login``, ``token``, ``session``, ``signin``…) whose body has a
password field and a user field. The account attacked is a *throwaway* one when the
contract has a registration operation — named so, or the one ``scan.provision`` signs
up with (so no wrong password ever lands on a real user, and a lockout locks only it),
else the last identity that logs in with a username (the one a scan needs
least: identities are listed main user first).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from apiward.scan import login as logins
from apiward.scan import required_only
from apiward.scan.accounts import own_sign_up
from apiward.scan.context import Context
from apiward.scan.cookies import Jar
from apiward.scan.fields import credentials, is_password, is_unique
from apiward.scan.flows import LOGIN, SIGN_UP, words
from apiward.scan.identities import Basic, Identity, Login
from apiward.scan.login import LoginError
from apiward.scan.provision import sign_up_route
from apiward.scan.request import BodyKind, Request
from apiward.scan.resources import own_read
from apiward.scan.transport import Reply
from apiward.spec import Operation

_TOKEN = re.compile(r"token|jwt|bearer|session|key", re.IGNORECASE)
_PARTS = ("username", "password")
_NAME = re.compile(r"^(user_?name|login|handle)$", re.IGNORECASE)
"""What a basic login's two parts are called where a form names its fields (findings' keys)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginForm:
    """A login operation, the body it takes, and which fields carry user and password."""

    operation: str
    method: str
    path: str
    body: Mapping[str, Any]
    form: bool
    user: str
    password: str
    token: str | None = None
    in_query: bool = False
    """The fields travel in the query string (FastAPI's plain parameters), not a body."""
    basic: bool = False
    """The name and password travel as HTTP basic credentials (``POST /tokens`` with basic, or
    a secured read of an API that takes basic on every request): no body field holds them."""

    def request(self, username: str, password: str) -> Request:
        """A login request for ``username`` with ``password``."""
        if self.basic:
            header = ("Authorization", Basic(username=username, password=password).header())
            kind = BodyKind.JSON if self.body else BodyKind.NONE
            return Request(
                method=self.method, path=self.path, operation=self.operation,
                headers=(header,), body=dict(self.body) or None, body_kind=kind,
            )  # fmt: skip
        body = {**self.body, self.user: username, self.password: password}
        if self.in_query:
            query = tuple((k, str(v)) for k, v in body.items())
            return Request(
                method=self.method, path=self.path, operation=self.operation, query=query
            )
        if self.form:
            body = {k: str(v) for k, v in body.items()}
        kind = BodyKind.FORM if self.form else BodyKind.JSON
        return Request(
            method=self.method, path=self.path, operation=self.operation, body=body, body_kind=kind
        )

    def login(self, username: str, password: str) -> Login:
        """The identities-file ``Login`` for ``username`` with ``password``."""
        if self.basic:
            basic = Basic(username=username, password=password)
            return Login(method=self.method, path=self.path, basic=basic, token=self.token)
        fields = {**self.body, self.user: username, self.password: password}
        if self.in_query:
            query = {k: str(v) for k, v in fields.items()}
            return Login(method=self.method, path=self.path, query=query, token=self.token)
        return Login(
            method=self.method, path=self.path, body=fields, form=self.form, token=self.token
        )

    def logged_in(self, reply: Reply) -> bool:
        """True when ``reply`` yields a credential (``scan.login``'s rule), whatever its status;
        for basic credentials without a token to read, when the API answered them 2xx."""
        if self.basic and self.token is None:
            return reply.ok and not logins.refused(reply)
        login = Login(method=self.method, path=self.path, form=self.form, token=self.token)
        cookies = Jar().update(reply.set_cookies, urlsplit(reply.exchange.request.url).path)
        try:
            logins.outcome(login, reply, cookies, operations=None, secrets=set())
        except LoginError:
            return False
        return True

    def learning_token(self, reply: Reply) -> LoginForm:
        """This form, with ``token`` set to where a right login's ``reply`` puts a token.

        Contract login operations say nothing of their token's name (``auth_token``,
        ``data.jwt``…): the right password's answer shows it.
        """
        if self.token is not None or self.logged_in(reply):
            return self
        path = next(_token_paths(reply.data), None)
        return dataclasses.replace(self, token=path) if path else self


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """A username with its right password; ``owner`` is the identity or 'a throwaway account'."""

    username: str
    password: str
    owner: str
    signed_up: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """The sign-up body that registered it (empty for an identity)."""


def forms(ctx: Context) -> list[LoginForm]:
    """Every login operation: those identities use, then those the contract names so."""
    found: dict[str, LoginForm] = {}
    for identity in ctx.identities:
        form = _from_identity(identity) or _basic(ctx, identity)
        if form is not None:
            found.setdefault(form.operation, form)
    for op in ctx.probes:
        if op.key not in found and _is_login(op, ctx):
            form = _from_contract(ctx, op)
            if form is not None:
                found[op.key] = form
    return list(found.values())


def _basic(ctx: Context, identity: Identity) -> LoginForm | None:
    """How ``identity``'s HTTP basic credentials are checked: its login operation, else a
    secured read that names no object (the hapi trial took basic on every request)."""
    login = identity.login
    if login is not None and login.basic is not None:
        return LoginForm(
            operation=login.operation, method=login.method, path=login.path, body=login.body,
            form=login.form, user=_PARTS[0], password=_PARTS[1], token=login.token, basic=True,
        )  # fmt: skip
    if identity.basic is None:
        return None
    op = own_read(ctx.probes)
    if op is None:
        return None
    return LoginForm(
        operation=op.key, method="GET", path=op.path, body={}, form=False,
        user=_PARTS[0], password=_PARTS[1], basic=True,
    )  # fmt: skip


def _from_identity(identity: Identity) -> LoginForm | None:
    login = identity.login
    if login is None or login.basic is not None:
        return None
    in_query = not login.body and bool(login.query)
    sent = login.query if in_query else login.body
    fields = credentials(list(sent))
    if fields is None:
        return None
    return LoginForm(
        operation=f"{login.method} {login.path}",
        method=login.method,
        path=login.path,
        body=dict(sent),
        form=login.form,
        user=fields[0],
        password=fields[1],
        token=login.token,
        in_query=in_query,
    )


def _properties(ctx: Context, op: Operation) -> list[str]:
    schema, _ = ctx.synthesizer.body_schema(op)
    if schema is None:
        return []
    props = ctx.api.deref(schema).get("properties")
    return list(props) if isinstance(props, Mapping) else []


def sets_credentials(ctx: Context, op: Operation) -> bool:
    """True for a sign-up, or any operation whose body takes a password (it sets one)."""
    named = SIGN_UP.search(words(op))
    return bool(named) or any(is_password(n) for n in _properties(ctx, op))


def _is_login(op: Operation, ctx: Context) -> bool:
    said = words(op)
    named = LOGIN.search(said) and not SIGN_UP.search(said)
    return op.method == "POST" and bool(named) and credentials(_properties(ctx, op)) is not None


def _from_contract(ctx: Context, op: Operation) -> LoginForm | None:
    fields = credentials(_properties(ctx, op))
    request = ctx.request(op)
    if fields is None or not isinstance(request.body, dict):
        return None
    return LoginForm(
        operation=op.key,
        method=op.method,
        path=op.path,
        body=dict(request.body),
        form=request.body_kind is BodyKind.FORM,
        user=fields[0],
        password=fields[1],
    )


def known_account(ctx: Context) -> Account | None:
    """The last identity that logs in with a username and password."""
    for identity in reversed(ctx.identities):
        basic = identity.basic or (identity.login.basic if identity.login else None)
        if basic is not None and _basic(ctx, identity) is not None:
            return Account(username=basic.username, password=basic.password, owner=identity.name)
        form = _from_identity(identity)
        if form is not None and identity.login is not None:
            body = {**identity.login.query, **identity.login.body}
            return Account(
                username=str(body[form.user]),
                password=str(body[form.password]),
                owner=identity.name,
            )
    return None


async def throwaway(ctx: Context, form: LoginForm) -> tuple[Account, Reply] | None:
    """Register a new account through the contract's sign-up operation, if it has one.

    The sign-ups tried: POSTs named so (``register``, ``sign-up``, ``join``…), then the
    one ``scan.provision`` signs its users up with (``POST /users``...). A sign-up whose
    answer says it failed (``200 {"status": "fail"}``) made nothing.
    """
    for op in _sign_ups(ctx):
        properties = _properties(ctx, op)
        fields = credentials(properties)
        if fields is None:
            continue
        if form.user in properties and form.user != fields[1]:
            # It signs up by the field its login takes: the Quart trial's sign-up took its
            # ``email`` first, its login the ``username``, and the throwaway never logged in.
            fields = (form.user, fields[1])
        named = [p for p in properties if _NAME.match(p)]
        if form.basic and named:  # basic credentials carry the user name, not the e-mail
            fields = (named[0], fields[1])
        email = "mail" in form.user.lower() or "mail" in fields[0].lower()
        name = f"apiward{secrets.token_hex(4)}" + ("@example.com" if email else "")
        account = Account(
            username=name, password=f"Aw-{secrets.token_urlsafe(12)}-9", owner="a throwaway account"
        )
        request = _sign_up(ctx, op, fields, account)

        async def send(sign_up: Request) -> Reply:
            with own_sign_up():
                return await ctx.send(sign_up, as_=None, note="login: sign up")

        # Without the optional fields it names, then with the required ones alone: the Koa
        # trial's junk ``inviteToken`` got it refused, and the brute-force burst went nowhere.
        reply = await send(request)
        request, reply = await required_only.again(
            ctx.synthesizer, op, request, reply, send, keep=fields
        )
        if reply.ok and not logins.refused(reply):
            ctx.sessions.secrets.add(account.password)
            body = request.body if isinstance(request.body, dict) else {}
            return dataclasses.replace(account, signed_up=body), reply
    return None


def _sign_ups(ctx: Context) -> list[Operation]:
    named = [op for op in ctx.probes if op.method == "POST" and SIGN_UP.search(words(op))]
    route = sign_up_route(
        ctx.api, ctx.identities, ctx.synthesizer, ctx.scope, ctx.sessions.openness
    )
    if route is not None and route[0].key not in {op.key for op in named}:
        named.append(route[0])
    return named


def _token_paths(data: Any, prefix: str = "", depth: int = 3) -> Iterator[str]:
    """Dotted paths of long string values under token-like names (``auth_token``, ``jwt``)."""
    if not isinstance(data, dict) or depth == 0:
        return
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, str) and len(value) >= 16 and _TOKEN.search(str(key)):
            yield path
        yield from _token_paths(value, path + ".", depth - 1)


def _sign_up(ctx: Context, op: Operation, fields: tuple[str, str], account: Account) -> Request:
    request = ctx.request(op)
    body = dict(request.body) if isinstance(request.body, dict) else {}
    name = account.username
    if "mail" not in fields[0].lower() and any("mail" in key.lower() for key in body):
        # It logs in by e-mail, which the sign-up's e-mail field takes: a user name gets
        # a plain one (``^[a-zA-Z0-9_]+$``, the Express trial's).
        name = name.split("@")[0]
    body.update({fields[0]: name, fields[1]: account.password})
    for key in body:
        if "mail" in key.lower() and key != fields[0]:
            body[key] = f"{account.username.split('@')[0]}@example.com"
        elif key not in fields and is_unique(key) and isinstance(body[key], str):
            body[key] = ctx.synthesizer.fresh.value(key, {}) or body[key]
    if request.body_kind is BodyKind.FORM:
        body = {k: str(v) for k, v in body.items()}
    return dataclasses.replace(request, body=body)
