"""Another user's credential in an answer: account takeover, whatever the contract declares.

An answer to identity B that carries a working credential of another user A lets B act
as A, so a contract that declares the field (``api_key`` in a generated schema) changes
nothing. The evidence, strongest first:

* **held** — a value equal to a credential the scan holds for another identity of the
  file and not for the caller: a header that carries one (``Authorization: Bearer …``,
  ``X-API-Key``), a session cookie, a password it logs in with (``Sessions.credentials``:
  not a ``lang`` cookie nor a tenant header, which users share). Critical, confirmed:
  the scan itself authenticates as A with that very value; high when B's role is above
  A's (``rank``, else the role's name): an administrator's view is no escalation.
* **used** — a key-like value (``MIN_LENGTH``+ characters, no space, high entropy) in a
  field named like a credential (``api_key``, ``token``, ``secret``; not ``public_key``,
  ``key_id``, ``publishable_key``, ``token_ttl``: ``_secrets.secret_named``), not the
  caller's own, sent the way the API takes credentials (as the identities send theirs,
  then the contract's apiKey and bearer schemes) on a me-like read
  (``_readback.me_like``) that refuses anonymous callers: a 2xx showing another person
  than the caller's own read shows is critical, confirmed. Read-only, at most
  ``MAX_TRIED`` values per operation.
* **listed** — in a list answer, such a value that could not be used, in an item that is
  not the caller's while another item is (it carries the caller's credential, or an own
  id of its login answer or token but a bare ``id``): high, firm (a directory listing
  everyone's key). When no item can be told the caller's and the list holds distinct
  values, low, tentative: a list of one's own keys reads the same.

Neither *listed* nor *shown alike*: a value named for a link or a signature, not an account
(``share_token``, ``inviteCode``, ``signing_secret``, a webhook's ``secret``): the Rails and
Go trials' share links and webhook signing secrets, shown to the staff meant to copy them,
were called account takeover. Such a value is still tried on a me-like read (*used*).

Never a finding: a value of the caller's own (a ``/me`` showing its key, a key it has just
created answered once), a value that authenticates as the caller, or as the account the
request named beside its password (a sign-up or a login answers the new or logged-in
user's own token, whoever else's token rode along), the contract's own examples. Every value found is added to the scan's secrets, so no report shows it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from apiward.core.findings import Confidence, Severity
from apiward.core.redact import secret_name
from apiward.core.sensitive import entropy
from apiward.scan._objects import VOLATILE
from apiward.scan.checks._readback import fields, json_object, me_like
from apiward.scan.checks._secrets import (
    MIN_SECRET_ENTROPY,
    contract_values,
    secret_kind,
    secret_named,
)
from apiward.scan.context import Context
from apiward.scan.fields import is_identifier, is_password, tokens
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.scan.values import rank
from apiward.spec import ParameterLocation

MIN_HELD = 8
"""Held credentials shorter than this are not looked for: too many chance equalities."""
MIN_LENGTH = 16
MAX_TRIED = 2
_SCHEMES = ("bearer ", "token ", "basic ", "jwt ")
_PERSON = {"name", "username", "email", "login", "sub"}
_NOT_AN_ACCOUNT = frozenset(
    {"share", "shared", "sharing", "invite", "invitation", "link", "signing", "signature", "hmac"}
)
"""Words of a field whose secret opens a link or signs a message, not an account."""
_HOOKS = frozenset({"webhook", "webhooks", "hook", "hooks", "callback", "callbacks"})
"""Words of a path whose items' ``secret`` signs deliveries."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Handed:
    """A property path of an answer that hands the caller another user's credential."""

    path: str
    what: str
    severity: Severity
    confidence: Confidence
    evidence: tuple[Reply, ...]
    known: bool = True
    """False when whose the credential is could not be told (a list of one's own keys?)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Spot:
    """A string in an answer: where, under which name, in which list item (if any)."""

    path: str
    name: str
    value: str
    item: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Carried:
    """A credential an identity sends: where it goes, what goes before it, its value."""

    identity: str
    where: Where
    name: str
    prefix: str
    value: str


def _carried(ctx: Context) -> Iterator[_Carried]:
    """The credentials the identities send: headers and cookies that carry one.

    A header named like a credential (``Authorization``, ``X-API-Key``) or holding a
    scheme (``Bearer …``); a cookie named so or holding a long random value: not a
    ``lang`` or a tenant's name, which many users share.
    """
    for identity in ctx.identities:
        credentials = ctx.sessions.credentials(identity)
        for name, value in credentials.headers:
            scheme = value.split(" ", 1)[0] + " " if value.lower().startswith(_SCHEMES) else ""
            if scheme or secret_name(name):
                bare = value[len(scheme) :].strip()
                yield _Carried(
                    identity=identity.name, where=Where.HEADER, name=name, prefix=scheme, value=bare
                )
        for name, value in credentials.cookies:
            if secret_name(name) or (
                len(value) >= MIN_LENGTH and entropy(value) >= MIN_SECRET_ENTROPY
            ):
                yield _Carried(
                    identity=identity.name, where=Where.COOKIE, name=name, prefix="", value=value
                )


def held(ctx: Context) -> dict[str, tuple[frozenset[str], str]]:
    """Every credential value the scan holds: whose it is (one or more identities), what it is."""
    found: dict[str, tuple[set[str], str]] = {}
    for carried in _carried(ctx):
        kind = f"{carried.prefix.strip().lower() or carried.name} credential"
        if carried.where is Where.COOKIE:
            kind = f"session cookie {carried.name}"
        found.setdefault(carried.value, (set(), kind))[0].add(carried.identity)
    for identity in ctx.identities:
        for password in _passwords(identity):
            found.setdefault(password, (set(), "password"))[0].add(identity.name)
    return {
        value: (frozenset(owners), kind)
        for value, (owners, kind) in found.items()
        if len(value.strip()) >= MIN_HELD
    }


def own_credentials(ctx: Context, name: str) -> frozenset[str]:
    """The credential values identity ``name`` holds itself (its own to see)."""
    return frozenset(v for v, (owners, _) in held(ctx).items() if name in owners)


def _passwords(identity: Identity) -> list[str]:
    """The passwords ``identity`` logs in with: fields named so, and HTTP basic's."""
    found = [b.password for b in (identity.basic, identity.login and identity.login.basic) if b]
    if identity.login is not None:
        sent = {**identity.login.body, **identity.login.query}
        found += [str(v) for k, v in sent.items() if is_password(k) and isinstance(v, str | int)]
    return found


