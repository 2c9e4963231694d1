"""Outbound HTTPS with certificate checks turned off (requests, httpx, aiohttp).

Supersedes bandit's B501, which knows requests and httpx but not aiohttp's ``ssl=False``.
"""

from __future__ import annotations

from collections.abc import Iterator

from apiward.audit.code.astutil import calls, dotted, is_constant, keyword, last_name
from apiward.audit.code.rule import CodeRule, Hit
from apiward.audit.code.source import Project
from apiward.core.findings import Severity

CLIENT_LIBRARIES = frozenset({"requests", "httpx", "aiohttp"})
HTTP_CALLS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "request",
        "stream",
        "send",
        "ws_connect",
        "Client",
        "AsyncClient",
        "Session",
        "ClientSession",
        "TCPConnector",
        "HTTPTransport",
        "AsyncHTTPTransport",
    }
)
# requests/httpx take ``verify``; aiohttp takes ``ssl`` (and the older ``verify_ssl``).
SWITCHES = ("verify", "ssl", "verify_ssl")


def _hits(project: Project) -> Iterator[Hit]:
    for source in project.files:
        libraries = {
            local
            for local, target in source.imports.items()
            if target.split(".")[0] in CLIENT_LIBRARIES
        }
        for call in calls(source.tree):
            if not _outbound(call, libraries):
                continue
            for switch in SWITCHES:
                if is_constant(keyword(call, switch), False):
                    yield Hit(source=source, line=call.lineno, why=f"{switch}=False")


def _outbound(call: object, libraries: set[str]) -> bool:
    """A call into an HTTP client library, or an HTTP-verb method in a file that imports one."""
    if not libraries or not hasattr(call, "func"):
        return False
    name = dotted(call.func)
    return name.split(".")[0] in libraries or last_name(call.func) in HTTP_CALLS


RULE = CodeRule(
    id="tls-verify-off",
    title="Outbound HTTPS without certificate verification",
    severity=Severity.HIGH,
    owasp="API10:2023",
    cwe="CWE-295",
    remediation=(
        "Remove `verify=False`/`ssl=False`; to trust a private CA, pass its bundle "
        "(`verify='/path/ca.pem'` or an `ssl.SSLContext` loaded with it)."
    ),
    check=_hits,
)
