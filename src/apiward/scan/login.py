"""One login: the request a ``Login`` sends, and what its answer yields or why it failed.

A login succeeded when its answer **yields a credential**, whatever the status says:
the token at the login's ``token`` path, or (without ``token:``) the one at
``access_token`` or else a session cookie the answer set. Many APIs answer a wrong
password with ``200 {"status": "fail"}``, so a 2xx alone proves nothing; an answer
that reads like a refusal (``status: fail``, ``success: false``, an ``error`` field, a
redirect to ``?error``) yields nothing even when it sets a cookie (frameworks hand
every visitor a session). ``LoginError.reason`` says which of these it was:

* wrong credentials — the status and a short, redacted excerpt of the answer;
* no token at the path in a 2xx JSON answer — the keys the answer has, and where a
  token-like value sits if one does;
* the operation is not in the contract — said beside either of the above;
* a target error — the transport's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from apiward.core.redact import Redactor
from apiward.scan.cookies import Cookie
from apiward.scan.identities import DEFAULT_TOKEN, Login
from apiward.scan.request import BodyKind, Request
from apiward.scan.transport import Reply

EXCERPT = 200
_REFUSAL_WORDS = re.compile(
    r"\b(fail(ed|ure)?|invalid|incorrect|wrong|denied|unauthori[sz]ed|bad credentials)\b",
    re.IGNORECASE,
)
_VERDICT_KEYS = ("status", "result", "outcome", "state", "message", "msg", "detail")
_FLAG_KEYS = ("success", "ok", "authenticated", "valid")
_TOKENISH = re.compile(r"token|jwt|bearer|session|auth|key", re.IGNORECASE)


class LoginError(Exception):
    """A login whose answer yields no credential; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedIn:
    """What a successful login yields: a token, the cookies it set, and its answer."""

    token: str | None
    cookies: tuple[Cookie, ...]
    answer: Any
    reply: Reply | None = None


def request(login: Login) -> Request:
    """The request ``login`` sends: its body, query and basic credentials."""
    headers = (("Authorization", login.basic.header()),) if login.basic else ()
    kind = BodyKind.FORM if login.form else BodyKind.JSON
    if not login.body and not login.form and (login.query or login.basic):
        kind = BodyKind.NONE
    body: Any = dict(login.body) if kind is not BodyKind.NONE else None
    if login.form:
        body = {k: str(v) for k, v in login.body.items()}
    return Request(
        method=login.method,
        path=login.path,
        operation=login.operation,
        query=tuple((k, str(v)) for k, v in login.query.items()),
        headers=headers,
        body=body,
        body_kind=kind,
    )


def outcome(
    login: Login,
    reply: Reply,
    cookies: tuple[Cookie, ...],
    *,
    operations: frozenset[str] | None,
    secrets: set[str],
) -> LoggedIn:
    """What ``reply`` to ``login`` yields; raises LoginError saying why it yields nothing."""
    token = _token(reply.data, login.token or DEFAULT_TOKEN) if reply.status < 400 else None
    refused = _refused(reply)
    cookies = tuple(c for c in cookies if c.value)
    if token is not None or (login.token is None and cookies and not refused):
        return LoggedIn(token=token, cookies=cookies, answer=reply.data, reply=reply)
    raise LoginError(_why(login, reply, refused, operations, secrets))


def refused(reply: Reply) -> bool:
    """True for an answer that says a request failed, whatever its status (``status: fail``)."""
    return _refused(reply)


def _refused(reply: Reply) -> bool:
    """True for an answer that says the login failed, whatever its status."""
    if reply.status >= 400:
        return True
    if 300 <= reply.status < 400:
        return bool(re.search(r"error|fail|denied", reply.header("location") or "", re.I))
    data = reply.data
    if not isinstance(data, dict):
        return bool(_REFUSAL_WORDS.search(reply.text[:2000]))
    if any(data.get(key) is False for key in _FLAG_KEYS):
        return True
    if data.get("error") or data.get("errors"):
        return True
    verdicts = (data.get(key) for key in _VERDICT_KEYS)
    return any(isinstance(v, str) and _REFUSAL_WORDS.search(v) for v in verdicts)


def _token(data: Any, path: str) -> str | None:
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    if isinstance(data, bool) or not isinstance(data, str | int) or data == "":
        return None
    return str(data)


def _why(
    login: Login,
    reply: Reply,
    refused: bool,
    operations: frozenset[str] | None,
    secrets: set[str],
) -> str:
    where = login.operation
    if operations is not None and login.operation not in operations:
        where += " (not an operation of the contract)"
    data = reply.data
    if refused or not reply.ok or not isinstance(data, dict):
        what = "no token or session cookie" if login.token is None else "no credential"
        return f"{where} answered {reply.status} with {what} (wrong credentials?): {_excerpt(reply, secrets)}"
    path = login.token or DEFAULT_TOKEN
    said = f"no token at {path!r}" + (
        " (the default) and no session cookie" if not login.token else ""
    )
    found = ", ".join(sorted(_paths(data))[:12]) or "none"
    hint = next(
        (f"; a token-like value is at {p!r}: set 'token: {p}'" for p in _tokenish(data)), ""
    )
    return f"{where} answered {reply.status} with {said}; the answer's keys: {found}{hint}"


def _excerpt(reply: Reply, secrets: set[str]) -> str:
    # Redact before cutting: a token cut in half no longer looks like one to the Redactor.
    text = Redactor(secrets).text(" ".join(reply.text[: EXCERPT * 20].split()))
    return (text[:EXCERPT] + "…" if len(text) > EXCERPT else text) or "(empty body)"


def _paths(data: dict[str, Any], prefix: str = "", depth: int = 2) -> Iterator[str]:
    for key, value in data.items():
        if isinstance(value, dict) and value and depth > 1:
            yield from _paths(value, f"{prefix}{key}.", depth - 1)
        else:
            yield prefix + str(key)


def _tokenish(data: dict[str, Any]) -> Iterator[str]:
    for path in _paths(data, depth=3):
        value = _token(data, path)
        if value is not None and len(value) >= 8 and _TOKENISH.search(path.rsplit(".", 1)[-1]):
            yield path
