"""Account recovery: a password reset, asked for and confirmed, for the scan's own accounts only.

``POST /auth/password-reset {username}`` mails a code; ``POST /auth/password-reset/confirm
{username, code, new_password}`` checks it and sets the password. A 4-digit code there that
can be tried without end is the account takeover API2 names first (the PHP trial's F12:
its tester took a user over in 3.3 s). The scan never tried it: both operations were
destructive, "its path says 'reset'", and the confirm took a password, so ``short_secret``
read it as setting a code rather than checking one.

Sent for a real user, a recovery can lock that user out (an API that resets the password
at once and mails the new one), so it stays destructive but for one case: a recovery whose
every account name, in its body and query, is one the scan signed up goes out
(``Context.refuse``). Its confirm checks a code: ``short_secret`` asks for one for its own
account through the recovery that takes no code, then guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from apiward.scan.destructive import words
from apiward.scan.request import Request
from apiward.spec import Operation

_AGAIN = frozenset({"reset", "recover", "recovery", "forgot", "forgotten", "lost"})
_SECRETS = frozenset({"password", "passwords", "passcode", "pin", "credentials", "pwd"})
_NAMES = re.compile(r"^(user(_?name)?|e_?mail|login|phone|account)$", re.IGNORECASE)


def recovers(path: str, operation_id: str | None = None) -> bool:
    """True for a password recovery (``/auth/password-reset``, ``forgotPassword``)."""
    said = set(words(f"{path} {operation_id or ''}"))
    return bool(said & _AGAIN) and bool(said & _SECRETS)


def is_recovery(operation: Operation) -> bool:
    """True for an operation that recovers a password, asking for a code or confirming one."""
    return operation.method == "POST" and recovers(operation.path, operation.operation_id)


def own_recovery(request: Request, made: Callable[[object], bool]) -> bool:
    """True for a recovery whose every account name is one the scan made (see above)."""
    if not recovers(request.path):
        return False
    names = list(account_names(request))
    return bool(names) and all(made(value) for value in names)


def account_names(request: Request) -> Iterator[object]:
    """The values of ``request``'s body fields and query parameters that name an account."""
    body = request.body if isinstance(request.body, dict) else {}
    yield from (v for k, v in body.items() if _NAMES.match(k))
    yield from (v for k, v in request.query if _NAMES.match(k))


def is_name(field: str) -> bool:
    """True for a field that names an account (``username``, ``email``, ``login``): whose the
    request is, in a recovery or a short code's check (``short_secret``)."""
    return bool(_NAMES.match(field))
