"""The JSON API under ``/api``: what the pages show and do, for CI systems and scripts.

A script or CI system sends an API token as ``Authorization: Bearer apiward_...``
(``apiward.server.api_tokens``). A browser signs in with ``POST /api/login`` (the session
cookie comes back, and the CSRF token in the body) and sends the CSRF token as
``X-CSRF-Token`` on every write. Roles apply as on the pages. ``/api/openapi.json`` documents every operation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from apiward.core.errors import ConfigError
from apiward.core.findings import Severity
from apiward.server import models
from apiward.server.access import TRIAGER, VIEWER, engine_of
from apiward.server.owasp import categories_of, narrowed
from apiward.server.pages import set_session_cookie
from apiward.server.queries import (
    OPEN,
    Filters,
    api_summaries,
    finding_detail,
    findings_page,
    run_detail,
    run_mixes,
)
from apiward.server.sessions import COOKIE, Session, close_session, open_session
from apiward.server.users import authenticate
from apiward.store.records import State
from apiward.store.triage import decide

router = APIRouter(prefix="/api", tags=["dashboard"])
Viewer = Annotated[Session, Depends(VIEWER)]
Triager = Annotated[Session, Depends(TRIAGER)]
FINGERPRINT = Path(pattern=r"^[0-9a-f]{1,32}$")
# Row ids: a database integer (SQLite and PostgreSQL BIGINT), never one that overflows it.
ROW_ID = Path(ge=1, le=2**63 - 1)
REFUSED: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "not signed in, or an unknown, revoked or expired API token",
        "headers": {
            "WWW-Authenticate": {
                "description": "Bearer, when an API token was sent (RFC 6750)",
                "schema": {"type": "string"},
            }
        },
    },
    403: {"description": "role or CSRF token"},
}


@router.post(
    "/login",
    responses={
        401: {"description": "wrong name or password"},
        429: {"description": "too many failed attempts"},
    },
)
def login(request: Request, response: Response, credentials: models.Credentials) -> models.Me:
    """Sign in: sets the session cookie; the CSRF token for writes is in the answer."""
    client = request.client.host if request.client else "unknown"
    throttle = request.app.state.throttle
    if not throttle.allowed(client, credentials.name):
        raise HTTPException(429, "too many failed attempts; wait a minute")
    user = authenticate(engine_of(request), credentials.name, credentials.password)
    if user is None:
        throttle.failed(client, credentials.name)
        raise HTTPException(401, "wrong name or password")
    token, session = open_session(engine_of(request), user)
    set_session_cookie(request, response, token)
    return models.Me(name=user.name, role=user.role, csrf=session.csrf)


@router.post("/logout", status_code=204, responses=REFUSED)
def logout(request: Request, session: Viewer) -> Response:
    """End the session."""
    close_session(engine_of(request), request.cookies.get(COOKIE, ""))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", responses=REFUSED)
def me(session: Viewer) -> models.Me:
    """The signed-in user and the session's CSRF token."""
    return models.Me(name=session.user.name, role=session.user.role, csrf=session.csrf)


@router.get("/overview", responses=REFUSED)
def overview(request: Request, session: Viewer) -> models.OverviewOut:
    """Every API with its open findings by severity and its last run; the latest runs' mix."""
    with engine_of(request).connect() as connection:
        return models.overview_out(api_summaries(connection, _today()), run_mixes(connection))


@router.get("/findings", responses=REFUSED)
def findings(
    request: Request,
    session: Viewer,
    severity: Annotated[list[Severity], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    state: Annotated[list[State], Query()] = [],  # noqa: B006
    api: Annotated[str | None, Query(max_length=200)] = None,
    check: Annotated[str | None, Query(max_length=200)] = None,
    triage: Annotated[str, Query(pattern="^(untriaged|triaged|all)$")] = "untriaged",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    owasp: Annotated[str, Query(max_length=100)] = "",
) -> models.FindingsOut:
    """Findings, most severe first; by default the open ones nobody triaged away.

    ``owasp``: an OWASP API Top 10 2023 category (``API1:2023``; 2019 ids count as the
    2023 category that took them in), ``Injection`` or ``other``.
    """
    filters = Filters(
        severity=severity, state=state or list(OPEN), api=api, check=check, triage=triage
    )
    with engine_of(request).connect() as connection:
        filters = narrowed(connection, categories_of(request), filters, owasp)
        rows, total = findings_page(connection, filters, today=_today(), limit=limit, offset=offset)
    return models.FindingsOut(
        total=total, limit=limit, offset=offset, items=models.listed_out(rows)
    )


@router.get(
    "/findings/{api_id}/{fingerprint}",
    responses={**REFUSED, 404: {"description": "no such finding"}},
)
def finding(
    request: Request,
    session: Viewer,
    api_id: Annotated[int, ROW_ID],
    fingerprint: Annotated[str, FINGERPRINT],
) -> models.FindingDetailOut:
    """One finding: as last recorded (evidence redacted), the runs that reported it, its triage log."""
    with engine_of(request).connect() as connection:
        detail = finding_detail(connection, api_id, fingerprint)
    if detail is None:
        raise HTTPException(404, "no such finding")
    return models.detail_out(detail)


@router.post(
    "/findings/{api_id}/{fingerprint}/triage",
    responses={
        **REFUSED,
        400: {"description": "a decision that does not hold"},
        404: {"description": "no such finding"},
    },
)
def triage_finding(
    request: Request,
    session: Triager,
    api_id: Annotated[int, ROW_ID],
    fingerprint: Annotated[str, FINGERPRINT],
    decision: models.TriageIn,
) -> models.FindingOut:
    """Take a triage decision (needs the triager role); the finding as it now stands."""
    with engine_of(request).connect() as connection:
        detail = finding_detail(connection, api_id, fingerprint)
    if detail is None:
        raise HTTPException(404, "no such finding")
    try:
        tracked = decide(
            engine_of(request),
            fingerprint,
            decision.decision,
            reason=decision.reason,
            by=session.user.name,
            expires=decision.expires,
            api=detail.finding.api,
        )
    except ConfigError as error:
        raise HTTPException(400, str(error)) from None
    return models.finding_out(api_id, tracked)


@router.get("/runs/{run_id}", responses={**REFUSED, 404: {"description": "no such run"}})
def run(
    request: Request,
    session: Viewer,
    run_id: Annotated[int, ROW_ID],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> models.RunDetailOut:
    """One run: what it ran and skipped, and ``limit`` changes of its diff from ``offset`` on.

    The diff's changes count appeared, then disappeared, then changed findings; its
    ``size`` gives how many of each there are in all.
    """
    with engine_of(request).connect() as connection:
        detail = run_detail(connection, run_id, offset=offset, limit=limit)
    if detail is None:
        raise HTTPException(404, "no such run")
    return models.run_detail_out(detail, offset=offset, limit=limit)


def _today() -> date:
    return datetime.now(UTC).date()
