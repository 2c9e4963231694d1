"""``version_disclosure`` (practice 4): server software and its version named in answers.

Headers that name software (``Server``, ``X-Powered-By``, ``X-AspNet-Version``,
``X-AspNetMvc-Version``, ``X-Generator``, ``X-Runtime``, ``Via``; not one holding a number
alone: Rails' ``X-Runtime: 0.030771`` is a duration) and banners in error
pages (``Apache/2.4.41``, ``nginx/1.18.0``, ``Werkzeug/2.0.1``...), and JSON bodies
that name software and its version: a field named for software (``python_version``,
``server``, ``database``, ``framework``...) holding a version, or any string value that
is a product banner (``"PostgreSQL 12.3"``, ``"Flask 2.0.1"``). An API's own
``"version": "2.1"`` names the API, not software, and is not reported. Looks at answers
the scan already has (the first identity's legitimate reads) plus two of its own: the
root and a path that cannot exist (an error page). A version number lets an attacker pick
known exploits: low; a product without a version: info. One finding per header or
banner (``key``), filed under the first answer that showed it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Iterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome
from apiward.scan.context import Context
from apiward.scan.request import Request
from apiward.scan.transport import Reply

HEADERS = (
    "server",
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-generator",
    "x-runtime",
    "via",
)
VERSION = re.compile(r"\d+\.\d+(\.\d+)?")
BANNER = re.compile(
    r"\b(Apache|nginx|Microsoft-IIS|Werkzeug|Jetty|Apache Tomcat|Tomcat|openresty|"
    r"gunicorn|uvicorn|Express|PHP|OpenSSL|Kestrel|WildFly|JBoss|lighttpd|Caddy|"
    r"Envoy|Django|Flask|Rails|Spring Boot|Node\.js)[/ ]v?(\d+\.\d+(\.\d+)?)"
)
LICENCES = frozenset({"Apache 2.0", "Apache 1.1", "Apache 1.0"})
"""Licence names, not servers: every contract's ``info.license`` may carry one."""
MAX_READS = 5
SOFTWARE_FIELD = re.compile(
    r"(^|[_\-.])(python|php|node|nodejs|java|jvm|ruby|go|golang|dotnet|runtime|framework|"
    r"server|webserver|database|db|postgres|postgresql|mysql|mariadb|mongo|mongodb|redis|"
    r"sqlite|nginx|apache|django|flask|fastapi|express|spring|rails|laravel|os|kernel|"
    r"platform|engine|library|libraries|dependencies)([_\-.]?version)?$",
    re.IGNORECASE,
)
JSON_BANNER = re.compile(
    r"\b(PostgreSQL|MySQL|MariaDB|MongoDB|Redis|SQLite|Python|CPython|PHP|Node\.js|OpenJDK|"
    r"Ruby|Django|Flask|FastAPI|Express|Spring Boot|Rails|Laravel|Ubuntu|Debian|Alpine|"
    r"CentOS)[/ ]v?(\d+\.\d+(\.\d+)?)"
)
"""Products named with a version inside a JSON string (not Apache: "Apache 2.0" is a licence)."""
MAX_DEPTH = 4
_NUMBER = re.compile(r"\d+(\.\d+)?")
"""A header holding a number alone names no software (Rails' ``X-Runtime: 0.030771``)."""


class VersionDisclosure:
    """Server software and versions in headers and error pages."""

    id = "version_disclosure"
    title = "Server software and version disclosed"
    owasp = "API8:2023"
    cwe = "CWE-200"
    safe = True
    remediation = (
        "Remove or blank Server, X-Powered-By and X-AspNet-Version headers and version "
        "banners from error pages (server_tokens off, expose_php off, uvicorn --no-server-header)."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Collect answers and report every product header or banner once."""
        seen: set[str] = set()
        for label, reply in await _answers(ctx):
            for key, text, versioned in disclosed(reply):
                if key in seen:
                    continue
                seen.add(key)
                yield ctx.finding(
                    self,
                    label,
                    title=f"{key} discloses {text}",
                    severity=Severity.LOW if versioned else Severity.INFO,
                    confidence=Confidence.CONFIRMED,
                    detail=f"The answer names its software: {key}: {text}"
                    + ("" if versioned else " (no version number)."),
                    evidence=[reply],
                    key=key,
                )


async def _answers(ctx: Context) -> list[tuple[str, Reply]]:
    answers: list[tuple[str, Reply]] = []
    if ctx.identities:
        reads = [op for op in ctx.probes if op.method == "GET"][:MAX_READS]
        answers += [(op.key, await ctx.legit(op, ctx.identities[0])) for op in reads]
    for path in ("/", f"/apiward-{secrets.token_hex(6)}"):
        reply = await ctx.send(Request(method="GET", path=path), as_=None, note="error page")
        answers.append((f"GET {path}", reply))
    return answers


def disclosed(reply: Reply) -> Iterator[tuple[str, str, bool]]:
    """``(key, what, has a version)`` for each product header and body banner."""
    for name in HEADERS:
        value = reply.header(name)
        if value and not _NUMBER.fullmatch(value.strip()):  # Rails' X-Runtime: a duration
            yield name.title(), value.strip()[:120], VERSION.search(value) is not None
    for match in BANNER.finditer(reply.text[:20_000]):
        if match[0] not in LICENCES:
            yield f"banner {match[1]}", match[0], True
    for path, text in _json_strings(reply.data, "", 0):
        field = path.rsplit(".", 1)[-1]
        if BANNER.search(text):
            continue  # already reported as a banner of the whole body
        versioned = VERSION.fullmatch(text.strip().lstrip("v")) is not None
        if JSON_BANNER.search(text) or (SOFTWARE_FIELD.search(field) and versioned):
            yield f"body {path}", f"{path}: {text[:120]}", True


def _json_strings(data: object, path: str, depth: int) -> Iterator[tuple[str, str]]:
    """``(dotted path, text)`` of every string (or number, as text) in a JSON answer."""
    if depth > MAX_DEPTH:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _json_strings(value, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(data, list):
        for item in data[:20]:
            yield from _json_strings(item, path, depth + 1)
    elif isinstance(data, str | float) and not isinstance(data, bool):
        yield path, str(data)
