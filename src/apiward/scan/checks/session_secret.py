"""``session_secret`` (API2): a signed session cookie whose secret key is in a wordlist.

Runs once per scan. The first identity whose cookie is a signed session of a framework
``scan.signed_cookies`` knows (Starlette, Flask, Django, Mojolicious) has its key guessed
offline, from the same dictionary as the JWT secrets (``checks._weak_keys``:
``jwt_secrets.txt`` plus words of the API's title and host). With a key found, on a representative secured GET (``bearer.subject``):

* a cookie holding the identity's own session, signed now with a random key, must be
  refused (else signatures are not checked at all: not this check's finding);
* the same session signed now with the guessed key must get the identity's own answer:
  the API accepts cookies the scanner made, so anyone can write any session (high);
* with another identity's session readable, the own session with that identity's id
  fields (``uid``, ``user_id``, Mojolicious' ``user``...) forged in: its answer shows that
  identity's data (impersonation shown: critical).

The key is shown as its first two characters and its length only.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

from apiward.core.findings import Confidence, Severity
from apiward.scan import signed_cookies
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks import _weak_keys as weak_keys
from apiward.scan.checks._bearer import Subject, accepted, alone, subject, swap
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.identities import Identity
from apiward.scan.sessions import ID_FIELDS
from apiward.scan.signed_cookies import Scheme, SignedCookie
from apiward.scan.transport import Reply

_SESSION_IDS = (*ID_FIELDS, "user")
"""Where a session names its user: the ids of logins and tokens, and ``user``, which the
Mojolicious guides keep in the session (``$c->session(user => $name)``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Held:
    """An identity and the signed session cookie it carries."""

    identity: Identity
    cookie: SignedCookie


class SessionSecret:
    """Session cookies signed with a secret key from a wordlist."""

    id = "session_secret"
    title = "Session cookie signed with a guessable key"
    owasp = "API2:2023"
    cwe = "CWE-1391"  # use of weak credentials: the key is in a wordlist
    safe = True
    remediation = (
        "Sign session cookies with a random secret key of at least 32 bytes kept out of the "
        "code and the repository, rotate it now (every cookie signed with the old key can be "
        "forged), and keep in the cookie only an opaque id whose session lives on the server."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Guess the key of the first signed session cookie; prove a forged cookie works."""
        held = _held(ctx)
        if not held:
            known = ", ".join(signed_cookies.FRAMEWORKS)
            detail = f"no identity carries a signed session cookie ({known})"
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=detail)
            return
        mine = held[0]
        key = weak_keys.guess(weak_keys.of_api(ctx), partial(_signs, mine.cookie))
        scheme = signed_cookies.signer(mine.cookie, key) if key is not None else None
        if key is None or scheme is None:
            return  # tested: the key is none of the usual ones
        target = await subject(ctx, mine.identity, mine.cookie.value)
        if target is None:
            detail = f"no secured GET answers {mine.identity.name} to forge a cookie for"
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=detail)
            return
        session = mine.cookie.session
        wrong = signed_cookies.forge(scheme, f"apiward-{secrets.token_hex(16)}", session)
        control = await _send(ctx, target, wrong, "session cookie signed with a random key")
        if await accepted(ctx, target.legit, control):
            return  # signatures are not checked at all: auth_bypass's ground
        forged = signed_cookies.forge(scheme, key, session)
        own = await _send(ctx, target, forged, "session cookie re-signed with the guessed key")
        if not await accepted(ctx, target.legit, own):
            return
        shown = await _impersonate(ctx, target, mine, held[1:], scheme, key)
        replies = [target.legit, control, own]
        yield self._finding(ctx, target, mine.identity, scheme, key, replies, shown)

    def _finding(
        self,
        ctx: Context,
        target: Subject,
        identity: Identity,
        scheme: Scheme,
        key: str,
        replies: list[Reply],
        shown: tuple[Identity, Reply] | None,
    ) -> Outcome:
        who = identity.name
        hint = weak_keys.hint(key)
        also = (
            f" The same session with {shown[0].name}'s id fields got {shown[0].name}'s data."
            if shown
            else ""
        )
        return ctx.finding(
            self,
            target.operation,
            title=f"{scheme.name} session cookie signed with the dictionary key {hint}",
            severity=Severity.CRITICAL if shown else Severity.HIGH,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{who}'s session cookie is a signed {scheme.name} session whose key, {hint}, is in "
                f"a list of common secrets. {target.operation.key} answered {who}'s data to a "
                f"cookie the scanner signed with it, and refused one signed with a random key "
                f"({replies[1].status}): anyone can write any session.{also}"
            ),
            evidence=[*replies, shown[1]] if shown else replies,
            key=f"weak-session-key:{scheme.name}",
        )


def _signs(cookie: SignedCookie, key: str) -> bool:
    return signed_cookies.signer(cookie, key) is not None


def _held(ctx: Context) -> list[_Held]:
    """Every identity's first signed session cookie, in identity order."""
    found = []
    for identity in ctx.identities:
        for name, value in ctx.sessions.credentials(identity).cookies:
            cookie = signed_cookies.read(value, name)
            if cookie is not None:
                found.append(_Held(identity=identity, cookie=cookie))
                break
    return found


async def _send(ctx: Context, target: Subject, value: str, note: str) -> Reply:
    sent = alone(ctx, target.identity, target.legit.sent, target.token, as_sent=True)
    return await ctx.send(swap(sent, target.token, value), as_=None, note=f"session: {note}")


async def _impersonate(
    ctx: Context, target: Subject, mine: _Held, others: list[_Held], scheme: Scheme, key: str
) -> tuple[Identity, Reply] | None:
    """Another identity's data, got with the own session carrying that identity's ids."""
    for other in others:
        theirs = other.cookie.session
        ids = {k: theirs[k] for k in _SESSION_IDS if k in mine.cookie.session and k in theirs}
        if not ids or all(mine.cookie.session[k] == v for k, v in ids.items()):
            continue
        legit = await ctx.legit(target.operation, other.identity)
        if not legit.ok or similarity(legit.text, target.legit.text) >= SAME:
            continue
        forged = signed_cookies.forge(scheme, key, {**mine.cookie.session, **ids})
        reply = await _send(ctx, target, forged, f"own session with {other.identity.name}'s ids")
        if reply.ok and similarity(reply.text, legit.text) >= SAME:
            return other.identity, reply
    return None
