"""What a field's name says about it: privilege fields, unique fields, identifiers, credentials.

Names are read as whole-word *tokens* of their snake, camel or kebab spelling
(``isAdmin`` → ``is admin``, ``transfer-limit`` → ``transfer limit``), never as
substrings: ``card_limit`` holds no privilege word, ``overdraft`` is not ``draft``.

**Privilege fields** (:func:`is_privileged`) grant rights or money. One vocabulary,
used by the engine's withhold rule (a legitimate write never sets one) and by
``mass_assignment`` (they are its first candidates, even when the contract calls them
writable). A name is privileged when one of its tokens is

* a right: ``role(s)``, ``admin(s)``, ``administrator``, ``superuser``, ``superadmin``,
  ``staff``, ``permission(s)``, ``privilege(s)``, ``scope(s)``, ``entitlement(s)``,
  ``group(s)``, ``owner``, ``clearance`` — ``is_admin``, ``role_id``, ``owner_id``;
* a standing: ``verified``, ``approved``, ``blocked``, ``banned``, ``suspended``,
  ``premium``, ``vip``, ``tier``, ``plan`` (first in the name or after ``subscription``,
  ``billing``, ``pricing``, ``membership``, ``service``, ``account``, ``user``,
  ``customer`` or ``price``: a ``planting_plan`` or ``lesson_plan`` is a document);
* money or allowance: ``balance(s)``, ``credit(s)``, ``quota(s)``;
* ``limit(s)`` right after ``transfer``, ``credit``, ``spending``, ``withdrawal``,
  ``overdraft``, ``payout`` or ``rate``, or ``level`` right after ``access``.

Not privileged, on purpose: a bare ``limit`` or one qualified by the object
(``card_limit``, ``page_limit``: a property of a thing the caller creates, bounded by
the app), ``active``/``enabled`` (the state of one's own object), ``credit card``,
``owner_name``/``owner_email``/``owner_phone``/``owner_address`` and
``staff_id``/``staff_member``/``staff_name`` (details of a person, a booking's staff
member). ``rate_limit_per_minute`` *is* privileged: the rate an API grants a caller is
an allowance, and a caller raising its own is an escalation.

**State fields** (:func:`is_state`) hold where an object stands in its life: a name ending
in ``status``, ``state``, ``stage``, ``phase`` or ``lifecycle`` (``status``,
``order_status``, ``workflowState``). Many APIs never take a state back (a graded
submission, a paid invoice), so the ledger changes one only on objects the scan made.

**Tally fields** (:func:`tally`) show what an object everybody shares has handed out: a
count of uses, redemptions, stock or seats (``uses_left``, ``max_redemptions``,
``stock``), who holds it (``claimed_by``, ``assignee``, an owner), or its state. The scan's
own user redeems a promo code everyone sees only when its read shows none: otherwise the
redemption would take a use from everybody, and nothing puts one back.

**Recipient fields** (:func:`is_recipient`) name who receives what a write moves: a
token ``recipient``, ``payee``, ``receiver``, ``beneficiary``, ``destination`` or
``counterparty``, a ``to`` first, last or before an account, user or wallet (not
``days_to_maturity``), or the whole name ``user``. A creation carrying one with a number
beside it moves value to someone, so harvesting never sends it; ``negative_amount``
fills one with a peer's own value and pays it back.

**Unique fields** (:func:`is_unique`) are the ones an API usually keeps unique per
record — ``email``, ``phone``/``mobile``, ``username``, ``slug``, ``handle``,
``nickname``, ``sku``, and a bare ``name``/``title``/``display_name`` — so test data
for them must differ per identity and per request.

**Identifiers and secrets** (:func:`is_identifier`) are ids, keys, codes, hashes,
tokens, passwords and timestamps: never a mass-assignment candidate, never filled
from another caller's answers.

**Profile fields** (:func:`is_profile`) are what a social or community app shows of a
member to anyone: ids, ``username``/``handle``/``display_name``/``name``, ``avatar``,
``picture``/``photo``/``image`` (and their URLs), ``bio``/``about``/``headline``,
``website``, ``created_at``/``joined_at``/``member_since``, follower counts,
``pronouns`` — every token of the name from that list (``avatarUrl``), so ``email``,
``last_login``, ``private_url`` or ``birth_date`` are not — and the record's own id
(``runnerId``), but not an id of a document or an account (``national_id``,
``tax_id``, ``bank_account_id``).

**Credential fields**, the one vocabulary of sign-ups and logins (provisioning, the
``login`` check, ``mass_assignment``'s sign-ups, business flows, the ledger's accounts):
:data:`PASSWORD` finds ``password``, ``passwd``, ``passphrase``, ``pass``, ``pwd`` or
``secret`` as a word (``new_password``, ``passwordConfirmation``, ``client_secret``)
or ending the name (``userpassword``), never inside one (``passport``, ``passenger``);
:data:`ACCOUNT` finds the field that names the account (``username``, ``email``,
``login``, ``account``, ``handle``, a bare ``name``); :func:`credentials` picks the pair.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from apiward.scan.fitting import IDLIKE

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_RIGHTS = {
    "role", "roles", "admin", "admins", "administrator", "superuser", "superadmin",
    "staff", "permission", "permissions", "privilege", "privileges", "scope", "scopes",
    "entitlement", "entitlements", "group", "groups", "owner", "clearance",
}  # fmt: skip
_STANDING = {"verified", "approved", "blocked", "banned", "suspended", "premium", "vip"}
_STANDING |= {"tier", "plan"}
_MONEY = {"balance", "balances", "credit", "credits", "quota", "quotas"}
_WORDS = _RIGHTS | _STANDING | _MONEY
_QUALIFIED = {
    "limit": {"transfer", "credit", "spending", "withdrawal", "overdraft", "payout", "rate"},
    "limits": {"transfer", "credit", "spending", "withdrawal", "overdraft", "payout", "rate"},
    "level": {"access"},
}
_NOT_AFTER = {
    "credit": {"card", "cards"},
    "owner": {"name", "email", "phone", "address"},
    "staff": {"id", "member", "name", "uuid"},
}
_ONLY_AFTER = {"plan": {"", "subscription", "billing", "pricing", "membership", "service"}}
_ONLY_AFTER["plan"] |= {"account", "user", "customer", "price"}
"""Words privileged only first or after these: a ``planting_plan`` or ``lesson_plan`` grants nothing."""
_NEGATIVE = {"blocked", "banned", "suspended", "locked", "disabled", "deactivated"}
"""Standings whose privileged value is ``false``: being unbanned is the gain."""

_UNIQUE = {"email", "phone", "mobile", "telephone", "msisdn", "username", "slug", "handle"}
_UNIQUE |= {"nickname", "sku", "plate", "vin", "licence", "license", "passport", "iban", "serial"}
_UNIQUE_NAMES = {"name", "title", "display_name", "screen_name", "user_name", "login"}
_IDENTIFIER = {
    "id", "ids", "uuid", "guid", "ref", "key", "code", "slug", "username", "handle",
    "email", "password", "passwd", "hash", "token", "secret", "salt", "at", "pin",
}  # fmt: skip


def tokens(name: str) -> list[str]:
    """The lowercase words of a snake, camel or kebab name (``isAdmin`` → ``is``, ``admin``)."""
    return [w.lower() for w in _WORD.findall(name)]


_STATES = {"status", "state", "stage", "phase", "lifecycle"}


_PRICES = frozenset({"price", "cost", "fee", "rent", "total", "subtotal", "amount"})


def is_price(name: str) -> bool:
    """True for a field that says what something costs (``priceCents``, ``unit_price``, ``total``).

    Not a privilege field (a merchant sets its own prices): only one a creation's request
    does not declare, yet its object shows, is the server's to set (``checks._creation``).
    """
    return bool(set(tokens(name.rsplit(".", 1)[-1])) & _PRICES)


def is_state(name: str) -> bool:
    """True for a field that holds an object's state in its life (``status``, ``order_state``)."""
    words = tokens(name.rsplit(".", 1)[-1])
    return bool(words) and words[-1] in _STATES


