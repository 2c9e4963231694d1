"""What an operation's words say it is: a login, a sign-up, a password reset.

An operation's *words* are its path, operationId, summary and tags. One vocabulary for
every part of the scan that looks for these flows (provisioning the scan's own users,
the ``login`` check's forms, step-ups, business flows, BOLA):

* a **login** is named ``login``/``log-in``, ``signin``, ``token``, ``session``,
  ``auth`` or ``oauth`` as a word, or ``authenticate`` (not ``author``, not an
  ``authorisation`` a payment holds);
* a **sign-up** is named ``register``, ``signup``, ``enrol``, ``onboard``, ``join`` or
  ``create user``/``create account``;
* a **password reset** is named ``forgot``, ``reset password``, ``password reset`` or
  ``recover``;
* a **logout** is named ``logout``/``log-out``, ``signout``/``sign-out`` or ``revoke`` in
  its path or operationId, and ends one session: the caller's (``logout-all`` and the
  other "everywhere" kinds end everyone's, which ``scan.destructive`` never sends);
* a **redemption** (:func:`is_redemption`) reads like redeeming or claiming a code
  anywhere in its words; one named by its own last segment (:func:`redeems`:
  ``/promos/{code}/redeem``) takes the code's value for the caller, leaving the code be.

These are the flows an API opens to anyone by design (:func:`is_public_flow`): they take
other people's names (a login names the account, a reset its e-mail), so a stranger's
name accepted there is no broken authorization.

A read is **public by design** (:func:`says_public`) when its summary, description or a
tag says ``public`` or ``publicly`` ("Public profile of a user", "publicly visible"), or
its success answer does — the first 2xx response's description ("Public profile"), its
schema's title or description, or the name of the schema it refers to (``PublicUser``)
— and none of them negates it ("not public", "non-public", ``NonPublicUser``) or also
speaks of ``private`` data: a stranger's object read there is what the read is for. A
public API, key, client or address says nothing of the data read, so it does not count.
So does a read the words give to every user: "Profile card of any user", "readable by any
signed-in user" (the Fastify trial's profile cards, "for @mentions and assignee pickers",
had been a high BOLA; what they showed beyond a card is ``excessive_data``'s).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from apiward.scan.fields import is_state, tokens
from apiward.scan.openness import declared_public
from apiward.scan.wrapped import answer_fields
from apiward.spec import Api, Operation

LOGIN = re.compile(r"log[-_ ]?in|sign[-_ ]?in|token|session|o?auth(?![a-z])|authenticat", re.I)
SIGN_UP = re.compile(r"regist|sign[-_ ]?up|enrol|onboard|join|create[-_ ]?(user|account)", re.I)
RESET = re.compile(r"forgot|reset[-_ ]?password|password[-_ ]?reset|recover", re.I)
REDEEM = re.compile(r"redeem|coupon|promo|voucher|claim|gift|reward", re.I)
"""What a redemption reads like to ``business_flows`` (a gift card, a reward code)."""
REDEMPTION = re.compile(r"redeem|coupon|promo|voucher|claim", re.I)
"""A redemption for sure: a code that credits whoever sends it (``POST /vouchers/redeem``);
not a gift or a reward, which are as often sent to someone else."""
REDEEMS = frozenset({"redeem", "redemption", "redemptions", "claim"})
"""The words of an action's own segment that take a code's value for the caller
(``POST /promos/{code}/redeem``): the credit lands on the caller, the code stays as it was."""
LOGOUT = re.compile(r"log[_-]?out|sign[_-]?out", re.IGNORECASE)
REVOKE = re.compile(r"revoke", re.IGNORECASE)
OF_SESSION = re.compile(r"token|session|oauth|auth", re.IGNORECASE)
"""A revocation is a logout only of a token or a session: ``revokeConsent`` on
``/consents/{consent_id}`` withdraws a consent (the aiohttp trial's scan, taking it for a
logout, revoked two patients' real consents), ``/api-keys/{id}/revoke`` ends a key."""
EVERYWHERE = re.compile(r"all|every|everywhere|others|sessions", re.IGNORECASE)
PUBLIC = re.compile(
    r"\bpublic(ly)?\b"
    r"|\bof\s+any\s+(?:user|member|person)\b"
    r"|\b(?:any|every|all)\s+(?:signed[-\s]in|logged[-\s]in|authenticated)\s+users?\b",
    re.I,
)
PUBLIC_OTHER = re.compile(
    r"\bpublic[-_\s]*(apis?|keys?|clients?|ips?|address(es)?|networks?|internet|urls?|cloud)\b",
    re.I,
)
"""'public' that says nothing of the data read: a public API, key, client or address."""
NOT_PUBLIC = re.compile(
    r"\b(not|non|never|no longer|isn't|aren't)[\s-]*public|\bprivate(ly)?\b|confidential", re.I
)


def is_redemption(operation: Operation) -> bool:
    """A secured POST that reads like redeeming or claiming a code: its credit is for good."""
    return operation.method == "POST" and bool(REDEMPTION.search(words(operation)))


def redeems(operation: Operation) -> bool:
    """A POST whose last path segment redeems or claims (``/promos/{code}/redeem``,
    ``/coupons/{code}:claim``, ``/vouchers/{code}/redemptions``); not ``/promos/{code}/retire``."""
    last = operation.path.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    said = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+", last)}
    return operation.method == "POST" and not last.startswith("{") and bool(said & REDEEMS)


def is_logout(operation: Operation) -> bool:
    """A logout of one session (logging out everywhere is destructive, never sent)."""
    return ends_session(f"{operation.path} {operation.operation_id or ''}")


def ends_session(words: str) -> bool:
    """True when ``words`` (a path, an operationId) name a logout of one session."""
    said = LOGOUT.search(words) or (REVOKE.search(words) and OF_SESSION.search(words))
    return bool(said) and not EVERYWHERE.search(words)


def words(operation: Operation) -> str:
    """The operation's path, operationId, summary and tags, as one text to search."""
    return " ".join(
        [operation.path, operation.operation_id or "", operation.summary, *operation.tags]
    )


def is_public_flow(
    operation: Operation,
    logins: Collection[str],
    public: Callable[[Operation], bool] | None = None,
) -> bool:
    """An identity's login (``logins``: their keys), or a public POST named like a login,
    sign-up or password reset; ``public`` says who is (``scan.openness``; else the contract)."""
    if operation.key in logins:
        return True
    opened = public(operation) if public is not None else declared_public(operation)
    if operation.method != "POST" or not opened:
        return False
    said = words(operation)
    return any(flow.search(said) for flow in (LOGIN, SIGN_UP, RESET))


def says_public(operation: Operation, api: Api | None = None) -> bool:
    """True when the contract's own words call ``operation`` or its answer public (and do not
    negate it); the answer's schema is read in ``api`` when given."""
    said = _said(operation, api)
    return bool(PUBLIC.search(said)) and not NOT_PUBLIC.search(said)


_SOME = re.compile(
    r"\b(published|approved|active|listed|shared|visible|live|open|released|verified)\s+"
    r"(?:\w+\s+){0,5}?(?:are|is)\s+public",
    re.I,
)
"""A sentence that makes only some objects public: "Published posts of public publications
are public" (the Sinatra trial's drafts, readable by anyone by id, went untried)."""


def says_some_public(operation: Operation, api: Api | None = None) -> bool:
    """True when the contract calls only objects of some state public (published, approved)."""
    return bool(_SOME.search(_said(operation, api)))


def says_not_public(operation: Operation, api: Api | None = None) -> bool:
    """True when those words call it not public, private or confidential."""
    return bool(NOT_PUBLIC.search(_said(operation, api)))


def _said(operation: Operation, api: Api | None) -> str:
    said = [operation.summary, operation.description, *operation.tags, *_answer(operation, api)]
    return PUBLIC_OTHER.sub(" ", " ".join(said))


def _answer(operation: Operation, api: Api | None) -> list[str]:
    """What the contract says of the first 2xx answer: its description, its schema's title,
    description and name (``PublicUser`` read as ``public user``)."""
    success = sorted(s for s in operation.responses if s[:1] == "2")
    if not success:
        return []
    response = operation.responses[success[0]]
    said = [response.description]
    for schema in response.content.values():
        ref = schema.get("$ref")
        if isinstance(ref, str):  # "#/$defs/PublicUser": the schema's name is its title too
            said.append(" ".join(tokens(ref.rsplit("/", 1)[-1])))
        concrete = api.deref(schema) if api is not None else schema
        said += [str(concrete.get("title") or ""), str(concrete.get("description") or "")]
    return said


def is_login(operation: Operation) -> bool:
    """True for an operation that hands out tokens rather than making an object."""
    return is_login_path(operation.path)


def is_login_path(path: str) -> bool:
    """True for a path whose last segment names a login, a token or a session."""
    return bool(LOGIN.search(path.rstrip("/").rsplit("/", 1)[-1]))


KEEPS = re.compile(
    r"\b(archiv\w*|retir\w*|deactivat\w*|soft[- ]?delet\w*|not erased|stays? readable|"
    r"still reads? back|stays? on|is kept|kept for|not removed|is disabled|marks? it|"
    r"status becomes|void)\b",
    re.IGNORECASE,
)
"""Words of a DELETE that keeps what it names: the Koa trial's "Cancel …: marks it
cancelled, it stays on the board", "Void: the number is kept", "the account is disabled,
not removed" (35 work orders, 101 invoices and 6 accounts stayed after one scan)."""
ERASES = re.compile(r"\b(permanent\w*|erase[sd]?|purge[sd]?|for good)\b", re.IGNORECASE)


def says_kept(operation: Operation) -> bool:
    """True when a DELETE's words say it keeps what it names (archives it, disables it)."""
    text = f"{operation.summary} {operation.description}"
    return bool(KEEPS.search(text)) and not ERASES.search(text.replace("not erased", ""))


def keeps(api: Api, path: str) -> bool:
    """True when the contract's DELETE at ``path`` says it keeps what it names, or cancels
    what its read shows a cancelled state of (:func:`cancels`)."""
    operation = api.operation("DELETE", path)
    return operation is not None and (says_kept(operation) or cancels(api, operation))


_CANCEL = re.compile(r"^\W*cancel", re.IGNORECASE)
_GONE = re.compile(r"\b(delet\w*|remov\w*|destroy\w*|eras\w*|purg\w*)\b", re.IGNORECASE)
_CANCELLED = frozenset({"cancelled", "canceled", "voided", "void", "revoked", "withdrawn"})


def cancels(api: Api, operation: Operation) -> bool:
    """True for a DELETE named "Cancel …" (no word of removal) whose object's read shows a
    state that can be cancelled (``status`` of ``paid, cancelled, refunded``): the order
    stays, cancelled. The Litestar trial's ``DELETE /orders/{id}``, "Cancel an order", left
    every order the scan bought (36 of them) as a cancelled row."""
    text = operation.summary or operation.description
    if not _CANCEL.match(text) or _GONE.search(f"{operation.summary} {operation.description}"):
        return False
    read = api.operation("GET", operation.path)
    fields = answer_fields(api, read) if read is not None else []
    return any(
        is_state(name) and {str(v).lower() for v in field.get("enum") or ()} & _CANCELLED
        for name, field in fields
    )
