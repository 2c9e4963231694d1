"""``forged_cookie`` (API2): a cookie that names its user in readable form, trusted unsigned.

Runs once per scan. A "keep me signed in" cookie, or a ``user_id`` beside the session,
often holds the user's own id, name or e-mail with no signature (CWE-565, CWE-642):
``user_id=3``, ``remember=YWxpY2U=``, base64 JSON ``{"uid": "7"}``. ``scan.plain_cookies``
reads those forms. The cookies looked at are:

* every cookie each identity carries: what its login and later answers set, and the
  ``cookies:`` of its file entry;
* those of one more login of the lowest-ranked identity (among equals, a user the scan
  signed up first) whose login operation's body takes a boolean "remember me" flag
  (``remember``, ``remember_me``, ``rememberMe``, ``keep_signed_in``, ``persistent``,
  ``stay_logged_in``…) its file entry leaves out, sent with it ``true``. That login is
  a session apart (``Sessions.log_in``, as the ``logout`` check's second login): the
  identity's working session is never replaced, and where a server keeps one session
  per user the working one logs in afresh at its next 401 (``scan.sessions``).

A cookie counts when its reading (layers that explain all of it, no signature) holds
one of its identity's own identifiers: the user field of its login, the ids of its
login answer or token, its own record's ``id``, ``username`` or ``email`` (``/me``).
Then, for another identity (the highest ranked first; two at most):

1. the same encoding with that identity's identifiers in place of the holder's (in
   JSON, a field that holds the holder's own value of a field of its record, ``role:
   member``, gets the other's: ``role: admin``);
2. sent **alone** (no session, no other credential) with a secured read whose answer
   is the other's: one the other may make and the holder is refused (an admin's
   listing) first, else one the two are answered differently (each one's own record);
3. it gets the other's legitimate answer (``diff.SAME``), while the same read with no
   cookie, and with the holder's own cookie alone, do not: critical, confirmed.

A cookie the server ignores or refuses is silent, and a signed one is never read (a
guessable key is ``session_secret``'s ground). Reads only: safe under ``--safe``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from apiward.core.errors import ConfigError
from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._bearer import accepted, secured_gets
from apiward.scan.checks._privilege import stated
from apiward.scan.context import Context
from apiward.scan.diff import SAME, meaningful, similarity
from apiward.scan.fields import is_remember_flag, tokens, who_fields
from apiward.scan.identities import Identity, Login
from apiward.scan.plain_cookies import Reading, paths, read, replaced, same
from apiward.scan.request import Request
from apiward.scan.sessions import ID_FIELDS
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation, ParameterLocation, json_types

PEERS = 2
"""Other identities a cookie is forged for: a server that ignores it ignores it for all."""
READS = 8
"""Secured reads weighed per pair of identities (their legitimate answers are shared)."""
_WHO_WORDS = frozenset({"id", "uuid", "uid", "sub", "user", "username", "email", "mail"})
_WHO_WORDS |= {"login", "handle", "account"}

Pairs = list[tuple[str, str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Held:
    """A cookie an identity carries whose reading holds one of its own identifiers."""

    identity: Identity
    name: str
    reading: Reading
    login: Reply | None = None
    """The "remember me" login that set it, when one did."""
    flag: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Read:
    """A secured read whose answer is ``peer``'s, and what the holder gets there."""

    operation: Operation
    request: Request
    theirs: Reply
    mine: Reply


