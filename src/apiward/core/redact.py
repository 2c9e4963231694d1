"""Credential redaction: the one place that decides what a report or a log may show.

Every report writer and log sink passes findings through :class:`Redactor` before
writing them. It hides the values of credential-carrying headers, of query
parameters and JSON/form fields named like secrets, anything that looks like a JWT,
apiward's own API tokens (``apiward_`` and 43 base64url characters, whoever leaked them
where), and any secret value it was told about (an identity's password, a token it got).
``Redactor(enabled=False)`` is ``--show-secrets``.

It goes by where a credential sits as well as by its value, because a target renews
credentials while it is scanned (Mojolicious re-signs its session cookie on every
answer, tokens are refreshed): the cookies a scan sends later are values no one told it.
Every cookie value of a ``Cookie`` or ``Set-Cookie`` header is masked, names kept
(``session=[redacted]; Path=/``), and so is the value of every credential header,
including the names an identities file gave (``names``); a ``curl`` line is read as
arguments, so its ``-H`` headers follow the same rule. Where the run knows whose a value
was (``owners``), the mask says so: ``Bearer [credential of alice]``.

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
import shlex
from collections.abc import Iterable, Iterator, Mapping
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
    r"|(?:^|_)(?:pass|pwd|pin|otp|ssn|cvv|cvc|auth|sid|jwt|session(?:_?id)?|api_key"
    r"|private_?key|card_?number)(?:$|_)"
)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
# A known secret stands alone when no letter, digit or underscore touches it.
_ALONE = r"(?<![A-Za-z0-9_]){}(?![A-Za-z0-9_])"
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token"}
)
# A cookie's name=value: at the start of a Set-Cookie (or after the comma that joins two),
# or of each pair of a Cookie header. Attributes after ";" (Path, Expires) are no pair.
_SET_COOKIE = re.compile(r"(?P<lead>^|,\s*)(?P<name>[^=;,\s]{1,128})=(?P<value>[^;]*)")
LEARNED = 12
"""Credential values seen in a report's headers are masked everywhere from this length."""
# A shell word: runs of plain characters, 'single-quoted' and "double-quoted" parts, \x.
_WORD = re.compile(r"""(?:[^\s'"\\]+|'[^']*'|"[^"\\]*"|\\.)+""")
_PIECE = re.compile(r"""'([^']*)'|"([^"\\]*)"|\\(.)|([^'"\\]+)""")
_CURL_HEADER = frozenset({"-H", "--header"})
_CURL_COOKIE = frozenset({"-b", "--cookie"})
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

    def __init__(
        self,
        secrets: Iterable[str] = (),
        *,
        enabled: bool = True,
        names: Iterable[str] = (),
        owners: Mapping[str, str] | None = None,
    ) -> None:
        self.enabled = enabled
        # Header, cookie and parameter names the run's credentials travel under (X-Ranger).
        self._names = frozenset(n.lower() for n in names)
        self._owners = dict(owners or {})
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._patterns = {s: re.compile(_ALONE.format(re.escape(s))) for s in self._secrets}
        # A scan's findings share evidence (one login, one listing): redact each exchange once.
        self.exchange = functools.lru_cache(maxsize=_EXCHANGES)(self._exchange)

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also hides these values wherever they appear."""
        return Redactor(
            [*self._secrets, *secrets], enabled=self.enabled, names=self._names, owners=self._owners
        )

    def secret(self, name: str) -> bool:
        """Whether ``name`` (a header, cookie, parameter or field) carries a credential."""
        return secret_name(name) or name.lower() in self._names

    def text(self, text: str) -> str:
        """``text`` with known secrets, JWTs and secret-named fields masked; a curl line by its parts."""
        if not self.enabled or not text:
            return text
        if text.startswith("curl "):
            return self._command(text)
        return self._free(text)

    def _free(self, text: str) -> str:
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
        if name.lower() == "cookie":
            return self._cookie(value)
        if name.lower() == "set-cookie":
            return _SET_COOKIE.sub(self._set_cookie, value)
        if name.lower() in _SECRET_HEADERS or self.secret(name):
            scheme, _, rest = value.partition(" ")
            # "Bearer [redacted]" still tells the reader which scheme was used.
            if rest and scheme.isalpha() and len(scheme) < 16:
                return f"{scheme} {self._mask(rest)}"
            return self._mask(value)
        return self.text(value)

    def _mask(self, value: str) -> str:
        """The placeholder for a credential value: whose it was, when the run knows."""
        owner = self._owners.get(value.strip())
        return f"[credential of {owner}]" if owner else MASK

    def _cookie(self, value: str) -> str:
        """A Cookie header's value: each cookie's value masked, its name kept."""
        pairs = (pair.strip().partition("=") for pair in value.split(";") if pair.strip())
        return "; ".join(f"{n}={self._mask(v)}" if eq else self._mask(n) for n, eq, v in pairs)

    def _set_cookie(self, match: re.Match[str]) -> str:
        return f"{match['lead']}{match['name']}={self._mask(match['value'])}"

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
        if match.group("value") and self.secret(match.group("name")):
            return f"{match.group('name')}={self._mask(match.group('value'))}"
        return match.group(0)

    def _json_pair(self, match: re.Match[str]) -> str:
        if match.group("value") and self.secret(match.group("name")):
            return f'"{match.group("name")}"{match.group("sep")}"{self._mask(match["value"])}"'
        return match.group(0)

    def _command(self, line: str) -> str:
        """A curl line, each argument redacted by what it is: a header, cookies, URL or body."""
        args = _split(line)
        if args is None:
            return self._free(line)
        shown: list[str] = []
        for before, arg in zip(["", *args], args, strict=False):
            name, colon, value = arg.partition(":")
            if before in _CURL_HEADER and colon:
                shown.append(f"{name}: {self._curl_header(name, value.strip())}")
            elif before in _CURL_COOKIE:
                shown.append(self._cookie(arg))
            else:
                shown.append(self._free(arg))
        return " ".join(shlex.quote(arg) for arg in shown)

    def _curl_header(self, name: str, value: str) -> str:
        token = value.rsplit(" ", 1)[-1]
        known = token in self._owners or token in self._secrets
        if name.lower() not in {"cookie", "set-cookie"} and _JWT.fullmatch(token) and not known:
            # A curl line keeps a forged JWT's header: which algorithm it claims is the point;
            # an identity's own token is masked whole, as everywhere.
            return value[: -len(token)] + _mask_jwt(_JWT.fullmatch(token))  # type: ignore[arg-type]
        return self.header(name, value)

    def learning(self, findings: Iterable[Finding]) -> Redactor:
        """A redactor that also masks, everywhere, each credential found where one sits.

        A value the target issued mid-scan (a re-signed cookie, a refreshed token) is in
        no list of secrets; once seen in a ``Cookie`` header it is hidden in bodies too.
        """
        if not self.enabled:
            return self
        # A JWT is masked wherever it is, its header kept: learnt, it would lose the header.
        seen = {
            v
            for f in findings
            for v in _credentials(f)
            if len(v) >= LEARNED and not _JWT.fullmatch(v.rsplit(" ", 1)[-1])
        }
        return self.with_secrets(seen - set(self._secrets)) if seen else self


def _credentials(finding: Finding) -> Iterator[str]:
    """The credential values in ``finding``'s evidence headers and reproduction."""
    for exchange in finding.evidence:
        for message in (exchange.request, exchange.response):
            for name, value in message.headers if message else ():
                yield from _header_values(name, value)
    args = _split(finding.reproduction or "") or []
    for before, arg in zip(["", *args], args, strict=False):
        if before in _CURL_HEADER | _CURL_COOKIE:
            name, _, value = arg.partition(":") if before in _CURL_HEADER else ("cookie", "", arg)
            yield from _header_values(name, value.strip())


def _split(line: str) -> list[str] | None:
    """A curl line's arguments as a POSIX shell reads them (None if it is no such line).

    ``shlex.split`` reads one character at a time and grows each token by copying: minutes
    on a 2 MB ``--data-raw``. These regexes read what ``shlex.quote`` writes, in one pass.
    """
    if not line.startswith("curl "):
        return None
    words, end = [], 0
    for word in _WORD.finditer(line):
        if line[end : word.start()].strip():  # an unbalanced quote: not one this module wrote
            return None
        words.append("".join(p[0] or p[1] or p[2] or p[3] for p in _PIECE.findall(word[0])))
        end = word.end()
    return None if line[end:].strip() else words


def _header_values(name: str, value: str) -> Iterator[str]:
    lower = name.lower()
    if lower == "cookie":
        yield from (pair.partition("=")[2].strip() for pair in value.split(";"))
    elif lower == "set-cookie":
        yield from (m["value"].strip() for m in _SET_COOKIE.finditer(value))
    elif lower in _SECRET_HEADERS or secret_name(name):
        yield value.rsplit(" ", 1)[-1]
