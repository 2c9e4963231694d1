"""Acting as an identity: logging in, sending requests as it (or as nobody), refreshing tokens.

Each identity is its own session, as in its own browser: its fixed headers, cookies or
basic credentials, the token its login got, and a cookie jar (``scan.cookies``) that
keeps whatever ``Set-Cookie`` any answer *to that identity* carried — its login's
session cookie included — and sends it back only as that identity. Not an answer to a
body that names an account and its password (a sign-up, a login probe): the session that
sets is the named account's, not the caller's.

``send(request, as_=None)`` is *anonymous*: the request goes out with no credential of
any identity and no cookie at all, unlike peers whose global headers or shared cookie
jar leak into their 'no auth' probes; cookies set in answer to it are dropped.

While the scan restores the target (its last phase), a login refused by a rate limit
(429 or 503 with ``Retry-After``) is sent again once the wait is over, up to
``RESTORE_WAIT`` seconds in all: the scan's own logins may have spent a per-client limit,
and what it made can only be deleted, or its identities shown to log in, as them.

A login that yields no credential (``scan.login`` says why) does not end the scan:
``start`` drops that identity from ``identities`` and keeps the reason in ``failed``.
A token is refreshed (one new login, then one retry) when an identity that has been
answered with a 2xx before starts getting 401s, except from a login or token operation:
there a 401 says the credentials sent were wrong, not that the session expired, and a
new login would only make every baseline sent with the old token look stale.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import email.utils
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from apiward.core.errors import ConfigError, TargetError
from apiward.scan import login as logins
from apiward.scan import signed_cookies
from apiward.scan.cookies import Jar
from apiward.scan.elevated import Elevations
from apiward.scan.fields import credentials
from apiward.scan.flows import ends_session, is_login_path
from apiward.scan.identities import Identity, Login
from apiward.scan.login import LoggedIn, LoginError
from apiward.scan.openness import Openness
from apiward.scan.request import Request
from apiward.scan.transport import Reply, Transport

ID_FIELDS: tuple[str, ...] = ("id", "user_id", "userId", "uid", "username", "sub")
ID_FIELDS += ("account_id", "accountId", "_auth_user_id")
"""Names under which a login answer, a token's claims or a signed session (Django's
``_auth_user_id``) give the identity's own id."""
_ENVELOPES = frozenset({"data", "user", "result", "account", "profile", "me", "payload"})
MAX_RELOGINS = 3
"""Failed log-ins in a row after which an identity's 401s are taken as they are."""
RESTORE_WAIT = 90.0
"""Seconds the restore phase waits, in all, for logins a rate limit refused."""
_THROTTLED = frozenset({429, 503})


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """What an identity adds to a request: headers and cookies."""

    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    login: Reply | None = dataclasses.field(default=None, compare=False)
    """The login's answer, for credentials :meth:`Sessions.log_in` made."""

    def apply(self, request: Request) -> Request:
        """``request`` with these credentials added (replacing same-named ones)."""
        for name, value in self.headers:
            request = request.without_header(name)
            request = dataclasses.replace(request, headers=(*request.headers, (name, value)))
        if self.cookies:
            request = dataclasses.replace(
                request, cookies={**request.cookies, **dict(self.cookies)}
            )
        return request

    def values(self) -> tuple[str, ...]:
        """Every credential value, for the Redactor."""
        return tuple(v for _, v in (*self.headers, *self.cookies))


