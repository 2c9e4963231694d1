"""Transport: where the API is served, and whether that is encrypted."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from apiward.audit.contract.contract import Contract
from apiward.audit.contract.rule import Hit, Rule
from apiward.core.findings import Severity

_LOCAL = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104 - names, not binds


def _local(host: str) -> bool:
    return host in _LOCAL or host.endswith((".localhost", ".local", ".test", ".example"))


def http_server(contract: Contract) -> Iterator[Hit]:
    """A server URL on plain ``http://`` (Swagger 2.0: ``http`` in ``schemes``).

    Not flagged: localhost, loopback and ``.local``/``.test``/``.example`` hosts,
    relative URLs (they inherit the scheme the contract was served with), and
    template variables resolved to their defaults first (``{scheme}://``).
    """
    if contract.api.spec_version == "2.0":
        yield from _swagger_http(contract)
        return
    raw = contract.source.at("/servers")
    for i, server in enumerate(contract.api.servers):
        url = server.url
        for name, default in server.variables.items():
            url = url.replace("{" + name + "}", default)
        split = urlsplit(url)
        if split.scheme == "http" and not _local(split.hostname or ""):
            yield Hit(
                pointer=f"/servers/{i}" if isinstance(raw, list) else "",
                detail=f"server {server.url} is plain HTTP",
                key=server.url,
            )


def _swagger_http(contract: Contract) -> Iterator[Hit]:
    schemes = contract.source.at("/schemes")
    host = contract.source.at("/host")
    plain = isinstance(schemes, list) and "http" in schemes
    if plain and isinstance(host, str) and not _local(host.split(":")[0]):
        yield Hit(pointer="/schemes", detail=f"host {host} is served over http", key=host)


def no_servers(contract: Contract) -> Iterator[Hit]:
    """The contract names no server (3.x ``servers``; 2.0 ``host``).

    Without one, nobody can tell which deployment the contract describes, and tools
    guess. Not flagged: a relative server URL such as ``/api`` (it says where,
    relative to the document); a contract with no operations (webhook-only
    contracts describe calls the API makes, to servers it does not own).
    """
    key = "/host" if contract.api.spec_version == "2.0" else "/servers"
    raw = contract.source.at(key)
    if not raw and contract.api.operations:
        yield Hit(pointer="", detail=f"no {key[1:]} declared", key="")


RULES = (
    Rule(
        id="contract.transport.http-server",
        title="API served over plain HTTP",
        severity=Severity.HIGH,
        owasp="API8:2023",
        cwe="CWE-319",
        remediation="Serve the API only over https:// and drop http:// servers from the contract.",
        check=http_server,
    ),
    Rule(
        id="contract.transport.no-servers",
        title="No server declared",
        severity=Severity.LOW,
        owasp="API9:2023",
        cwe=None,
        remediation="Declare the API's https:// servers, so clients and tools know what the contract describes.",
        check=no_servers,
    ),
)