def state_moved(body: Any, before: Any) -> str:
    """The state field (:func:`is_state`) a write's body moves away from ``before``'s value, if any."""
    shown = before if isinstance(before, dict) else {}
    for name, value in (body if isinstance(body, dict) else {}).items():
        if not (is_state(name) and isinstance(value, str)) or _US_STATE.match(value):
            continue
        if str(shown.get(name, "")) != value:
            return f"{name} to {value!r}"
    return ""


_ENDED = re.compile(r"cancel|delet|remov|archiv|void|revok|withdr|trash", re.IGNORECASE)
"""State values an object has once it is done away with (``cancelled``, ``deleted``)."""


def ended(before: Any, after: Any) -> str:
    """The state field (:func:`is_state`) that moved to a done-away value between two reads
    of one object (``status: confirmed → cancelled``), or ``""``: a DELETE that only marks."""
    old, new = (d if isinstance(d, dict) else {} for d in (before, after))
    for name, value in new.items():
        was = old.get(name)
        moved = is_state(name) and isinstance(value, str) and value != was
        if moved and _ENDED.search(value) and not (isinstance(was, str) and _ENDED.search(was)):
            return f"{name}: {was} → {value}"
    return ""


_TALLY = {
    "uses", "used", "usage", "remaining", "left", "redeemed", "redemptions", "claimed", "claims",
    "count", "stock", "available", "quantity", "qty", "seats", "capacity", "assignee", "assigned",
    "holder", "taken", "by",
}  # fmt: skip


