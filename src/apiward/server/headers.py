"""Every response's security headers, and cross-site state-changing requests refused.

The Content-Security-Policy allows no script at all (the pages have none) and styles
and images from the dashboard itself only. A state-changing request that a browser
says comes from another site (``Sec-Fetch-Site``, ``Origin``) is refused before any
route sees it; the CSRF token (``apiward.server.access``) is the check that does not
depend on what the browser sends.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
FAVICON = "/favicon.ico"  # a file like those under /static/: anyone may fetch and cache it
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_ALWAYS = {
    "content-security-policy": POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Fingerprints and filters are in URLs; another site need not learn them. Not
    # no-referrer: under it Chromium posts forms with ``Origin: null``, a cross-site look.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: the headers above on every response; cross-site writes refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE and _cross_site(scope):
            refused = PlainTextResponse("cross-site request refused", status_code=403)
            await refused(scope, receive, self._adding(send, static=False))
            return
        static = scope["path"].startswith("/static/") or scope["path"] == FAVICON
        await self.app(scope, receive, self._adding(send, static=static))

    @staticmethod
    def _adding(send: Send, *, static: bool) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS.items():
                    headers[name] = value
                if not static:
                    # Pages list weaknesses: no shared or disk cache keeps a copy.
                    headers["cache-control"] = "no-store"
            await send(message)

        return sending


def _cross_site(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
    return origin.lower() != own.lower()