class Sessions:
    """The identities of a scan, logged in, and a way to send as each of them."""

    def __init__(self, transport: Transport, identities: tuple[Identity, ...]) -> None:
        self.transport = transport
        self.identities = tuple(i for i in identities if not i.anonymous)
        self.failed: dict[str, str] = {}
        """Identities whose login failed, with the reason: they are not in ``identities``."""
        self._kept: dict[str, Credentials] = {}
        """The last credentials each :meth:`log_in` gave (:meth:`kept`)."""
        self.secrets: set[str] = {s for i in identities for s in i.secrets()}
        self.owners: dict[str, str] = {}
        """Every credential value an identity sent or was given, with its name: whose it is
        (a report's mask says so), including cookies the target re-set mid-scan."""
        self.names: set[str] = {n for i in identities for n in _credential_names(i)}
        """Headers and cookies the identities' credentials travel under (X-API-Key, sid)."""
        self.openness = Openness(self.names)
        self.logouts: frozenset[str] = frozenset()
        """Operations that log one session out, by key, beyond those their path names
        (``DELETE /api/session``, operationId signOut): each goes on a session of its own."""
        """The operations open to anyone, as declared and as anonymous answers showed."""
        self._operations: frozenset[str] | None = None
        self._fixed: dict[str, Credentials] = {}
        self._jars = {i.name: Jar() for i in self.identities}
        self._answers: dict[str, Any] = {}
        self._generation = dict.fromkeys(self._jars, 0)
        self._worked: set[str] = set()
        self._unrenewed: Counter[str] = Counter()
        """Failed log-ins in a row, per identity, since its session last worked."""
        self._locks = {i.name: asyncio.Lock() for i in self.identities}
        self._waited = 0.0
        self.elevations = Elevations()
        """Which identity a probe holds with its privilege changed (``scan.elevated``)."""

    async def start(self, operations: Iterable[str] | None = None) -> None:
        """Log every identity in (concurrently); one that cannot is dropped, its reason kept.

        ``operations`` are the contract's operation keys (``"POST /login"``), so a failed
        login can say that its operation is not one of them.
        """
        self._operations = frozenset(operations) if operations is not None else None
        await asyncio.gather(*(self._start(i) for i in self.identities))
        self.identities = tuple(i for i in self.identities if i.name not in self.failed)

    def credentials(self, identity: Identity, path: str | None = None) -> Credentials:
        """The credentials ``identity`` currently sends (to ``path``; every cookie when None)."""
        fixed = self._fixed[identity.name]
        jar = self._jars[identity.name].matching(path)
        return dataclasses.replace(fixed, cookies=(*_without(fixed.cookies, jar), *jar))

    def own_ids(self, identity: Identity) -> tuple[tuple[str, str | int], ...]:
        """The identity's own ids (field, value): login answer, JWT claims, signed session cookie,
        and the user name it logs in with (``username: alice``: its own in ``/users/{username}``)."""
        found = [*_answer_ids(self._answers.get(identity.name)), *self._claim_ids(identity)]
        return tuple(dict.fromkeys([*found, *_login_name(identity)]))

    async def send(self, request: Request, *, as_: Identity | None = None, note: str = "") -> Reply:
        """Send ``request`` as ``as_`` (anonymous when None), logging in afresh once when logged out.

        Logged out is a 401, or a redirect to a login page (what cookie-session apps answer).
        """
        if as_ is None:
            reply = await self.transport.send(request, note=note)
            self.openness.saw(reply)
            return reply
        async with self.elevations.sending(as_.name):
            return await self._send(request, as_, note)

    async def _send(self, request: Request, as_: Identity, note: str) -> Reply:
        if as_.login is not None and (
            request.operation in self.logouts or ends_session(request.path)
        ):
            return await self._apart(request, as_, as_.login, note)
        generation = self._generation[as_.name]
        reply = await self._send_as(request, as_, note)
        if _logged_out(reply) and as_.login is not None and self._expired(request, as_):
            async with self._locks[as_.name]:
                if self._generation[as_.name] == generation and not await self._refresh(as_):
                    return reply
            reply = await self._send_as(request, as_, note)
        if reply.ok:
            self._worked.add(as_.name)
        return reply

    async def _apart(self, request: Request, identity: Identity, login: Login, note: str) -> Reply:
        """A logout as ``identity``, on a session of its own: its working one goes on.

        A logout ends the session it is sent with, on the server or only in the answer's
        ``Set-Cookie``; sent with the identity's own, every later request of the scan
        would go out logged out. Without a second session (the login refused it), it
        goes with the working one, which is then logged in afresh.
        """
        try:
            apart = await self.log_in(login, name=identity.name)
        except ConfigError:
            async with self._locks[identity.name]:
                reply = await self._send_as(request, identity, note)
                await self._refresh(identity)
            return reply
        return await self.transport.send(apart.apply(request), note=note)

    def _expired(self, request: Request, identity: Identity) -> bool:
        """Whether a 401 to ``request`` may mean ``identity``'s session expired."""
        if identity.name not in self._worked or is_login_path(request.path):
            return False
        if self._unrenewed[identity.name] >= MAX_RELOGINS:
            return False  # locked out for good: the Ninja trial's scan logged in 325 times
        return all(request.path != i.login.path for i in self.identities if i.login)

    async def log_in(self, login: Login, *, name: str) -> Credentials:
        """Credentials for a user outside the identities file (say, one a check registered).

        Its token and session cookies are registered as secrets, like every identity's; a
        failed login is a ConfigError naming ``name``.
        """
        if not login.method and login.basic is not None:
            # HTTP basic and no login operation: the name and password go with each request.
            self.secrets.update(login.secrets())
            return Credentials(headers=(("Authorization", login.basic.header()),))
        try:
            done = await self._login(login, note=f"login as {name}")
        except LoginError as failure:
            raise ConfigError(f"login of {name!r} failed: {failure.reason}") from None
        headers = ((login.header, login.prefix + done.token),) if done.token is not None else ()
        cookies = tuple((c.name, c.value) for c in done.cookies)
        credentials = Credentials(headers=headers, cookies=cookies, login=done.reply)
        self._kept[_login_key(login)] = self._own(name, credentials)
        return self._kept[_login_key(login)]

    def kept(self, login: Login) -> Credentials | None:
        """The credentials ``login`` last gave, though it may be refused now: a user the scan
        made whose password the ``login`` check's wrong guesses locked still closes itself
        with a session it had (the Sinatra and Express trials' throwaway stayed, locked)."""
        return self._kept.get(_login_key(login))

    def _own(self, name: str, credentials: Credentials) -> Credentials:
        """``credentials``, noted as ``name``'s (values and the names they travel under)."""
        for key, value in (*credentials.headers, *credentials.cookies):
            self.names.add(key)
            self.owners.setdefault(value, name)
            self.owners.setdefault(value.rsplit(" ", 1)[-1], name)  # a token without "Bearer"
        return credentials

    async def join(self, identity: Identity) -> None:
        """Log in one more identity mid-scan (one the scan signed up); raises LoginError."""
        self.secrets.update(identity.secrets())
        self._jars[identity.name] = Jar()
        self._generation[identity.name] = 0
        self._locks[identity.name] = asyncio.Lock()
        await self._authenticate(identity)
        self.identities = (*self.identities, identity)

    async def _start(self, identity: Identity) -> None:
        try:
            await self._authenticate(identity)
        except LoginError as failure:
            self.failed[identity.name] = failure.reason
        except TargetError as error:
            if self.transport.down is not None:
                raise
            self.failed[identity.name] = f"target error: {error.message}"

    async def _refresh(self, identity: Identity) -> bool:
        try:
            with self.transport.through():  # a check holding the traffic may wait for it
                await self._authenticate(identity)
        except (LoginError, TargetError):
            self._unrenewed[identity.name] += 1
            return False  # the 401 stands; a check sees it as a refusal, not a crash
        self._unrenewed[identity.name] = 0
        return True

    async def _send_as(self, request: Request, identity: Identity, note: str) -> Reply:
        path = urlsplit(self.transport.url(request)).path
        sent = self.credentials(identity, path).apply(request)
        reply = await self.transport.send(sent, note=note)
        if isinstance(request.body, dict) and credentials(list(request.body)) is not None:
            # A sign-up or a login sent as the identity: the session it sets is the account's
            # its body names (the Litestar trial's sign-up logged the new user in, and its
            # cookie had turned alice, bob and the admin into fresh plain accounts).
            return reply
        for cookie in self._jars[identity.name].update(reply.set_cookies, path):
            # A target that re-signs its session on every answer hands out new values.
            self.owners.setdefault(cookie.value, identity.name)
        return reply

    async def _authenticate(self, identity: Identity) -> None:
        headers = tuple(identity.headers.items())
        cookies = tuple(identity.cookies.items())
        if identity.basic is not None:
            headers = (*headers, ("Authorization", identity.basic.header()))
        if identity.login is not None:
            login = identity.login
            done = await self._login(login, note=f"login as {identity.name}")
            if done.token is not None:
                headers = (*headers, (login.header, login.prefix + done.token))
            self._jars[identity.name].keep(done.cookies)
            self._answers[identity.name] = done.answer
            self._own(
                identity.name, Credentials(cookies=tuple((c.name, c.value) for c in done.cookies))
            )
        self._fixed[identity.name] = self._own(
            identity.name, Credentials(headers=headers, cookies=cookies)
        )
        self._generation[identity.name] += 1

    async def _login(self, login: Login, *, note: str) -> LoggedIn:
        request = logins.request(login)
        reply = await self.transport.send(request, note=note)
        pause = self._pause(reply)
        if pause is not None:
            await asyncio.sleep(pause)
            reply = await self.transport.send(request, note=f"{note}, after its Retry-After")
        self.openness.saw(reply)  # a login that answers with no credential sent is open to anyone
        path = urlsplit(reply.exchange.request.url).path
        cookies = Jar().update(reply.set_cookies, path)
        done = logins.outcome(
            login, reply, cookies, operations=self._operations, secrets=self.secrets
        )
        self.secrets.update(
            v for v in (done.token, *(c.value for c in done.cookies)) if v and len(v) >= 4
        )
        return done

    def _pause(self, reply: Reply) -> float | None:
        """Seconds to wait before a throttled login goes again: only while restoring."""
        if self.transport.requester != "restore" or reply.status not in _THROTTLED:
            return None
        seconds = _seconds(reply.header("retry-after"))
        if seconds is None or self._waited + seconds > RESTORE_WAIT:
            return None
        self._waited += seconds
        return seconds

    def _claim_ids(self, identity: Identity) -> list[tuple[str, str | int]]:
        found: list[tuple[str, str | int]] = []
        for value in self.credentials(identity).values():
            claims = _claims(value.rsplit(" ", 1)[-1])
            found += [(k, claims[k]) for k in ID_FIELDS if _is_id(claims.get(k))]
        return found