def tally(before: Any) -> str:
    """The first field of a shared object's read that a redemption of it may move for
    everybody (``uses_left``, ``claimed_by``, ``status``); "" when it shows none."""
    shown: Mapping[str, Any] = before if isinstance(before, dict) else {}
    for name in sorted(map(str, shown)):
        if set(tokens(name)) & _TALLY or is_state(name) or names_owner(name):
            return name
    return ""


_US_STATE = re.compile(r"^[A-Z]{2}$")
"""An address's ``state`` (``CA``): a place, not a stage of the object's life."""


def is_privileged(name: str) -> bool:
    """True for fields that grant rights or money (see the module docstring for the list)."""
    words = tokens(name.rsplit(".", 1)[-1])
    for index, word in enumerate(words):
        after = words[index + 1] if index + 1 < len(words) else ""
        before = words[index - 1] if index else ""
        if word in _ONLY_AFTER and before not in _ONLY_AFTER[word]:
            continue
        if word in _WORDS and after not in _NOT_AFTER.get(word, ()):
            return True
        if before in _QUALIFIED.get(word, ()):
            return True
    return False


_GATES = frozenset(
    {"active", "enabled", "disabled", "locked", "banned", "suspended", "blocked", "deactivated"}
)


def gates_account(name: str) -> bool:
    """True for a flag that lets an account in or keeps it out (``is_active``, ``locked``).

    Set on the caller's own record, it takes the caller's own login away: nothing the
    scan then sends as it, its restore included, gets through (the Ninja trial).
    """
    return bool(_GATES & set(tokens(name.rsplit(".", 1)[-1])))


def locks_out(name: str) -> bool:
    """True for a flag whose ``true`` keeps an account out (``disabled``, ``locked``, ``banned``).

    ``true`` is the value a made-up boolean takes; sent in the Fastify trial's admin update
    of the admin's own record, ``disabled: true`` locked the admin out for good.
    """
    return gates_account(name) and not privileged_value(name)


_ONE_OF_MANY = frozenset({"default", "primary", "preferred", "main"})


def singles_out(name: str) -> bool:
    """True for a flag that picks one object among its owner's (``is_default``, ``primary``).

    ``true`` on one often turns it off on the others: the APIFlask trial's update of a payout
    account the scan made, sent with a made-up ``is_default: true``, took the flag from bob's
    real account, and deleting the scan's account did not give it back.
    """
    return bool(_ONE_OF_MANY & set(tokens(name.rsplit(".", 1)[-1])))


