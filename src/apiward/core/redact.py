"""Credential redaction: the one place that decides what a report or a log may show.

Every report writer and log sink passes findings through :class:`Redactor` before
writing them. It hides the values of credential-carrying headers, of query
parameters and JSON/form fields named like secrets, anything that looks like a JWT,
apiward's own API tokens (``apiward_`` and 43 base64url characters, whoever leaked them
where), and any secret value it was told about (an identity's password, a token it got).
``Redactor(enabled=False)`` is ``--show-secrets``.

It removes values, never words. A field is secret when a part of its name is
(``password_hash``, ``X-Api-Key``, ``sessionToken``), not when a word merely contains
a few of its letters (``shipping`` holds ``pin``, ``author`` holds ``auth``). A known
secret is masked only where it stands alone, not inside a longer word or number, and
only from :data:`MIN_SECRET` characters: a login form's ``grant_type: password`` once
made the word "password" vanish from every title and fix in a report.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from apiward.core.findings import Exchange, Finding, Message, RecordedRequest

MASK = "[redacted]"

M = TypeVar("M", bound=Message)

TOKEN_PREFIX = "apiward_"  # noqa: S105 (a prefix, so secret scanners can find leaked tokens)
"""How the dashboard's API tokens start (``apiward.server.tokens``)."""
API_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])apiward_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")

MIN_SECRET = 6
"""Known secret values shorter than this are not masked in free text (too many false hits)."""

_EXCHANGES = 1024
"""Distinct exchanges a redactor remembers: bounded, since a guard's sink lives for days."""

# On a name in snake_case: words that make it secret wherever they appear in it, and
# short words that do only as a whole part (``pin`` but not ``shipping``).
_SECRET_NAME = re.compile(
    r"password|passwd|passphrase|secret|token|apikey|credential|cookie|signature|authoriz"
    r"|(?:^|_)(?:pass|pwd|pin|otp|ssn|cvv|cvc|auth|sid|session(?:_?id)?|api_key"
    r"|private_?key|card_?number)(?:$|_)"
)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
# A known secret stands alone when no letter, digit or underscore touches it.
_ALONE = r"(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])"
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token"}
)
# Three base64url segments starting with a JSON object's encoding ("ey"): a JWT.
# Every pattern starts at a boundary and bounds its names: bodies run to 64 KB, and an
# unanchored ``[...]+=`` rescans a long run from each of its characters (quadratic).
_JWT = re.compile(r"(?<![A-Za-z0-9_-])ey[A-Za-z0-9_-]{8,}\.ey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
# name=value in query strings and form bodies; "name": "value" in JSON.
_PAIR = re.compile(r"(?<![A-Za-z0-9_.-])(?P<name>[A-Za-z0-9_.-]{1,64})=(?P<value>[^&\s#\"']*)")
# The value's loop is unrolled (runs of plain characters, then one escape): an alternation
# tried per character took seconds on a 2 MB string value.
_JSON_PAIR = re.compile(
    r"\"(?P<name>[^\"\\]{1,64})\"(?P<sep>\s*:\s*)\"(?P<value>[^\"\\]*(?:\\.[^\"\\]*)*)\""
)


@functools.lru_cache(maxsize=4096)  # names repeat: a body of pairs asks for few distinct ones
def secret_name(name: str) -> bool:
    """Whether a header, parameter or field called ``name`` carries a credential."""
    plain = _SEPARATORS.sub("_", _CAMEL.sub(r"\1_\2", name[:64]).lower())
    return _SECRET_NAME.search(plain) is not None


def _mask_jwt(match: re.Match[str]) -> str:
    header = match.group(0).split(".", 1)[0]
    # Keep the header: which algorithm a token claims is often the evidence itself.
    return f"{header}.{MASK}.{MASK}"


class Redactor:
    """Hides credentials in text, headers, exchanges and findings."""

    def __init__(self, secrets: Iterable[str] = (), *, enabled: bool = True) -> None:
        self.enabled = enabled
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._patterns = {s: re.compile(_ALONE.format(re.escape(s))) for s in self._secrets}
        # A scan's findings share evidence (one login, one listing): redact each exchange once.
        self.exchange = functools.lru_cache(maxsize=_EXCHANGES)(self._exchange)

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also hides these values wherever they appear."""
        return Redactor([*self._secrets, *secrets], enabled=self.enabled)

    def text(self, text: str) -> str:
        """``text`` with known secrets, JWTs and secret-named fields masked."""
        if not self.enabled or not text:
            return text
        for secret in self._secrets:
            if secret in text:  # the plain search first: most texts hold no secret
                text = self._patterns[secret].sub(MASK, text)
        if TOKEN_PREFIX in text:
            text = API_TOKEN.sub(MASK, text)
        text = _JWT.sub(_mask_jwt, text)
        text = _PAIR.sub(self._pair, text)
        return _JSON_PAIR.sub(self._json_pair, text)

    def header(self, name: str, value: str) -> str:
        """A header's value as a report may show it."""
        if not self.enabled:
            return value
        if name.lower() in _SECRET_HEADERS or secret_name(name):
            scheme, _, rest = value.partition(" ")
            # "Bearer [redacted]" still tells the reader which scheme was used.
            return f"{scheme} {MASK}" if rest and scheme.isalpha() and len(scheme) < 16 else MASK
        return self.text(value)

    def message(self, message: M) -> M:
        """A recorded request or response with its headers and body redacted."""
        # Most messages hold nothing to hide: give those back as they are, not copied.
        changes: dict[str, Any] = {}
        headers = tuple((name, self.header(name, value)) for name, value in message.headers)
        if headers != message.headers:
            changes["headers"] = headers
        body = self.text(message.body)
        if body != message.body:
            changes["body"] = body
        if isinstance(message, RecordedRequest):
            url = self.text(message.url)
            if url != message.url:
                changes["url"] = url
        return dataclasses.replace(message, **changes) if changes else message

    def _exchange(self, exchange: Exchange) -> Exchange:
        """An exchange with both sides redacted (``exchange`` remembers the latest ones)."""
        request = self.message(exchange.request)
        response = self.message(exchange.response) if exchange.response else None
        if request is exchange.request and response is exchange.response:
            return exchange
        return dataclasses.replace(exchange, request=request, response=response)

    def finding(self, finding: Finding) -> Finding:
        """A finding with its evidence, reproduction and detail redacted."""
        if not self.enabled:
            return finding
        evidence = tuple(self.exchange(e) for e in finding.evidence)
        detail = self.text(finding.detail)
        reproduction = self.text(finding.reproduction) if finding.reproduction else None
        if (
            detail == finding.detail
            and reproduction == finding.reproduction
            and all(a is b for a, b in zip(evidence, finding.evidence, strict=True))
        ):
            return finding
        return dataclasses.replace(
            finding, detail=detail, evidence=evidence, reproduction=reproduction
        )

    def _pair(self, match: re.Match[str]) -> str:
        if match.group("value") and secret_name(match.group("name")):
            return f"{match.group('name')}={MASK}"
        return match.group(0)

    def _json_pair(self, match: re.Match[str]) -> str:
        if match.group("value") and secret_name(match.group("name")):
            return f'"{match.group("name")}"{match.group("sep")}"{MASK}"'
        return match.group(0)
