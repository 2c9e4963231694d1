"""Throwaway users through a sign-up operation, and what shows a new account's record.

A sign-up is a public POST whose body carries a password; a throwaway user gets fresh
values in every required string field (``scan.values.Fresh``: e-mail, names... must be
unique) and logs in through an identity's login (else the contract's login that
``scan.provision`` would use) with its own credentials filled in. The ledger lists each
account in the target state with its *names* — the values that address it in a path
(its user name, e-mail, the id its answer or its token gave) — so that the scan may
send a destructive operation on it, and on no other account.

What shows the new account (:attr:`Account.views`), each read only after the sign-up
was stored and the account logged in: the login's answer, the claims of its token or
signed session, the readers of ``scan.checks._readback`` (a GET on the same path, a
me-like read), and the user's own item — a GET with one path parameter near the sign-up
or under a collection of people (``/users/{username}``) that, given one of the
account's names, answers an object that shows it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiward.core.errors import ConfigError, TargetError
from apiward.scan import accounts
from apiward.scan.checks._readback import (
    fields,
    json_object,
    me_like,
    object_schema,
    read_back,
    send_as,
    with_field,
)
from apiward.scan.context import Context
from apiward.scan.envelope import MAX_DEPTH, is_meta
from apiward.scan.fields import PASSWORD, credentials, is_unique, tokens
from apiward.scan.identities import Basic, Login
from apiward.scan.login import refused
from apiward.scan.provision import sign_up_route
from apiward.scan.request import Request, Where
from apiward.scan.sessions import ID_FIELDS, Credentials, claims
from apiward.scan.transport import Reply
from apiward.spec import Operation, ParameterLocation, Schema, json_types

MAX_ITEM_READS = 2
"""Item GETs tried to find the new user's own record (each with each of its names)."""
_PEOPLE = re.compile(r"^(users?|accounts?|members?|customers?|people|profiles?|me)$", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """The new account as one source showed it."""

    where: str
    reply: Reply
    data: dict[str, Any]
    reader: Operation | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """A user the scan signed up: what it sent, the answer, its login and what shows it."""

    request: Request
    reply: Reply
    who: Credentials
    login: Login
    names: dict[str, str]
    """Field name -> value for what addresses the account in a path (user name, e-mail, id)."""
    views: tuple[View, ...] = ()

    def shown(self) -> dict[str, tuple[Any, View]]:
        """Every field (dotted path) a view shows, with the first view that shows it."""
        found: dict[str, tuple[Any, View]] = {}
        for view in self.views:
            for name, value in fields(view.data).items():
                found.setdefault(name, (value, view))
        return found


async def register(
    ctx: Context,
    op: Operation,
    properties: Mapping[str, Schema],
    login: Login,
    setting: Mapping[str, Any] | None = None,
    *,
    note: str = "",
    read: bool = True,
) -> Account | None:
    """Register a throwaway user (with ``setting`` added), log in as it, read what shows it.

    ``read=False``: no views (a victim is only addressed by its names, never read).
    """
    request = _fresh(ctx, op, properties)
    for name, value in (setting or {}).items():
        request = with_field(request, name, value)
    said = note or (f"sign-up with {', '.join(setting)}" if setting else "a plain sign-up")
    # A plain sign-up makes a user of the scan's own; one with a setting is a probe, one of
    # at most MAX_FIELDS + 1 (mass_assignment): sent even where its account would stay.
    with accounts.own_sign_up() if not setting else accounts.bounded():
        reply = await send_as(ctx, request, None, said)
    if not reply.ok or refused(reply):
        return None
    names = _names(ctx, op, request, reply)
    _listed(ctx, request, reply, names)
    try:
        who = await ctx.sessions.log_in(_filled(login, request), name="apiward sign-up")
    except ConfigError:
        return None
    # The sign-up's answer names the account; a login that makes an object of its own (an
    # API key: ``{"id": 11, "key": ...}``) only fills what it did not (the Koa trial's key
    # id 11 stood for account 13, whose row then said another's DELETE had removed it).
    for key, value in _claimed(who).items():
        names.setdefault(key, value)
    _listed(ctx, request, reply, names)
    account = Account(request=request, reply=reply, who=who, login=login, names=names)
    return dataclasses.replace(account, views=await _views(ctx, op, account)) if read else account


async def logs_in(ctx: Context, account: Account) -> bool:
    """True while ``account`` can still log in (False once it was deleted or locked)."""
    try:
        await ctx.sessions.log_in(_filled(account.login, account.request), name="apiward sign-up")
    except ConfigError:
        return False
    except TargetError:
        if ctx.sessions.transport.down is not None:
            raise
        return True
    return True


async def again(ctx: Context, op: Operation, account: Account) -> Account | None:
    """``account`` logged in afresh and read as :func:`register` read it (None: it cannot log in)."""
    try:
        who = await ctx.sessions.log_in(
            _filled(account.login, account.request), name="apiward sign-up"
        )
    except ConfigError:
        return None
    account = dataclasses.replace(account, who=who)
    return dataclasses.replace(account, views=await _views(ctx, op, account))


def is_sign_up(ctx: Context, op: Operation, properties: Mapping[str, Schema]) -> bool:
    """A public POST (``scan.openness``) whose body carries a password: it creates a user."""
    public = ctx.sessions.openness.public(op)
    secret = any(PASSWORD.search(n) or s.get("format") == "password" for n, s in properties.items())
    return op.method == "POST" and public and secret


def login_template(ctx: Context, op: Operation, writable: set[str]) -> Login | None:
    """An identity's login whose credential fields the sign-up also carries, else the contract's."""
    for identity in ctx.identities:
        login = identity.login
        if login is not None and any(PASSWORD.search(k) and k in writable for k in login.body):
            return login
    route = sign_up_route(
        ctx.api, ctx.identities, ctx.synthesizer, ctx.scope, ctx.sessions.openness
    )
    return route[1] if route is not None and route[0].key == op.key else None


def _listed(ctx: Context, request: Request, reply: Reply, names: Mapping[str, str]) -> None:
    user = [v for k, v in names.items() if "user" in tokens(k) or "username" in tokens(k)]
    account = next(iter([*user, *names.values()]), "(unnamed)")
    ctx.ledger.account(request, reply, name=account, names=frozenset(names.values()))


def _names(ctx: Context, op: Operation, request: Request, reply: Reply) -> dict[str, str]:
    """What addresses the new account: its unique fields as sent, the id its answer gave."""
    body = request.body if isinstance(request.body, dict) else {}
    names = {
        k: str(v)
        for k, v in body.items()
        if is_unique(k) and not PASSWORD.search(k) and isinstance(v, str | int) and str(v)
    }
    made = accounts.new_account(ctx.api, request, reply)
    if made is not None:
        names["id"] = made
    return names


def _claimed(who: Credentials) -> dict[str, str]:
    """The new account's ids in its login answer or its token's claims."""
    found: dict[str, str] = {}
    answer = json_object(who.login) or {}
    for source in (claims(who), answer):
        for key in ID_FIELDS:
            value = source.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                found.setdefault(key, str(value))
    return found


async def _views(ctx: Context, op: Operation, account: Account) -> tuple[View, ...]:
    views: list[View] = []
    who, login = account.who, account.who.login
    answer = _own(json_object(login), account.names)
    if login is not None and answer is not None:
        views.append(View(where="the new user's login answer", reply=login, data=answer))
    held = claims(who)
    if login is not None and held:
        views.append(View(where="the new user's token claims", reply=login, data=held))
    seen = await read_back(ctx, op, account.request, who)
    if seen is not None:
        views.append(
            View(where=seen.reader.key, reply=seen.reply, data=seen.data, reader=seen.reader)
        )
    item = await _item(ctx, op, account)
    if item is not None:
        views.append(item)
    return tuple(views)


def _own(
    data: dict[str, Any] | None, names: Mapping[str, str], depth: int = 2
) -> dict[str, Any] | None:
    """The object in a login answer that shows one of the account's names (``{"user": {...}}``)."""
    if data is None:
        return None
    values = set(names.values())
    if any(str(v) in values for v in data.values() if not isinstance(v, dict | list)):
        return data
    for value in data.values():
        if isinstance(value, dict) and depth > 0 and (inner := _own(value, names, depth - 1)):
            return inner
    return None


async def learn(ctx: Context, op: Operation, account: Account) -> dict[str, Reply]:
    """Read the listings and me-like reads about users as ``account``: what values fields take.

    ``scan.values.Observed`` learns from every answer; a privilege field's probe value
    must be one the API showed (``plan``: ``free``, ``pro``), never an invented one. A
    read that already showed the account (its :attr:`Account.views`) is not sent again.
    Returns the account's answers by operation, of every read without path parameters
    sent as synthesised (the views' and these).
    """
    read = {
        view.reader.key: view.reply
        for view in account.views
        if view.reader is not None and not _path_params(view.reader)
    }
    for reader in about_users(ctx, op):
        if not _path_params(reader) and reader.key not in read:
            note = "learn what users' fields hold"
            read[reader.key] = await send_as(ctx, ctx.request(reader), account.who, note)
    return read


async def _item(ctx: Context, op: Operation, account: Account) -> View | None:
    """The new user's own record through a GET of one item by one of its names."""
    for reader in item_reads(ctx, op)[:MAX_ITEM_READS]:
        (param,) = _path_params(reader)
        # Outside a collection of people, only a name the parameter itself names: a card
        # is read by a card's reference, never by its holder's e-mail.
        people = any(_PEOPLE.match(s) for s in reader.path.strip("/").split("/")[:-1])
        for value in ordered(account.names, param, strict=not people):
            if not _fits_type(ctx, reader, param, value):
                continue  # a name where the contract asks for a number: refused, not read
            request = ctx.request(reader).with_param(Where.PATH, param, value)
            reply = await send_as(ctx, request, account.who, f"read the new user back ({op.key})")
            data = json_object(reply)
            if data is not None and value in {str(v) for v in fields(data).values()}:
                return View(where=reader.key, reply=reply, data=data, reader=reader)
    return None


def item_reads(ctx: Context, op: Operation) -> list[Operation]:
    """GETs of one item by one path parameter, under a collection of people or nearest ``op``."""
    found = []
    for reader in ctx.probes:
        if reader.method != "GET" or not reader.path.endswith("}"):
            continue
        if len(_path_params(reader)) != 1:
            continue
        segments = reader.path.strip("/").split("/")[:-1]
        near = _shared(segments, op.path.strip("/").split("/"))
        people = any(_PEOPLE.match(s) for s in segments)
        if near or people:
            found.append((-near, not people, reader.path, reader))
    return [reader for *_, reader in sorted(found, key=lambda t: t[:3])]


def about_users(ctx: Context, op: Operation) -> list[Operation]:
    """Reads whose answers describe users: the item reads, their collections, me-like reads."""
    found: list[Operation] = []
    for reader in item_reads(ctx, op)[:MAX_ITEM_READS]:
        listing = ctx.api.operation("GET", reader.path.rsplit("/", 1)[0])
        found += [reader, *([listing] if listing is not None else [])]
    unique = {op.key: op for op in [*found, *me_like(ctx)]}
    return list(unique.values())


def content_schema(ctx: Context, schema: Schema | None) -> Schema | None:
    """The schema inside an answer's envelope (``{"status", "data": {...}}``), items of a list."""
    for _ in range(MAX_DEPTH):
        if schema is None:
            return None
        schema = ctx.api.deref(schema)
        if "array" in json_types(schema) or "items" in schema:
            schema = schema.get("items")
            continue
        properties = object_schema(ctx, schema)
        nested = [
            sub
            for name, sub in properties.items()
            if not is_meta(name) and (json_types(sub) & {"object", "array"} or "properties" in sub)
        ]
        if len(nested) != 1 or len(properties) - 1 > sum(is_meta(n) for n in properties):
            return schema
        schema = nested[0]
    return schema


def _shared(one: list[str], other: list[str]) -> int:
    count = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        count += 1
    return count


def _fits_type(ctx: Context, reader: Operation, param: str, value: str) -> bool:
    """Whether ``value`` can be the path parameter ``param`` by its declared type."""
    for p in reader.parameters:
        if p.name == param and p.location is ParameterLocation.PATH:
            kinds = json_types(ctx.api.deref(p.schema))
            if kinds & {"integer", "number"}:
                return value.lstrip("-").replace(".", "", "number" in kinds).isdigit()
    return True


def _path_params(op: Operation) -> list[str]:
    return [p.name for p in op.parameters if p.location is ParameterLocation.PATH]


def ordered(names: Mapping[str, str], param: str, *, strict: bool = False) -> list[str]:
    """The account's names for path parameter ``param``, the one whose field it names first.

    ``strict``: only names whose field the parameter names (``{username}``, ``{user_id}``).
    """
    words = set(tokens(param))
    matching = [v for k, v in names.items() if set(tokens(k)) & words]
    return list(dict.fromkeys(matching if strict else [*matching, *names.values()]))


def _filled(login: Login, request: Request) -> Login:
    """The identity's login with the sign-up's values; ConfigError when the sign-up has no
    password for it: a file identity's own is never sent for another account."""
    body = dict(request.body) if isinstance(request.body, dict) else {}
    sent = [v for k, v in body.items() if PASSWORD.search(k)]
    wanted = [k for k in (*login.body, *login.query) if PASSWORD.search(k) and k not in body]
    if (wanted and len(sent) != 1) or (login.basic is not None and credentials(list(body)) is None):
        raise ConfigError("the sign-up sent no password to log its account in with")
    if wanted:
        body |= dict.fromkeys(wanted, sent[0])
    fields = {k: _field(body, k, v) for k, v in login.body.items()}
    query = {k: str(_field(body, k, v)) for k, v in login.query.items()}
    basic, names = login.basic, credentials(list(body))
    if basic is not None and names is not None:
        basic = Basic(username=str(body[names[0]]), password=str(body[names[1]]))
    return dataclasses.replace(login, body=fields, query=query, basic=basic)


def _field(body: Mapping[str, Any], name: str, value: Any) -> Any:
    """The sign-up's value for login field ``name``: the same name, else the e-mail it stands for.

    An OAuth2 password grant logs in with ``username``, which many APIs fill with the
    e-mail their sign-up took as ``email``: the identity's own value says which it is.
    """
    if name in body:
        return body[name]
    if isinstance(value, str) and "@" in value:
        mails = [
            v for k, v in body.items() if isinstance(v, str) and "@" in v and "mail" in k.lower()
        ]
        if len(mails) == 1:
            return mails[0]
    return value


def _fresh(ctx: Context, op: Operation, properties: Mapping[str, Schema]) -> Request:
    """A sign-up with only the required fields, each string one fresh (names, e-mail...)."""
    request = ctx.request(op)
    body = dict(request.body) if isinstance(request.body, dict) else {}
    schema, _ = ctx.synthesizer.body_schema(op)
    required = set((schema or {}).get("required", ())) or set(body)
    # Its password even where optional: the account must log in with what the scan chose.
    required |= {name for name in body if PASSWORD.search(name)}
    required |= set(ctx.synthesizer.values)  # the user's test data: a club to join, a code
    fresh: dict[str, Any] = {}
    for name in sorted(required & set(body)):
        fresh[name] = _unique(ctx, op, name, properties.get(name, {}), body[name])
        if PASSWORD.search(name):
            ctx.sessions.secrets.add(str(body[name]))
    return dataclasses.replace(request, body=fresh)


def _unique(ctx: Context, op: Operation, name: str, schema: Schema, value: Any) -> Any:
    """A fresh value for a plain string field: a sign-up's names may have to be unique.

    Not for the user's own value (``--value``), nor for a field that picks another object
    (``clubSlug``: ``Synthesizer.refers_elsewhere``): a fresh one names nothing there.
    """
    if not isinstance(value, str) or PASSWORD.search(name) or "enum" in schema:
        return value
    if name in ctx.synthesizer.values or ctx.synthesizer.refers_elsewhere(op, name):
        return value
    if schema.get("format") not in {None, "email", "idn-email"}:
        return value
    fresh = ctx.synthesizer.fresh.value(name, schema)
    return value if fresh is None else fresh