def privileged_value(name: str) -> bool:
    """The boolean a privilege flag holds when it grants (``False`` for ``blocked``, ``banned``)."""
    return not set(tokens(name.rsplit(".", 1)[-1])) & _NEGATIVE


def is_unique(name: str) -> bool:
    """True for fields an API usually keeps unique per record (email, phone, username...)."""
    words = tokens(name)
    return bool(set(words) & _UNIQUE) or "_".join(words) in _UNIQUE_NAMES


def is_identifier(name: str) -> bool:
    """True for ids, keys, codes, hashes, secrets and timestamps (``owner_id``, ``created_at``)."""
    words = tokens(name.rsplit(".", 1)[-1])
    return bool(words) and (words[-1] in _IDENTIFIER or "password" in words or "hash" in words)


_RECIPIENT = {"to", "recipient", "payee", "receiver", "beneficiary", "destination"}
_RECIPIENT |= {"counterparty"}
_RECIPIENT_NAMES = {"user", "to_user", "recipient_id"}
_ADDRESSEE = {"name", "address", "street", "city", "postcode", "zip", "country", "line"}
_PAID = {"account", "user", "wallet", "email", "phone", "iban", "card", "customer", "member", "id"}


def is_addressee(name: str) -> bool:
    """True for a field of whom a delivery goes to, not a payee: ``recipientName``, ``recipient_address``."""
    words = set(tokens(name))
    return bool(words & _ADDRESSEE and words & _RECIPIENT)


def is_recipient(name: str) -> bool:
    """True for a field naming who receives what a write moves (``to``, ``payee_email``).

    ``user`` counts only alone: ``user_id`` on an order names its owner, and a
    ``username`` in a sign-up names the new user, not a payee. ``to`` counts first, last,
    or before whom it pays (``to_account``, ``send_to``, ``transfer_to_wallet``):
    ``days_to_maturity`` and ``time_to_live`` name no one. Nor does a name or an address
    (``recipientName``, ``recipient_address``): the Go trial's shipments were taken for
    payments to whoever the scan wrote there ("carla paid gil").
    """
    words = tokens(name)
    if is_addressee(name):
        return False  # a delivery's addressee (``recipientName``): a name pays no one
    if name.lower() in _RECIPIENT_NAMES or bool((_RECIPIENT - {"to"}) & set(words)):
        return True
    return any(
        w == "to" and (i in (0, len(words) - 1) or words[i + 1] in _PAID)
        for i, w in enumerate(words)
    )


_OWNER = {"owner", "owners", "author", "creator", "owned", "organiser", "organizer"}


def names_owner(name: str) -> bool:
    """True for a field naming whom an object belongs to (``owner``, ``author_id``, ``created_by``).

    ``user`` counts only as the whole name (``user``, ``user_id``): an order's ``user_id``
    is its owner, a ``username`` is a person's own handle. So does ``host``: an event's
    ``host`` is who runs it (the DRF trial's "Only the host can edit the event"), a
    ``host_name`` is a machine's.
    """
    words = tokens(name.rsplit(".", 1)[-1])
    return (
        bool(_OWNER & set(words))
        or words[:2] in (["created", "by"], ["posted", "by"])
        or words in (["user"], ["user", "id"], ["host"], ["host", "id"])
    )


_WHO = ("id", "uuid", "username", "email", "login", "handle")
"""The fields of a person's record, or of an owner object, that name that person."""


def owner_values(item: Mapping[str, Any]) -> set[str]:
    """What an object's owner fields hold (``owner_id: 7``, ``author: "ana"``, ``owner: {id: 7}``)."""
    return {v for key, value in item.items() if names_owner(key) for v in person_values(value)}


def person_values(value: Any) -> set[str]:
    """What a field naming a person holds that names them: ``7``, ``"ana"``, or the id, user
    name or e-mail of a person object (``{id: 7, name: …}``)."""
    if isinstance(value, Mapping):
        return {str(value[k]) for k in _WHO if isinstance(value.get(k), str | int)}
    return {str(value)} if isinstance(value, str | int) and not isinstance(value, bool) else set()


