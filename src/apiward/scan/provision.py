"""Identities the scan makes itself: throwaway users signed up so that BOLA has peers.

BOLA and the other multi-identity checks need two identities of one role, and many
users have one account to hand to a scanner, or none. When the contract has a
**sign-up** (a public POST whose body takes a password and a username or e-mail,
named ``register``/``signup``/``join``… or creating ``/users``) and a **login** (the
identities file's login template, else a public POST named ``login``/``token``/
``signin``/``session`` taking the same fields), the scan registers ``COUNT`` users
of its own — fresh unique names, a strong random password, the synthesiser's values
for the other required fields — logs each in and adds it to the scan as
``apiward-made-1``, ``apiward-made-2``…

Their role: the one role of the file's identities that log in the same way and does
not read as privileged (``admin``, ``staff``…) — a user who signs up is an ordinary
user, so beside an ``admin`` the file's ``patient`` is theirs; else ``scan-made``. Either way the made users are peers
of each other. Nothing is made when the file already has two identities of one role.
Each sign-up goes through the ledger, so the target state lists the accounts; their
passwords and tokens are secrets (redacted). ``--no-signup`` turns it off.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import secrets
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from apiward.core.errors import ConfigError, TargetError
from apiward.scan.accounts import own_sign_up
from apiward.scan.fields import ACCOUNT, credentials, is_password, is_privileged
from apiward.scan.flows import LOGIN, SIGN_UP, words
from apiward.scan.identities import Basic, Identity, Login
from apiward.scan.ledger import Ledger
from apiward.scan.login import LoginError
from apiward.scan.openness import Openness
from apiward.scan.request import BodyKind, Request
from apiward.scan.required_only import REFUSED
from apiward.scan.scope import Scope
from apiward.scan.sessions import Credentials, Sessions
from apiward.scan.synthesis import Synthesizer
from apiward.spec import Api, Operation, Schema

COUNT = 2
"""How many users a scan makes: two peers of each other, and never more."""
MADE_ROLE = "scan-made"
"""The role of made users when no identity of the file looks like them."""
PREFIX = "apiward-made-"

_MAIL = re.compile(r"mail", re.IGNORECASE)
_PEOPLE = re.compile(r"/(users|accounts|members|customers|people)/?$", re.IGNORECASE)
_PRIVILEGED = re.compile(r"admin|root|staff|super|manager|operator|owner", re.IGNORECASE)
TOKENS = ("access_token", "token", "accessToken", "jwt", "id_token", "auth_token", "authToken")
"""Where a login's answer most often carries its access token."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Provisioned:
    """What provisioning did: the identities made, through which sign-up, and what failed."""

    made: tuple[Identity, ...] = ()
    sign_up: str = ""
    problems: tuple[str, ...] = ()

    def notes(self) -> list[str]:
        """Lines for the report's notes."""
        lines = list(self.problems)
        if self.made:
            names = ", ".join(i.name for i in self.made)
            role = self.made[0].role or "(no role)"
            lines.append(
                f"the scan signed up {len(self.made)} identities of its own through "
                f"{self.sign_up} (role {role!r}): {names}; --no-signup turns this off"
            )
        return lines

    def opened_note(self) -> str:
        """The note for a sign-up the contract secures that answered without credentials."""
        return (
            f"{self.sign_up}: the contract secures it, yet it signed up {self.made[0].name} "
            "without credentials, so the scan treats it as the public sign-up it is (its "
            "accounts are deleted, or withheld and listed, like any sign-up's); --no-signup "
            "turns this off"
        )


async def provision(
    api: Api, ledger: Ledger, synthesizer: Synthesizer, scope: Scope | None = None
) -> Provisioned:
    """Sign up and log in throwaway users when the scan has no two peers; add them to it.

    An operation ``scope`` excludes is never used (``--include`` does not narrow this:
    signing up, like logging in, is how the scan gets in, not an operation it tests).
    """
    sessions = ledger.sessions
    if _has_peers(sessions.identities):
        return Provisioned()
    route = sign_up_route(api, sessions.identities, synthesizer, scope, sessions.openness)
    if route is None:
        return Provisioned()
    sign_up, login = route
    role = made_role(sessions.identities, login)
    made: list[Identity] = []
    problems: list[str] = []
    for _ in range(COUNT):
        name = free_name(sessions.identities)
        try:
            made.append(await make(ledger, synthesizer, sign_up, login, name, role))
        except (ConfigError, LoginError) as failure:
            problems.append(f"could not make identity {name!r} through {sign_up.key}: {failure}")
            break
        except TargetError:
            if sessions.transport.down is not None:
                raise
            problems.append(f"could not make identity {name!r}: the target did not answer")
            break
    return Provisioned(made=tuple(made), sign_up=sign_up.key, problems=tuple(problems))


