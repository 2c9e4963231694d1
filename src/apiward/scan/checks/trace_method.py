"""``trace_method`` (API8): TRACE or TRACK answered with the request echoed back.

A request echoed in the answer hands a page's script the headers it cannot read
itself (cookies marked HttpOnly, Authorization): cross-site tracing. Modern browsers
refuse to send TRACE from scripts, so the risk is mostly what proxies and other
clients can do with it: low. Probed on the root and on one documented read (four
requests in all); the oracle is a unique header value coming back in the body.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome
from apiward.scan.context import Context
from apiward.scan.request import Request, Where

METHODS = ("TRACE", "TRACK")
MARKER = "X-Apiward-Trace"


class TraceMethod:
    """TRACE / TRACK echo the request."""

    id = "trace_method"
    title = "TRACE echoes requests"
    owasp = "API8:2023"
    cwe = "CWE-693"
    safe = True
    remediation = "Disable TRACE and TRACK in the server and any proxy in front of it."

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Send TRACE and TRACK with a marker header to the root and one read."""
        paths = ["/"]
        read = next((op for op in ctx.probes if op.method == "GET"), None)
        if read is not None:
            paths.append(ctx.request(read).target)
        for path in paths:
            for method in METHODS:
                marker = secrets.token_hex(8)
                probe = Request(method=method, path=path).with_param(Where.HEADER, MARKER, marker)
                reply = await ctx.send(probe, as_=None, note=f"{method} probe")
                if marker in reply.text:
                    yield ctx.finding(
                        self,
                        f"{method} {path}",
                        title=f"{method} {path} echoes the request",
                        severity=Severity.LOW,
                        confidence=Confidence.CONFIRMED,
                        detail=f"A {method} request's {MARKER} header came back in the body.",
                        evidence=[reply],
                        key=method,
                    )
                    return
