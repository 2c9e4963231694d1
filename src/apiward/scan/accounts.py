"""Accounts as objects: which collections hold them, a new account's id, and its DELETE.

A sign-up (``POST /auth/signup``) makes an object that lives somewhere else in the API:
``/users/{user_id}``, ``/admin/members/{handle}``. So an account the scan signed up is
the scan's own in any collection of people, and nowhere else: its id ``4`` says nothing
about event 4. An account is addressed by its id (``user_id`` in the answer, at the top
or in an envelope) or by a name it was signed up with (its user name, its e-mail).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from apiward.scan._objects import new_id, unwrap
from apiward.scan.fields import is_password
from apiward.scan.flows import keeps, says_kept
from apiward.scan.request import BodyKind, Request
from apiward.scan.resources import collection_of, resource_of, singular, words
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation, ParameterLocation

_PEOPLE = frozenset(
    {
        "user",
        "account",
        "member",
        "customer",
        "person",
        "people",
        "profile",
        "player",
        "client",
        "subscriber",
        "employee",
        "staff",
        "patient",
        "student",
        "owner",
        "admin",
    }
)
_NAMES = ("username", "user", "login", "email", "name", "handle")
"""Body fields that name the account a sign-up makes, the likeliest first."""
_FRESH = re.compile(r"apiward[0-9a-z]*(@[0-9a-z.-]+)?", re.IGNORECASE)
"""A name the scan made afresh for an account (``scan.values``, ``scan.provision``)."""
_ACCOUNT_IDS = tuple(
    f"{noun}{tail}" for noun in ("user", "account", "member", "customer") for tail in ("_id", "Id")
)


_OWN_SIGN_UP: ContextVar[bool] = ContextVar("apiward_own_sign_up", default=False)
_BOUNDED: ContextVar[bool] = ContextVar("apiward_bounded_sign_up", default=False)


@contextmanager
def own_sign_up() -> Iterator[None]:
    """Sign-ups sent inside sign up the scan's own users (provisioning, a throwaway account)."""
    token = _OWN_SIGN_UP.set(True)
    try:
        yield
    finally:
        _OWN_SIGN_UP.reset(token)


@contextmanager
def bounded() -> Iterator[None]:
    """Sign-ups sent inside are a check's few probes (mass assignment's, one per privilege
    field): sent in every mode but ``--safe`` even when nothing can delete their accounts."""
    token = _BOUNDED.set(True)
    try:
        yield
    finally:
        _BOUNDED.reset(token)


def is_bounded() -> bool:
    """True inside :func:`bounded`."""
    return _BOUNDED.get()


def lasting(api: Api, kept: str = "", body: Any = None) -> bool:
    """Whether a sign-up sent now (``body``) would leave its account for good: not one of the
    scan's own users, and no DELETE to remove it (:func:`removable`), or ``kept``, the reason
    the one there removes none (``scan.account_removal``)."""
    return not _OWN_SIGN_UP.get() and (bool(kept) or not removable(api, body))


def removable(api: Api, body: Any = None) -> bool:
    """True when the contract has a DELETE that removes the account sign-up ``body`` makes
    (None: any sign-up's): one that names an account in a collection of people, or the one
    by which an account closes itself (``DELETE /me``).

    An account closes itself only once the scan has logged in as it, and the scan logs in
    only with names it made: a probe's name (``x' OR 1=1--``, ``{"$ne": ""}``) could log it
    in as someone else, whom ``DELETE /me`` would then remove. So that account would stay.
    A DELETE whose words say the account is kept ("Close my account (it is disabled)")
    removes none: the Koa and Sinatra trials' scans signed up 21 and 28 accounts, each
    with a workspace of its own, all disabled and kept.
    """
    found = deleter(api, "-", ("-", "-@-"))
    if found is not None and not keeps(api, found.path):
        return True
    sent = body if isinstance(body, Mapping) else {}
    names = [v for k, v in sent.items() if k in _NAMES]
    made = bool(names) and all(isinstance(v, str) and _FRESH.fullmatch(v) for v in names)
    closing = _closing(api)
    return closing is not None and not says_kept(closing[0]) and (body is None or made)


