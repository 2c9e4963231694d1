"""``plain_http`` (API8): the API takes credentials over plain HTTP where HTTPS is expected.

Decides on the contract and on answers the scan already has: when every server the
contract declares is absolute ``https://`` (the API says it is served over TLS) and
the scan's target is ``http://``, the first secured read that an identity's legitimate,
credential-bearing request got a 2xx for *over plain HTTP* is the evidence — the API
accepted the credential in clear text and answered with data instead of redirecting
(301/302/307/308) or refusing (e.g. 403, 426). No new traffic: the legitimate replies
are shared with the other checks (``ctx.legit``). Runs once per scan.

Severity: low when the target is a loopback address (most likely the application
behind a TLS-terminating proxy, which a scan of the public address would settle),
medium otherwise (credentials crossed the network unencrypted and were accepted).

Deliberately not flagged: contracts with relative or any ``http://`` server (plain
HTTP is then declared, not a misconfiguration), reads answered with a redirect or a
refusal, and public operations (no credential travels). Targets given as ``https://``
are skipped: trying ``http://`` on port 80 of the same host is not done here (it
would send the identity's credential in clear to a port nobody asked us to scan).
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import READS
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation


class PlainHttp:
    """Credentials accepted over plain HTTP although the contract declares HTTPS only."""

    id = "plain_http"
    title = "Plain HTTP accepted where HTTPS is expected"
    owasp = "API8:2023"
    cwe = "CWE-319"
    safe = True
    remediation = (
        "Serve the API over HTTPS only: answer plain HTTP with a redirect (308) to the "
        "https:// URL and no data, or not at all, and send Strict-Transport-Security on "
        "HTTPS answers so clients never try plain HTTP again."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Report the first secured read answered with data over plain HTTP."""
        why = _precondition(ctx)
        if why is not None:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
            return
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        for operation in ctx.probes:
            if operation.method not in READS or operation.is_public:
                continue
            found = await _answered(ctx, operation)
            if found is not None:
                yield self._finding(ctx, operation, *found)
                return

    def _finding(
        self, ctx: Context, operation: Operation, identity: Identity, reply: Reply
    ) -> Outcome:
        target = ctx.sessions.transport.base_url
        local = _loopback(target)
        return ctx.finding(
            self,
            operation,
            title=f"{operation.key} answers credential-bearing requests over plain HTTP",
            severity=Severity.LOW if local else Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                "Every server in the contract is https://, yet "
                f"{identity.name}'s request with its credential to {target} over plain HTTP "
                f"got {reply.status} with data, not a redirect to https:// nor a refusal"
                + (
                    " (the target is a loopback address: if TLS ends at a proxy in front, "
                    "scan the public address to settle it)."
                    if local
                    else ": the credential and the answer crossed the network unencrypted."
                )
            ),
            evidence=[reply],
            key="scheme:http",
        )


def _precondition(ctx: Context) -> str | None:
    """Why the check does not apply, or None."""
    servers = [s.url for s in ctx.api.servers]
    if not servers or not all(url.lower().startswith("https://") for url in servers):
        return "the contract does not declare https:// servers only"
    if urlsplit(ctx.sessions.transport.base_url).scheme.lower() != "http":
        return "the target is https://; port 80 is not probed with credentials"
    return None


async def _answered(ctx: Context, operation: Operation) -> tuple[Identity, Reply] | None:
    """The first identity whose legitimate read got data (a 2xx) over plain HTTP."""
    for identity in ctx.identities:
        try:
            reply = await ctx.legit(operation, identity)
        except Withheld:
            continue
        if reply.ok and reply.text.strip():
            return identity, reply
    return None


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