def sign_up_route(
    api: Api,
    identities: tuple[Identity, ...],
    synthesizer: Synthesizer,
    scope: Scope | None,
    openness: Openness,
) -> tuple[Operation, Login] | None:
    """The sign-up and the login a made user goes through (None: the contract has none).

    Both are POSTs open to anyone, as ``openness`` has it: declared so, or seen so.
    """
    return _route(api, identities, synthesizer, scope, openness.public)


def _route(
    api: Api,
    identities: tuple[Identity, ...],
    synthesizer: Synthesizer,
    scope: Scope | None,
    public: Callable[[Operation], bool],
) -> tuple[Operation, Login] | None:
    usable = Scope(exclude=scope.exclude if scope is not None else ())
    operations = [op for op in api.operations if usable.why_out(op) is None]
    login = file_login(identities) or _contract_login(operations, synthesizer, public)
    sign_up = _sign_up(operations, synthesizer, login, public) if login is not None else None
    return None if login is None or sign_up is None else (sign_up, login)


def free_name(identities: tuple[Identity, ...]) -> str:
    """The first ``apiward-made-N`` no identity of the scan is called yet."""
    taken = {i.name for i in identities}
    return next(f"{PREFIX}{n}" for n in itertools.count(1) if f"{PREFIX}{n}" not in taken)


async def open_sign_up(
    api: Api, ledger: Ledger, synthesizer: Synthesizer, scope: Scope | None = None
) -> Provisioned:
    """Whether a sign-up the contract secures is open to anyone: one user of the scan's own,
    signed up through it with no credential at all (``scan.openness``).

    A generator's global ``security`` often covers the sign-up too. Asked before any other
    request could make an account through it, so every rule about sign-ups (withholding,
    ``--safe``, deleting the accounts) sees the answer: a 2xx makes it public in fact, and
    the user logs in and joins the scan (the throwaway identity, ``scan.throwaway``); a
    refusal leaves it as the contract says. Nothing is sent when a sign-up is public already.
    """
    sessions = ledger.sessions
    if sign_up_route(api, sessions.identities, synthesizer, scope, sessions.openness):
        return Provisioned()
    route = _route(api, sessions.identities, synthesizer, scope, _anyone)
    if route is None:
        return Provisioned()
    sign_up, login = route
    name, role = free_name(sessions.identities), made_role(sessions.identities, login)
    try:
        made = await make(ledger, synthesizer, sign_up, login, name, role)
    except (ConfigError, LoginError):
        return Provisioned()  # refused: secured as documented (or open, and its login failed)
    except TargetError:
        if sessions.transport.down is not None:
            raise
        return Provisioned()
    return Provisioned(made=(made,), sign_up=sign_up.key)


def _anyone(op: Operation) -> bool:
    return True


def _has_peers(identities: tuple[Identity, ...]) -> bool:
    return any(n >= 2 for n in Counter(i.role for i in identities).values())


HTTP_BASIC = Login(method="", path="", basic=Basic(username="", password=""))
"""How a made user logs in when the file's identities send HTTP basic credentials with
every request (``basic:``, no login operation): its own name and password, the same way."""


def file_login(identities: tuple[Identity, ...]) -> Login | None:
    """The first login of the file that sends a user and a password (or HTTP basic).

    A user the scan made logs in the same way, its own name and password filled in
    (:func:`filled_login`).
    """
    for identity in identities:
        login = identity.login
        if login is not None and _credentials(login) is not None:
            return login
    if any(i.basic is not None and i.login is None for i in identities):
        return HTTP_BASIC
    return None