def who_values(record: Mapping[str, Any]) -> set[str]:
    """The values of a person's own record that name that person (its id, user name, e-mail)."""
    return set(who_fields(record).values())


def who_fields(record: Mapping[str, Any]) -> dict[str, str]:
    """:func:`who_values` with the field each is under (``{"id": "7", "email": ...}``)."""
    return {k: str(record[k]) for k in _WHO if isinstance(record.get(k), str | int)}


_PROFILE = {
    "id", "uuid", "guid", "user", "username", "member", "handle", "nick", "nickname",
    "display", "screen", "name", "avatar", "picture", "photo", "image", "thumbnail", "url",
    "html", "bio", "about", "headline", "tagline", "website", "homepage", "profile",
    "created", "joined", "since", "at", "followers", "following", "count", "pronouns",
}  # fmt: skip


_IDS = {"id", "uuid", "guid"}
_DOCUMENTS = {
    "national", "tax", "passport", "social", "ssn", "card", "bank", "account", "iban",
    "license", "licence", "driver", "customer", "patient", "policy",
}  # fmt: skip


def is_profile(name: str) -> bool:
    """True for a field a public member profile shows (see the module docstring)."""
    words = tokens(name)
    if words and words[-1] in _IDS:
        return not _DOCUMENTS & set(words)
    return bool(words) and set(words) <= _PROFILE


_CREDENTIAL_WORDS = r"(?i:pass(?:word|wd|phrase)?|pwd|secret)"
PASSWORD = re.compile(
    # A word of a snake, kebab or camel name (lowercase does not go on), or the name's end.
    rf"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z])){_CREDENTIAL_WORDS}(?![a-z])|{_CREDENTIAL_WORDS}$"
)
"""A field that carries a password or secret, in a sign-up's or a login's body."""
ACCOUNT = re.compile(r"user|login|e-?mail|account|handle|^name$", re.IGNORECASE)
"""A field that names the account (``username``, ``email``, ``login``...)."""


def is_password(name: str) -> bool:
    """True for a field that carries a password or secret (see :data:`PASSWORD`)."""
    return PASSWORD.search(name) is not None


def credentials(names: Sequence[str]) -> tuple[str, str] | None:
    """The account and password fields among ``names``, or None when one is missing.

    A password word wins over a bare ``secret`` (an OAuth client's, beside the user's
    password); ``id`` names the account only when no other field does.
    """
    ranked = sorted(names, key=lambda n: "pass" not in n.lower())
    password = next((n for n in ranked if is_password(n)), None)
    others = [n for n in names if n != password]
    user = next((n for n in others if ACCOUNT.search(n)), "id" if "id" in others else None)
    return (user, password) if user and password else None


_REMEMBER = frozenset({"remember", "persistent", "persist"})
_KEEP = frozenset({"keep", "stay"})
_SIGNED_IN = frozenset({"signed", "logged", "login"})


def is_remember_flag(name: str) -> bool:
    """True for a login's "keep me signed in" flag (``remember_me``, ``stayLoggedIn``, ``persistent``)."""
    words = set(tokens(name))
    return bool(words & _REMEMBER) or (bool(words & _KEEP) and bool(words & _SIGNED_IN))


def own_scalars(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record's scalar fields, and the id-like fields of the objects it lists, the first of
    each where the record has no field of that name: what it belongs to. The NestJS trial's
    ``GET /users/me`` named its organisers only in ``memberships: [{"orgSlug": ...}]``, and
    every identity was sent to the first organiser listed, another tenant's."""
    found = {k: v for k, v in record.items() if isinstance(v, str | int)}
    for value in record.values():
        for item in value if isinstance(value, list) else []:
            for key, held in item.items() if isinstance(item, Mapping) else ():
                if (
                    IDLIKE.search(key)
                    and isinstance(held, str | int)
                    and not isinstance(held, bool)
                ):
                    found.setdefault(key, held)
    return found