def new_account(api: Api, request: Request, reply: Reply) -> str | None:
    """The id of what sign-up ``request`` made: the creation's new id, else its account's id."""
    made = new_id(api, request, reply.data, reply.header("location"))
    return made or account_id(reply.data)


def listings(api: Api, *, of_people: bool) -> list[Operation]:
    """The GETs with no path id on a collection of people (``of_people``), or of anything else."""
    return [
        op
        for op in api.operations
        if op.method == "GET"
        and "{" not in op.path
        and holds_accounts(resource_of(op.path)[0]) is of_people
    ]


def holds_accounts(collection: str) -> bool:
    """True for a collection of people (``users``, ``members``, ``customer``)."""
    return singular(collection.lower()) in _PEOPLE


def account_id(data: Any) -> str | None:
    """The new account's id in a sign-up's answer, if it gives one.

    ``user_id`` or ``userId`` (at the top or in an envelope), or the ``id`` of the
    account beside its token (``{"user": {"id": 7, ...}, "token": ...}``).
    """
    for body, wrapped in _bodies(data):
        found = _scalar(body, ("id", *_ACCOUNT_IDS) if wrapped else _ACCOUNT_IDS)
        if found is not None:
            return found
    return None


def _bodies(answer: Any) -> Iterator[tuple[dict[str, Any], bool]]:
    """Where a sign-up's answer may show its account: the answer, its envelope's content,
    and the one object under a people noun in either (``{"user": {...}, "token": ...}``),
    the last flagged True."""
    for body in (answer, unwrap(answer)):
        if not isinstance(body, dict):
            continue
        yield body, False
        wrapped = [v for k, v in body.items() if isinstance(v, dict) and holds_accounts(k)]
        if len(wrapped) == 1:
            yield wrapped[0], True


def _scalar(body: Mapping[str, Any], names: Collection[str]) -> str | None:
    """The first of ``names`` that ``body`` holds as a string or a number."""
    for name in names:
        value = body.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def deleter(api: Api, id_: str, names: Collection[str]) -> Request | None:
    """A DELETE of one account in a collection of people: by its id, or by a name when it takes one.

    ``/users/{user_id}`` takes the id; ``/users/{email}`` takes the e-mail among
    ``names``, ``/users/{username}`` the name that is not one.
    """
    for op in api.operations:
        if op.method != "DELETE" or not op.path.rstrip("/").endswith("}"):
            continue
        param = op.path.rstrip("/").rsplit("/", 1)[-1][1:-1]
        if len([s for s in op.path.split("/") if s.startswith("{")]) != 1:
            continue
        collection = collection_of(op.path, param)
        if collection is None or not holds_accounts(collection):
            continue
        by_id = bool({"id", "uuid", "pk"} & set(words(param)))
        mail = "mail" in param.lower()
        value = id_ if by_id else next((n for n in sorted(names) if ("@" in n) == mail), "")
        if value:
            return Request(
                method="DELETE", path=op.path, operation=op.key, path_params={param: value}
            )
    return None


_SELF = frozenset({"me", "self", "myself", "account", "profile"})
"""Last path segments that name the caller's own account (``DELETE /me``, ``/users/me``)."""


def closer(api: Api, sign_up: Any) -> Request | None:
    """The DELETE by which an account closes itself (``DELETE /me``), for the account that
    sign-up body ``sign_up`` made; its password filled in where the DELETE asks for one.

    It has no path parameter: it closes whoever sends it. So it is only ever sent as that
    account, logged in afresh (``Created.closes``, ``scan.removal``), never as an identity.
    """
    sent = sign_up if isinstance(sign_up, Mapping) else {}
    password = next((str(v) for k, v in sent.items() if is_password(k)), "")
    found = _closing(api) if password else None
    if found is None:
        return None
    op, fields = found
    body = dict.fromkeys(fields, password)
    kind = BodyKind.JSON if body else BodyKind.NONE
    return Request(
        method="DELETE", path=op.path, operation=op.key, body=body or None, body_kind=kind
    )


def _closing(api: Api) -> tuple[Operation, list[str]] | None:
    """The contract's closing DELETE and the password fields its body takes. One that needs
    a query parameter, or a body field other than a password, is none."""
    for op in api.operations:
        if op.method != "DELETE" or "{" in op.path:
            continue
        if op.path.rstrip("/").rsplit("/", 1)[-1].lower() not in _SELF:
            continue
        if any(p.required and p.location is ParameterLocation.QUERY for p in op.parameters):
            continue
        fields = _confirmation(api, op)
        if fields is not None:
            return op, fields
    return None