def _credentials(login: Login) -> tuple[str, str] | None:
    """The names of the user and password fields a login sends (``basic``: its own)."""
    if login.basic is not None:
        return ("username", "password")
    return credentials([*login.body, *login.query])


def _properties(synthesizer: Synthesizer, op: Operation) -> Mapping[str, Schema]:
    schema, _ = synthesizer.body_schema(op)
    found = (schema or {}).get("properties")
    return found if isinstance(found, Mapping) else {}


def _contract_login(
    operations: list[Operation], synthesizer: Synthesizer, public: Callable[[Operation], bool]
) -> Login | None:
    """A public POST named like a login whose body takes a user and a password."""
    for op in operations:
        said = words(op)
        if op.method != "POST" or not public(op) or not LOGIN.search(said) or SIGN_UP.search(said):
            continue
        request = synthesizer.request(op)
        fields = credentials(list(_properties(synthesizer, op)))
        if fields is None or not isinstance(request.body, dict):
            continue
        required = set((synthesizer.body_schema(op)[0] or {}).get("required", ()))
        body = {k: v for k, v in request.body.items() if k in required or k in fields}
        form = request.body_kind is BodyKind.FORM
        return Login(method="POST", path=op.path, body=body, form=form, token=_token_path(op))
    return None


def _token_path(op: Operation) -> str | None:
    """Where the contract's answer schema carries a token (None: the login's defaults)."""
    for status, response in sorted(op.responses.items()):
        if not status.startswith("2"):
            continue
        for schema in response.content.values():
            names = schema.get("properties")
            if isinstance(names, Mapping):
                found = next((t for t in TOKENS if t in names), None)
                if found is not None:
                    return found
    return None


def _sign_up(
    operations: list[Operation],
    synthesizer: Synthesizer,
    login: Login,
    public: Callable[[Operation], bool],
) -> Operation | None:
    """The public POST that creates a user: a password and a user field, named so."""
    for op in operations:
        if op.method != "POST" or not public(op) or op.key == login.operation:
            continue
        if not (SIGN_UP.search(words(op)) or _PEOPLE.search(op.path)):
            continue
        if credentials(list(_properties(synthesizer, op))) is not None:
            return op
    return None


def made_role(identities: tuple[Identity, ...], login: Login) -> str:
    """The role a made user takes: its login's identities' own, unless privileged."""
    if login is HTTP_BASIC:
        roles = {i.role for i in identities if i.basic is not None and i.login is None}
    else:
        roles = {i.role for i in identities if i.login is not None and i.login.path == login.path}
    plain = {r for r in roles if not _PRIVILEGED.search(r)}
    return plain.pop() if len(plain) == 1 else MADE_ROLE


async def make(
    ledger: Ledger, synthesizer: Synthesizer, op: Operation, login: Login, name: str, role: str
) -> Identity:
    """Sign one user up, log it in, add it to the scan's sessions and mark it the scan's own."""
    request, values = await sign_up_one(ledger, synthesizer, op, name, f"identity {name}")
    filled = filled_login(login, values)
    identity = (
        Identity(name=name, role=role, basic=filled.basic, source="sign-up")
        if login is HTTP_BASIC
        else Identity(name=name, role=role, login=filled, source="sign-up")
    )
    await ledger.sessions.join(identity)
    named = {k: v for k, v in values.items() if ACCOUNT.search(k)}
    ledger.own(identity, named, ledger.sign_up(request))
    return identity


async def sign_up_one(
    ledger: Ledger, synthesizer: Synthesizer, op: Operation, name: str, role: str
) -> tuple[Request, dict[str, Any]]:
    """Sign one user of the scan's own up through ``op``, recorded as ``role``; what it sent.

    Raises ConfigError when the sign-up is refused. A sign-up with the required fields
    alone that is refused as invalid goes again with every field the contract declares but
    a privilege: the Sanic trial's contract required nothing, and its API wanted a user
    name and an e-mail both.
    """
    for every in (False, True):
        request, values = _sign_up_request(synthesizer, op, every=every)
        ledger.sessions.secrets.update(v for k, v in values.items() if is_password(k))
        with own_sign_up():
            reply = await ledger.send(request, as_=None, note=f"sign up {name}")
        if reply.ok or reply.status not in REFUSED:
            break
    if not reply.ok:
        raise ConfigError(f"the sign-up answered {reply.status}")
    account = next((str(v) for k, v in values.items() if ACCOUNT.search(k)), name)
    ledger.account(request, reply, name=f"{account} ({role})")
    return request, values