def _credential_names(identity: Identity) -> tuple[str, ...]:
    """The header and cookie names ``identity``'s file entry sends credentials under."""
    token = (identity.login.header,) if identity.login is not None else ()
    return (*identity.headers, *identity.cookies, *token)


def _without(
    pairs: tuple[tuple[str, str], ...], newer: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    names = {name for name, _ in newer}
    return tuple((k, v) for k, v in pairs if k not in names)


def _answer_ids(data: Any, depth: int = 3) -> list[tuple[str, str | int]]:
    """Id fields of a login answer: at its top level or inside an envelope (``data.user``)."""
    if not isinstance(data, dict) or depth == 0:
        return []
    found: list[tuple[str, str | int]] = [(k, data[k]) for k in ID_FIELDS if _is_id(data.get(k))]
    for key, value in data.items():
        if key.lower() in _ENVELOPES:
            found += _answer_ids(value, depth - 1)
    return found


def _login_name(identity: Identity) -> list[tuple[str, str | int]]:
    """The account field and value of the identity's login body, or of its basic credentials."""
    login = identity.login
    if login is None:
        return []
    if login.basic is not None:
        return [("username", login.basic.username)]
    fields = {**login.body, **login.query}
    pair = credentials(list(fields))
    value = fields.get(pair[0]) if pair is not None else None
    return [(pair[0], value)] if pair is not None and isinstance(value, str) and value else []


def _is_id(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and value != ""


def claims(credentials: Credentials) -> dict[str, Any]:
    """The claims of every token or signed session among ``credentials`` (unverified), merged."""
    found: dict[str, Any] = {}
    for value in credentials.values():
        found.update(_claims(value.rsplit(" ", 1)[-1]))
    return found


def _claims(token: str) -> Mapping[str, Any]:
    """The payload of a JWT or a signed session cookie, not verified (the identity's own), or {}."""
    signed = signed_cookies.read(token)
    if signed is not None:
        return signed.session
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _logged_out(reply: Reply) -> bool:
    """A 401, or a redirect to a login page: the session the request carried is gone."""
    if reply.status == 401:
        return True
    location = reply.header("location") if reply.status in {301, 302, 303, 307} else None
    return location is not None and is_login_path(urlsplit(location).path)


def _seconds(retry_after: str | None) -> float | None:
    """``Retry-After`` in seconds from now (delta-seconds or an HTTP date), a little over."""
    if retry_after is None:
        return None
    value = retry_after.strip()
    if value.isdigit():
        return float(value) + 0.5
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time()) + 0.5


def _login_key(login: Login) -> str:
    """What tells one login from another: where it goes and what it sends."""
    sent = {"body": dict(login.body), "query": dict(login.query), "basic": repr(login.basic)}
    return f"{login.method} {login.path} {json.dumps(sent, sort_keys=True, default=str)}"