def _bare(value: str) -> set[str]:
    """``value`` and, for ``Bearer xyz``, ``xyz``: what an answer may carry."""
    found = {value.strip()}
    if value.lower().startswith(_SCHEMES):
        found.add(value.split(" ", 1)[1].strip())
    return found


async def handed(ctx: Context, reply: Reply, caller: Identity) -> list[Handed]:
    """Paths of ``reply`` (to ``caller``) that carry another user's credential."""
    data = reply.data if reply.ok else None
    if data is None:
        return []
    keys = held(ctx)
    public = contract_values(ctx.api)
    spots = [s for s in _spots(data) if s.value.strip() not in public]
    found: dict[str, Handed] = {}
    for spot in spots:
        owner = next((keys[v] for v in _bare(spot.value) if v in keys), None)
        if owner is not None and caller.name not in owner[0] and spot.path not in found:
            whose = " and ".join(sorted(owner[0]))
            above = _outranks(ctx, caller, owner[0])
            found[spot.path] = Handed(
                path=spot.path,
                what=f"{whose}'s credential (the {owner[1]} the scan authenticates {whose} with)"
                + (f"; {caller.name}'s role is above theirs" if above else ""),
                severity=Severity.HIGH if above else Severity.CRITICAL,
                confidence=Confidence.CONFIRMED,
                evidence=(reply,),
            )
    mine = {v for v, (owners, _) in keys.items() if caller.name in owners}
    loose = [s for s in spots if _loose(s, keys) and s.path not in found]
    for item in await _judged(ctx, reply, caller, loose, _own_items(ctx, caller, spots, mine)):
        found.setdefault(item.path, item)
    return sorted(found.values(), key=lambda h: h.path)


def loose_values(ctx: Context, reply: Reply) -> dict[str, frozenset[str]]:
    """The key-like values in credential-named fields of ``reply``, by property path."""
    data = reply.data if reply.ok else None
    if data is None:
        return {}
    keys, public = held(ctx), contract_values(ctx.api)
    found: dict[str, set[str]] = {}
    for spot in _spots(data):
        if _for_a_link(spot, reply):
            continue
        if spot.value.strip() not in public and _loose(spot, keys):
            found.setdefault(spot.path, set()).add(spot.value.strip())
    return {path: frozenset(values) for path, values in found.items()}


def shared(item: Handed, callers: Collection[str]) -> Handed:
    """``item``, a list of credentials whose owner is unknown, shown alike to several callers.

    One key is one user's: listed to two identities, it is another's to one of them at least.
    """
    return dataclasses.replace(
        item,
        what=f"the same credentials are listed to {' and '.join(sorted(callers))}: each is "
        "another user's to one of them at least",
        severity=Severity.HIGH,
        confidence=Confidence.FIRM,
        known=True,
    )