class ForgedCookie:
    """A cookie holding its user's id, name or e-mail, trusted with no signature."""

    id = "forged_cookie"
    title = "Unsigned identity cookie lets anyone become another user"
    owasp = "API2:2023"
    cwe = "CWE-565"  # reliance on cookies without validation and integrity checking
    safe = True
    remediation = (
        "Never decide who the caller is from a value the client can write. Keep only an "
        "opaque random token in a 'remember me' cookie and look it up on the server (store "
        "its hash, bound to the user, with an expiry; rotate it on use), or sign the cookie "
        "with a secret key and check the signature before trusting it."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Read each identity's cookies; forge one naming another identity; send it alone."""
        held = _carried(ctx)
        remembered = await _remembered(ctx, {h.name for h in held})
        held += remembered
        if not held:
            yield Skip(
                reason=SkipReason.NOT_APPLICABLE,
                detail="no identity carries a cookie holding its own id, name or e-mail in a "
                "readable form (plain, URL-encoded, base64, hex or JSON; signed ones are "
                "session_secret's)",
            )
            return
        for one in held:
            outcome = await self._forge(ctx, one)
            if outcome is not None:
                yield outcome

    async def _forge(self, ctx: Context, held: _Held) -> Outcome | None:
        mine = _identifiers(ctx, held.identity)
        tried = 0
        for peer in _peers(ctx, held.identity):
            content = _content_for(ctx, held, mine, peer)
            if content is None:
                continue
            target = await _read(ctx, held.identity, peer)
            if target is None:
                continue
            tried += 1
            forged = held.reading.forge(content)
            note = f"{held.name} forged for {peer.name}, alone"
            reply = await ctx.send(
                _alone(ctx, target.request, held.name, forged), as_=None, note=note
            )
            if await accepted(ctx, target.theirs, reply):
                proof = await _controls(ctx, held, target)
                if proof is not None:
                    return self._finding(ctx, held, peer, target, content, [*proof, reply])
            if tried == PEERS:
                break
        if tried:
            return None  # tested: the server ignores or refuses the forged cookie
        return Skip(
            reason=SkipReason.NO_ACCESS,
            detail=f"{held.identity.name}'s cookie {held.name} names it, but no other identity "
            "has both its identifiers known and a secured read answered unlike "
            f"{held.identity.name}'s to forge it for",
        )

    def _finding(
        self,
        ctx: Context,
        held: _Held,
        peer: Identity,
        target: _Read,
        content: dict[str, Any] | str,
        replies: list[Reply],
    ) -> Outcome:
        who, name = held.identity.name, held.name
        anonymous, own, forged = replies[-3:]
        where = target.operation.key
        if not target.mine.ok:
            where += f", a read {who}'s own session is refused ({target.mine.status}),"
        return ctx.finding(
            self,
            target.operation,
            title=f"Unsigned cookie {name} names its user: forged for {peer.name}, it gets "
            f"{peer.name}'s data",
            severity=Severity.CRITICAL,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{who}'s cookie {name}{_set_by(held)} is {_what(ctx, held)}, and nothing "
                f"signs it. The same cookie written for {peer.name} "
                f"({held.reading.text(content)}) and sent alone (no session, no other "
                f"credential) to {where} got {peer.name}'s answer ({forged.status}); "
                f"the same read got {anonymous.status} with no cookie and {own.status} with "
                f"{who}'s own cookie alone. Anyone who knows another user's id, name or e-mail "
                "becomes that user."
            ),
            evidence=[*([held.login] if held.login else []), target.theirs, *replies],
            key=f"forged-cookie:{name}",
        )


def _what(ctx: Context, held: _Held) -> str:
    """What the cookie holds, in words: ``base64 of JSON holding ann's own username``."""
    values = _values(held.reading)
    named = [f for f, v in _identifiers(ctx, held.identity) if any(same(c, v) for c in values)]
    own = f"{held.identity.name}'s own {' and '.join(dict.fromkeys(named))}"
    if isinstance(held.reading.content, dict):
        return held.reading.describe(f"JSON holding {own}")
    return held.reading.describe(own) if held.reading.layers else f"{own}, in plain text"


def _set_by(held: _Held) -> str:
    """Where a cookie came from, when a "remember me" login set it."""
    if held.login is None:
        return ""
    sent = held.login.sent
    return f" (set by {sent.method} {sent.path} with {held.flag}: true)"