def _confirmation(api: Api, op: Operation) -> list[str] | None:
    """The password fields a closing DELETE's body takes (``[]``: none; None: it asks more)."""
    if op.request_body is None:
        return []
    schema = next(
        (api.deref(s) for m, s in op.request_body.content.items() if "json" in m.lower()), None
    )
    if schema is None:
        return None if op.request_body.required else []
    fields = [k for k in schema.get("properties", {}) if is_password(k)]
    if set(schema.get("required", ())) - set(fields):
        return None
    return fields


def signed_up(body: Mapping[str, Any]) -> str:
    """The account a sign-up's body names (a body with a password); empty when it is none."""
    if not any(is_password(name) for name in body):
        return ""
    for name in _NAMES:
        value = body.get(name)
        if isinstance(value, str) and value:
            return value
    return "(unnamed)"


def made_names(body: Mapping[str, Any], answer: Any = None) -> frozenset[str]:
    """The names a sign-up's body gives its account, when the account is surely the scan's.

    A name is the scan's when it is one the scan made afresh: ``apiward`` and letters
    and digits (an e-mail's domain aside), nothing appended. The account is the scan's
    when every name is, or when at least one is and the answer gives back, as sent and
    under its own key, each of the others (a probe's value in the user name, an e-mail
    without an ``@``: a lookup a payload turned shows the stored name, not the payload)
    or each of the scan's own (the record of the scan's fresh name is the new account; the
    PHP trial's sign-up echoed only the user name, and its probes' accounts stayed); and
    never when the answer names the account otherwise: an API may answer with someone
    else's account (a taken name, a lookup a payload turned). Only the scan's own names
    are returned, since only they may stand in a path (a DELETE by name).
    """
    named = _named(body)
    ours = frozenset(v for v in named.values() if _FRESH.fullmatch(v))
    if not ours or _renamed(named, answer):
        return frozenset()
    foreign = {k: v for k, v in named.items() if v not in ours}
    mine = {k: v for k, v in named.items() if v in ours}
    if foreign and not (_given_back(foreign, answer) or _given_back(mine, answer)):
        return frozenset()
    return ours


def fresh(value: str) -> bool:
    """True for a name the scan made afresh (``apiward3f9a``, ``apiward3f9b@example.com``)."""
    return bool(_FRESH.fullmatch(value))


def fresh_start(value: str) -> str:
    """The name the scan made that ``value`` starts with (``apiwardco`` of a probe's
    ``apiwardco' OR 1=1--``), or ``""``."""
    found = _FRESH.match(value)
    return found.group(0) if found is not None and len(found.group(0)) > len("apiward") else ""


def foreign_names(body: Mapping[str, Any]) -> list[str]:
    """The name fields of a sign-up whose values the scan did not make, as ``email 'x'``."""
    return [f"{k} {v!r}" for k, v in _named(body).items() if not _FRESH.fullmatch(v)]


def _named(body: Mapping[str, Any]) -> dict[str, str]:
    """A sign-up's name fields (none unless the body has a password)."""
    if not any(is_password(name) for name in body):
        return {}
    return {k: v for k, v in body.items() if k in _NAMES and isinstance(v, str) and v}


def _given_back(named: Mapping[str, str], answer: Any) -> bool:
    """Whether the answer (its envelope's content, its ``user``) holds every name under its own key."""
    return any(all(_same(data.get(k), v) for k, v in named.items()) for data, _ in _bodies(answer))


def _renamed(named: Mapping[str, str], answer: Any) -> bool:
    """Whether the answer gives one of the names' keys another value: another account."""
    return any(
        any(k in data and not _same(data[k], v) for k, v in named.items())
        for data, _ in _bodies(answer)
    )


def _same(shown: Any, sent: str) -> bool:
    """Whether the answer shows the name as sent: an e-mail in any case, as APIs store one
    lowercased (Django lowercases its domain: the Ninja trial's probes' accounts stayed)."""
    if shown == sent:
        return True
    return "@" in sent and isinstance(shown, str) and shown.strip().lower() == sent.strip().lower()