def shown_alike(ctx: Context, values: Mapping[str, frozenset[str]]) -> list[str]:
    """The callers shown a credential another caller was shown too, but an overseer.

    An overseer ranks above all the others and is shown more than all of them together:
    a value an admin sees among every user's, beside alice who sees hers, is alice's own
    overseen (the LoopBack trial's share tokens), not another's handed to her; an owner
    and a viewer shown the same keys are each shown another's.
    """
    callers = {
        a for a, mine in values.items() for b, theirs in values.items() if a != b and mine & theirs
    }
    known = {i.name: i for i in ctx.identities}

    def oversees(caller: str) -> bool:
        others = [c for c in callers if c != caller]
        below = frozenset().union(*(values.get(c, frozenset()) for c in others))
        mine = values.get(caller, frozenset())
        return caller in known and _outranks(ctx, known[caller], others) and mine > below

    return [c for c in callers if not oversees(c)]


def _outranks(ctx: Context, caller: Identity, owners: Collection[str]) -> bool:
    """Whether ``caller`` is above every owner: an admin's view is no escalation of its own."""
    levels = {i.name: i.rank if i.rank is not None else rank(i.role) for i in ctx.identities}
    return all(levels.get(caller.name, 0) > levels.get(o, 0) for o in owners)


def _loose(spot: _Spot, keys: Collection[str]) -> bool:
    """A key-like value in a credential-named field that no identity of the file holds."""
    text = spot.value.strip()
    if not secret_named(spot.name) or any(v in keys for v in _bare(text)):
        return False
    if len(text) < MIN_LENGTH or " " in text or entropy(text) < MIN_SECRET_ENTROPY:
        return False
    return secret_kind(spot.name, text, declared=True) is None  # hashes: the secrets rule's


def _own_items(
    ctx: Context, caller: Identity, spots: list[_Spot], mine: set[str]
) -> set[int] | None:
    """The list items that are the caller's (its name, user id or credential); None: none known.

    Not by a bare ``id``: the caller's user id 1 is also the first key of a list of keys.
    """
    ids = {(str(k), str(v)) for k, v in ctx.sessions.own_ids(caller) if k != "id"}
    own = {
        s.item
        for s in spots
        if s.item is not None and (s.value.strip() in mine or (s.name, s.value) in ids)
    }
    return {i for i in own if i is not None} or None


async def _judged(
    ctx: Context,
    reply: Reply,
    caller: Identity,
    loose: list[_Spot],
    own: set[int] | None,
) -> list[Handed]:
    """Loose values: used as the caller's peers would, else judged by the list they are in."""
    found: list[Handed] = []
    others = [s for s in loose if own is None or s.item not in own]
    tried: set[str] = set()
    for spot in others:
        value = spot.value.strip()
        if spot.path in {f.path for f in found}:
            continue
        ctx.sessions.secrets.add(value)
        if value in tried or len(tried) >= MAX_TRIED:
            verdict, proof = "untried", None
        else:
            tried.add(value)
            verdict, proof = await _use(ctx, caller, value)
        if verdict == "another" and proof is not None and not _named_by(reply.sent, proof):
            found.append(
                Handed(
                    path=spot.path,
                    what="another user's working credential: sent on a read of one's own "
                    "account, it authenticated as someone else",
                    severity=Severity.CRITICAL,
                    confidence=Confidence.CONFIRMED,
                    evidence=(reply, proof),
                )
            )
        elif verdict != "self" and spot.item is not None and not _for_a_link(spot, reply):
            listed = _listed(spot, loose, own, reply)
            if listed is not None:
                found.append(listed)
    return found


def _named_by(sent: Request, proof: Reply) -> bool:
    """Whether the person ``proof`` shows is the account ``sent`` named beside its password.

    A sign-up or a login answers that account's own credential to whoever sent its
    password, whoever else's token rode along: what it is for, not another's handed out.
    """
    body = sent.body if isinstance(sent.body, dict) else {}
    if not any(is_password(k) for k in body):
        return False
    named = {str(v) for k, v in body.items() if isinstance(v, str | int) and not is_password(k)}
    shown = fields(json_object(proof) or {})
    return any(
        n.rsplit(".", 1)[-1].lower() in _PERSON and str(v) in named for n, v in shown.items()
    )


def _for_a_link(spot: _Spot, reply: Reply) -> bool:
    """True for a value named for a link or a signature (``share_token``, a webhook's secret)."""
    if set(tokens(spot.name)) & _NOT_AN_ACCOUNT:
        return True
    return bool(set(tokens(reply.sent.path)) & _HOOKS)


