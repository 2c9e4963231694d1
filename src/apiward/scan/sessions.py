"""Acting as an identity: logging in, sending requests as it (or as nobody), refreshing tokens.

``send(request, as_=None)`` is *anonymous*: the request goes out with no credential of
any identity, unlike peers whose global headers leak into their 'no auth' probes.
A token is refreshed (one new login, then one retry) when an identity that has been
answered with a 2xx before starts getting 401s.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from apiward.core.errors import ConfigError
from apiward.scan.identities import Identity, Login
from apiward.scan.request import BodyKind, Request
from apiward.scan.transport import Reply, Transport


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """What an identity adds to a request: headers and cookies."""

    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()

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
        self._credentials: dict[str, Credentials] = {}
        self._worked: set[str] = set()
        self._locks = {i.name: asyncio.Lock() for i in self.identities}
        self.secrets: set[str] = {s for i in identities for s in i.secrets()}

    async def start(self) -> None:
        """Log every identity in (concurrently); a failed login is a ConfigError."""
        await asyncio.gather(*(self._authenticate(i) for i in self.identities))

    def credentials(self, identity: Identity) -> Credentials:
        """The credentials ``identity`` currently sends."""
        return self._credentials[identity.name]

    async def send(self, request: Request, *, as_: Identity | None = None, note: str = "") -> Reply:
        """Send ``request`` as ``as_`` (anonymous when None), refreshing a token once on 401."""
        if as_ is None:
            return await self.transport.send(request, note=note)
        used = self._credentials[as_.name]
        reply = await self.transport.send(used.apply(request), note=note)
        if reply.status == 401 and as_.login is not None and as_.name in self._worked:
            async with self._locks[as_.name]:
                if self._credentials[as_.name] is used:
                    await self._authenticate(as_)
            reply = await self.transport.send(self._credentials[as_.name].apply(request), note=note)
        if reply.ok:
            self._worked.add(as_.name)
        return reply

    async def log_in(self, login: Login, *, name: str) -> Credentials:
        """Credentials for a user outside the identities file (say, one a check registered).

        The token is registered as a secret, like every identity's; a failed login is a
        ConfigError naming ``name``.
        """
        identity = Identity(name=name, login=login)
        token = await self._login(identity, login)
        self.secrets.add(token)
        return Credentials(headers=((login.header, login.prefix + token),))

    async def _authenticate(self, identity: Identity) -> None:
        headers = tuple(identity.headers.items())
        if identity.login is not None:
            token = await self._login(identity, identity.login)
            self.secrets.add(token)
            headers = (*headers, (identity.login.header, identity.login.prefix + token))
        self._credentials[identity.name] = Credentials(
            headers=headers, cookies=tuple(identity.cookies.items())
        )

    async def _login(self, identity: Identity, login: Login) -> str:
        request = Request(
            method=login.method,
            path=login.path,
            operation=f"{login.method} {login.path}",
            body=dict(login.body),
            body_kind=BodyKind.FORM if login.form else BodyKind.JSON,
        )
        if login.form:
            request = dataclasses.replace(request, body={k: str(v) for k, v in login.body.items()})
        reply = await self.transport.send(request, note=f"login as {identity.name}")
        if not reply.ok:
            raise self._error(identity, f"{request.operation} answered {reply.status}")
        token = _dotted(reply.data, login.token)
        if not isinstance(token, str | int) or isinstance(token, bool) or token == "":
            raise self._error(identity, f"no token at {login.token!r} in the login answer")
        return str(token)

    def _error(self, identity: Identity, what: str) -> ConfigError:
        return ConfigError(
            f"login of identity {identity.name!r} failed: {what}",
            source=identity.source or None,
            line=identity.line,
        )


def _dotted(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data