def _carried(ctx: Context) -> list[_Held]:
    """Every cookie name some identity carries that holds its own identifier (lowest first)."""
    found: dict[str, _Held] = {}
    for identity in _ascending(ctx):
        known = [v for _, v in _identifiers(ctx, identity)]
        for name, value in ctx.sessions.credentials(identity).cookies:
            reading = read(value, known)
            if name not in found and reading is not None and _holds(reading, known):
                found[name] = _Held(identity=identity, name=name, reading=reading)
    return list(found.values())


async def _remembered(ctx: Context, seen: set[str]) -> list[_Held]:
    """The cookies one more login with "remember me" set, when one of them names the user."""
    if len(ctx.identities) < 2:
        return []  # nobody to forge a cookie for: no login to spend
    for identity in _ascending(ctx):
        remember = remember_login(ctx, identity)
        if remember is None:
            continue
        flag, login = remember
        try:
            fresh = await ctx.sessions.log_in(login, name=f"{identity.name} (remember me)")
        except ConfigError:
            continue  # another identity's login may take it
        known = [v for _, v in _identifiers(ctx, identity)]
        found = []
        for name, value in fresh.cookies:
            reading = read(value, known)
            if name not in seen and reading is not None and _holds(reading, known):
                found.append(
                    _Held(
                        identity=identity, name=name, reading=reading, login=fresh.login, flag=flag
                    )
                )
        return found
    return []


def remember_login(ctx: Context, identity: Identity) -> tuple[str, Login] | None:
    """``identity``'s login with its "remember me" flag set, and the flag; None without one.

    The flag is a boolean property of the login operation's body (or one with no type)
    named ``remember…``, ``persistent`` or ``keep``/``stay`` ``signed``/``logged in``,
    which the identities file does not send already (then its cookies are in the jar).
    Never when ``--include``/``--exclude`` keep the login operation out.
    """
    login = identity.login
    operation = ctx.api.operation(login.method, login.path) if login is not None else None
    if login is None or operation is None or operation.key in ctx.out_of_scope:
        return None
    schema, _ = ctx.synthesizer.body_schema(operation)
    properties = (schema or {}).get("properties")
    for name, sub in (properties if isinstance(properties, dict) else {}).items():
        types = json_types(ctx.api.deref(sub))
        if name in login.body or not is_remember_flag(name) or (types and "boolean" not in types):
            continue
        body = {**login.body, name: "true" if login.form else True}
        return name, dataclasses.replace(login, body=body)
    return None


def _ascending(ctx: Context) -> list[Identity]:
    """The identities, lowest ranked first; among equals, users the scan signed up first
    (an extra login of theirs is a session on the scan's own account)."""
    return sorted(ctx.identities, key=lambda i: (*stated(i), not ctx.ledger.is_own(i)))


def _peers(ctx: Context, identity: Identity) -> Iterator[Identity]:
    """The other identities, the highest ranked first: an admin's data shows the most."""
    others = [i for i in ctx.identities if i.name != identity.name]
    yield from sorted(others, key=stated, reverse=True)


def _identifiers(ctx: Context, identity: Identity) -> Pairs:
    """What names ``identity`` (field, value): its login's user field, login and token ids, ``/me``."""
    found = [(k, str(v)) for k, v in ctx.sessions.own_ids(identity)]
    found += list(who_fields(ctx.harvest.records.get(identity.name, {})).items())
    return list(dict.fromkeys(found))


def _values(reading: Reading) -> list[Any]:
    """The scalars a cookie holds: its bare identifier, or each of its JSON's."""
    content = reading.content
    return [v for _, v in paths(content)] if isinstance(content, dict) else [content]


def _holds(reading: Reading, known: list[str]) -> bool:
    return any(same(v, k) for v in _values(reading) for k in known)