def _listed(spot: _Spot, loose: list[_Spot], own: set[int] | None, reply: Reply) -> Handed | None:
    """A credential in a list item: high when another item is the caller's, else low."""
    if own is not None:
        return Handed(
            path=spot.path,
            what="a credential in another user's item of the list (the caller's own "
            "item is another one)",
            severity=Severity.HIGH,
            confidence=Confidence.FIRM,
            evidence=(reply,),
        )
    if len({s.value.strip() for s in loose if s.path == spot.path}) < 2:
        return None
    return Handed(
        path=spot.path,
        what="distinct credentials in the items of a list (whose they are is not known)",
        severity=Severity.LOW,
        confidence=Confidence.TENTATIVE,
        evidence=(reply,),
        known=False,
    )


def _spots(data: Any) -> Iterator[_Spot]:
    """Every string or number of ``data``, with the number of the top list item holding it."""
    yield from _walk(data, "", None, _Counter())


class _Counter:
    """Numbers list items across a whole answer, so two lists' items never share one."""

    def __init__(self) -> None:
        self.next = 0

    def take(self) -> int:
        self.next += 1
        return self.next


def _walk(data: Any, path: str, item: int | None, counter: _Counter) -> Iterator[_Spot]:
    if isinstance(data, list):
        for value in data:
            yield from _walk(value, f"{path}[]", counter.take() if item is None else item, counter)
    elif isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                yield _Spot(path=where, name=str(key), value=str(value), item=item)
            else:
                yield from _walk(value, where, item, counter)


_TRIED: WeakKeyDictionary[Context, dict[str, tuple[str, Reply | None]]] = WeakKeyDictionary()


async def _use(ctx: Context, caller: Identity, value: str) -> tuple[str, Reply | None]:
    """Whom ``value`` authenticates as on a me-like read: ``another``, ``self`` or ``none``."""
    known = _TRIED.setdefault(ctx, {})
    if value not in known:
        known[value] = await _first_use(ctx, caller, value)
    return known[value]


async def _first_use(ctx: Context, caller: Identity, value: str) -> tuple[str, Reply | None]:
    me = next(iter(me_like(ctx)), None)
    if me is None:
        return "none", None
    own = await ctx.legit(me, caller)
    anonymous = ctx.harvest.anonymous.get(me.key) or await ctx.shared(
        ("anonymous", me.key),
        lambda: ctx.send(ctx.request(me), as_=None, note="anonymous read"),
    )
    if json_object(own) is None or anonymous.ok:
        return "none", None  # nothing to compare with, or a read that needs no credential
    for put in _ways(ctx)[:3]:
        note = "another user's credential from an answer, on a read of one's own account"
        reply = await ctx.send(put(ctx.request(me), value), as_=None, note=note)
        shown = json_object(reply)
        if shown is not None:
            return _whom(json_object(own) or {}, shown), reply
    return "none", None


def _whom(own: Mapping[str, Any], shown: Mapping[str, Any]) -> str:
    """``self`` when both reads show the same person, ``another`` when not, else ``none``.

    Not by what changes on its own: the caller's ``last_login_at`` moved between its own read
    and the token's, and its own new token was called another's (the Litestar trial's).
    """
    mine, theirs = fields(own), fields(shown)
    names = [
        n
        for n in mine
        if n in theirs
        and (n.rsplit(".", 1)[-1].lower() in _PERSON or is_identifier(n))
        and not VOLATILE.search(n.rsplit(".", 1)[-1])
    ]
    if any(str(mine[n]) != str(theirs[n]) for n in names):
        return "another"
    return "self" if names or mine == theirs else "none"


class _Put:
    """Puts a credential where the API takes one: a header (with a prefix), cookie or query."""

    def __init__(self, where: Where, name: str, prefix: str = "") -> None:
        self.where, self.name, self.prefix = where, name, prefix

    def __call__(self, request: Request, value: str) -> Request:
        return request.with_param(self.where, self.name, self.prefix + value)

    def key(self) -> tuple[str, str, str]:
        return (self.where.value, self.name.lower(), self.prefix.lower())


def _ways(ctx: Context) -> list[_Put]:
    """How the identities send their credentials, then the contract's apiKey and bearer schemes."""
    ways = [_Put(c.where, c.name, c.prefix) for c in _carried(ctx) if c.prefix.lower() != "basic "]
    for declared in ctx.api.security_schemes.values():
        if declared.type == "apiKey" and declared.parameter_name and declared.location is not None:
            where = {
                ParameterLocation.HEADER: Where.HEADER,
                ParameterLocation.QUERY: Where.QUERY,
                ParameterLocation.COOKIE: Where.COOKIE,
            }.get(declared.location)
            if where is not None:
                ways.append(_Put(where, declared.parameter_name))
        elif declared.type == "http" and (declared.scheme or "").lower() == "bearer":
            ways.append(_Put(Where.HEADER, "Authorization", "Bearer "))
    unique: dict[tuple[str, str, str], _Put] = {}
    for way in ways:
        unique.setdefault(way.key(), way)
    return list(unique.values())
