"""Route handlers that never ask who is calling.

Login, sign-up, token, health and documentation routes are public by design and are
left out; mark any other deliberately public route with a ``# apiward: public``
comment on its decorator or ``def`` line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apiward.audit.code import falcon_routes
from apiward.audit.code.routes import Route, routes
from apiward.audit.code.rule import CodeRule, Hit
from apiward.audit.code.source import Project
from apiward.core.findings import Severity

PUBLIC_PATH = re.compile(
    r"(^|/)(login|logout|sign-?in|sign-?up|register|token|oauth2?|callback|health[z]?|livez?"
    r"|readyz?|ping|status|docs|redoc|openapi(\.json)?|forgot-password|reset-password|\.well-known)"
    r"(/|$)",
    re.IGNORECASE,
)
MARKER = "apiward: public"


def public_on_purpose(route: Route) -> bool:
    """Routes every API leaves open (login, health...) or that the code marks as public."""
    if route.path in {"", "/"} or PUBLIC_PATH.search(route.path):
        return True
    lines = range(max(route.line - 4, 1), route.line + 1)
    return any(MARKER in route.source.line(n) for n in lines)


def _hits(project: Project) -> Iterator[Hit]:
    for route in (*routes(project), *falcon_routes.routes(project)):
        if route.authenticated or public_on_purpose(route):
            continue
        methods = "/".join(route.methods)
        yield Hit(
            source=route.source,
            line=route.line,
            why=f"{methods} {route.path} has no authentication dependency",
            operation=f"{route.methods[0]} {route.path}",
            severity=Severity.HIGH if route.writes else None,
        )


RULE = CodeRule(
    id="route-without-auth",
    title="Route handler without authentication",
    severity=Severity.MEDIUM,
    owasp="API2:2023",
    cwe="CWE-306",
    remediation=(
        "Require a caller: add a `Depends`/`Security` on the current user (or put it in the "
        "router's `dependencies=`), a `@login_required`-style decorator in Flask, or mark the "
        "route `# apiward: public` if it is public on purpose."
    ),
    check=_hits,
)