def _content_for(
    ctx: Context, held: _Held, mine: Pairs, peer: Identity
) -> dict[str, Any] | str | None:
    """The cookie's content with ``peer``'s identifiers in place of the holder's, or None."""
    theirs = _identifiers(ctx, peer)
    if isinstance(held.reading.content, str):
        fields = [f for f, v in mine if same(held.reading.content, v)]
        new = next((v for f in fields for g, v in theirs if g == f), None)
        return new if new is not None and not same(new, held.reading.content) else None
    content = held.reading.content
    spots = [(p, v, [f for f, m in mine if same(v, m)]) for p, v in paths(content)]
    spots = [spot for spot in spots if spot[2]]
    spots = [spot for spot in spots if _who_key(spot[0][-1])] or spots
    changes: dict[tuple[str, ...], Any] = {}
    for path, value, fields in spots:
        new = next((v for f in fields for g, v in theirs if g == f), None)
        if new is None:
            return None
        changes[path] = _typed(value, new)
    record = ctx.harvest.records.get(held.identity.name, {})
    other = ctx.harvest.records.get(peer.name, {})
    for path, value in paths(content):
        key = path[-1]
        if path not in changes and key in record and key in other and same(value, str(record[key])):
            changes[path] = _typed(value, other[key])
    forged = replaced(content, changes)
    return forged if forged != content else None


def _who_key(key: str) -> bool:
    words = tokens(key)
    return key in ID_FIELDS or (bool(words) and words[-1] in _WHO_WORDS)


def _typed(old: Any, new: Any) -> Any:
    """``new`` as the type the cookie held (an id written as a number stays a number)."""
    if isinstance(old, int) and str(new).lstrip("-").isdigit():
        return int(new)
    return str(new) if isinstance(old, str) else new


async def _read(ctx: Context, holder: Identity, peer: Identity) -> _Read | None:
    """The best secured read answered as ``peer`` and not as ``holder``: refused to it first."""
    reads = sorted(await secured_gets(ctx), key=lambda op: (_path_ids(op), op.path))[:READS]
    found = await asyncio.gather(*(_weigh(ctx, op, holder, peer) for op in reads))
    ranked = [r for r in found if r is not None]
    return min(ranked, key=lambda r: (r.mine.ok, _path_ids(r.operation))) if ranked else None


async def _weigh(ctx: Context, op: Operation, holder: Identity, peer: Identity) -> _Read | None:
    try:
        theirs = await ctx.legit(op, peer)
        mine = await ctx.legit(op, holder)
        request = ctx.legit_request(op, peer)
    except Withheld:
        return None
    if not theirs.ok or not meaningful(theirs.text):
        return None
    if mine.ok and similarity(mine.text, theirs.text) >= SAME:
        return None  # the same for both: it would not tell whose cookie got in
    return _Read(operation=op, request=request, theirs=theirs, mine=mine)


def _path_ids(op: Operation) -> int:
    return sum(p.location is ParameterLocation.PATH for p in op.parameters)


def _alone(ctx: Context, request: Request, name: str, value: str | None) -> Request:
    """``request`` carrying no credential, only the cookie ``name`` (none when ``value`` is None)."""
    names = {n.lower() for n in ctx.sessions.names} | {"authorization", "cookie"}
    cookies = {k: v for k, v in request.cookies.items() if k.lower() not in names and k != name}
    if value is not None:
        cookies[name] = value
    headers = tuple((k, v) for k, v in request.headers if k.lower() not in names)
    return dataclasses.replace(request, headers=headers, cookies=cookies)


async def _controls(ctx: Context, held: _Held, target: _Read) -> list[Reply] | None:
    """The read with no cookie, and with the holder's own cookie alone: neither gets the peer's."""
    bare = await ctx.send(_alone(ctx, target.request, held.name, None), as_=None, note="no cookie")
    own = held.reading.forge(held.reading.content)
    note = f"{held.identity.name}'s own {held.name}, alone"
    mine = await ctx.send(_alone(ctx, target.request, held.name, own), as_=None, note=note)
    for reply in (bare, mine):
        if reply.ok and similarity(reply.text, target.theirs.text) >= SAME:
            return None  # the read is not the peer's alone, or any such cookie gets in
    return [bare, mine]