def _sign_up_request(
    synthesizer: Synthesizer, op: Operation, *, every: bool = False
) -> tuple[Request, dict[str, Any]]:
    """A sign-up with the required fields: a fresh user name or e-mail, a strong password.

    ``every``: with every declared field but a privilege (``role``, ``is_admin``), and
    every name of the account fresh."""
    request = synthesizer.request(op)
    body = dict(request.body) if isinstance(request.body, dict) else {}
    properties = _properties(synthesizer, op)
    user, password = credentials(list(properties)) or ("", "")
    required = set((synthesizer.body_schema(op)[0] or {}).get("required", ()))
    given = set(synthesizer.values)  # the user's test data, optional or not: a club to join
    wanted = {k for k in body if every and not is_privileged(k)} | required | given
    fresh: dict[str, Any] = {k: v for k, v in body.items() if k in wanted}
    secret = f"Aw-{secrets.token_urlsafe(12)}-9x"
    for key, schema in properties.items():
        if is_password(key) and (key in wanted or key == password):
            fresh[key] = secret
        elif ACCOUNT.search(key) and (key in wanted or key == user):
            fresh[key] = synthesizer.fresh.value(key, _plain(key, schema)) or fresh.get(key)
    if request.body_kind is BodyKind.FORM:
        fresh = {k: str(v) for k, v in fresh.items()}
    return dataclasses.replace(request, body=fresh), fresh


def _plain(key: str, schema: Schema) -> Schema:
    """The field's schema, made an e-mail when its name says so (``email``, ``mail``)."""
    return {**schema, "format": "email"} if _MAIL.search(key) else dict(schema)


async def own_login(sessions: Sessions, body: Mapping[str, Any]) -> Credentials | None:
    """Credentials of the account sign-up ``body`` made, logged in like the file's identities
    with its own names and password (None: no such login, no password, or refused)."""
    login = file_login(sessions.identities)
    if login is None or not any(is_password(k) for k in body):
        return None
    filled = filled_login(login, body)
    try:
        return await sessions.log_in(filled, name="apiward sign-up")
    except (ConfigError, LoginError):
        return sessions.kept(filled)  # locked by wrong guesses: a session it had still works


async def refused(sessions: Sessions, body: Mapping[str, Any]) -> bool:
    """True when the login of the account sign-up ``body`` made is refused now: no longer
    an account (False too where nothing could tell: no login in the file, no password)."""
    login = file_login(sessions.identities)
    if login is None or not any(is_password(k) for k in body):
        return False
    try:
        await sessions.log_in(filled_login(login, body), name="apiward sign-up")
    except (ConfigError, LoginError):
        return True  # ``log_in`` says a refused login as a ConfigError naming the account
    return False


def filled_login(login: Login, values: Mapping[str, Any]) -> Login:
    """``login`` with the made user's name and password in its credential fields."""
    mail = next((str(v) for k, v in values.items() if _MAIL.search(k)), "")
    user = next((str(v) for k, v in values.items() if ACCOUNT.search(k) and str(v) != mail), mail)
    password = next(str(v) for k, v in values.items() if is_password(k))

    def pick(key: str, old: Any) -> Any:
        if key in values:
            return values[key]
        if is_password(key):
            return password
        if ACCOUNT.search(key):
            # Where the file's identity sends an e-mail (``username: alice@acme.test``), the
            # e-mail: the Koa trial's made users had logged in by their display name.
            e_mail = _MAIL.search(key) or ("@" in str(old) and mail)
            return mail if e_mail else user
        return old

    basic = Basic(username=user, password=password) if login.basic is not None else None
    return dataclasses.replace(
        login,
        body={k: pick(k, v) for k, v in login.body.items()},
        query={k: str(pick(k, v)) for k, v in login.query.items()},
        basic=basic,
    )
