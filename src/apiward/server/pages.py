"""The HTML pages: sign in and out, overview, findings, one finding (and its triage), runs.

Rendered on the server with Jinja2 (autoescaped); plain links and forms, no script.
Every page depends on a role (``apiward.server.access``); the triage form needs triager.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from apiward.core.errors import ConfigError
from apiward.core.findings import Severity
from apiward.server import charts
from apiward.server import owasp as owasp_filter
from apiward.server.access import TRIAGER, VIEWER, engine_of, session_of
from apiward.server.owasp import categories_of
from apiward.server.queries import (
    TRIAGE_VIEWS,
    Filters,
    Skip,
    api_summaries,
    filter_choices,
    finding_detail,
    findings_page,
    recent_runs,
    run_detail,
    run_mixes,
)
from apiward.server.sessions import (
    COOKIE,
    LIFETIME,
    Session,
    close_session,
    open_session,
    same_token,
)
from apiward.server.users import Role, authenticate
from apiward.store.records import Decision, State
from apiward.store.triage import decide

HERE = FilePath(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
LOGIN_COOKIE = "apiward_login"
PAGE = 100
FINGERPRINT = Path(pattern=r"^[0-9a-f]{1,32}$")
# Row ids: a database integer (SQLite and PostgreSQL BIGINT), never one that overflows it.
ROW_ID = Path(ge=1, le=2**63 - 1)

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Session, Depends(VIEWER)]
Triager = Annotated[Session, Depends(TRIAGER)]


def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
    """The template ``name`` with ``context``, the session and the severity colours."""
    context.setdefault("session", None)
    context["colours"] = charts.COLOURS
    # Scan and retest buttons are disabled, with the reason, when no queue would take them.
    context["queued"] = getattr(request.app.state, "queue", None) is not None
    return TEMPLATES.TemplateResponse(request, name, context, status_code=code)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    """The sign-in form, with a login CSRF token (double-submitted: cookie and field)."""
    if session_of(request) is not None:
        return RedirectResponse(local(next), status_code=303)
    return _login_page(request, next)


def _login_page(request: Request, next: str, *, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", status, token=token, next=local(next), error=error)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    csrf: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password (rate-limited) and start a session."""
    if not same_token(request.cookies.get(LOGIN_COOKIE), csrf):
        return _login_page(request, next, error="The form expired; sign in again.", status=403)
    client = request.client.host if request.client else "unknown"
    throttle = request.app.state.throttle
    if not throttle.allowed(client, name):
        return _login_page(
            request, next, error="Too many failed attempts; wait a minute.", status=429
        )
    user = authenticate(engine_of(request), name, password)
    if user is None:
        throttle.failed(client, name)
        return _login_page(request, next, error="Wrong name or password.", status=401)
    token, _ = open_session(engine_of(request), user)
    response = RedirectResponse(local(next), status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure when served over TLS."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


@router.post("/logout")
def logout(request: Request, session: Viewer) -> Response:
    """End the session."""
    close_session(engine_of(request), request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def overview(request: Request, session: Viewer) -> Response:
    """APIs riskiest first, open findings, the trend, last runs, the guard's refusals today."""
    with engine_of(request).connect() as connection:
        summaries = api_summaries(connection, _today())
        mixes = run_mixes(connection)
    totals = {s: sum(a.open.get(s, 0) for a in summaries) for s in Severity}
    return render(
        request,
        "overview.html",
        session=session,
        apis=summaries,
        totals=totals,
        severities=charts.MOST_SEVERE_FIRST,
        mix_chart=charts.severity_mix(totals),
        trend_chart=charts.trend(mixes),
    )


@router.get("/findings")
def findings_list(
    request: Request,
    session: Viewer,
    severity: Annotated[list[Severity], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    state: Annotated[list[State], Query()] = [],  # noqa: B006
    api: Annotated[str, Query(max_length=200)] = "",
    check: Annotated[str, Query(max_length=200)] = "",
    triage: Annotated[str, Query(pattern="^(untriaged|triaged|all)$")] = "untriaged",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    owasp: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The findings the filters select, a page at a time."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    chosen = Chosen(
        severity=severity, state=state, api=api, check=check, triage=triage, page=page, owasp=owasp
    )
    return show_findings(request, session, chosen, back=back, query=query)


@dataclass(frozen=True, slots=True, kw_only=True)
class Chosen:
    """The list's filters and page, as the query string gave them."""

    severity: list[Severity] = field(default_factory=list)
    state: list[State] = field(default_factory=list)
    api: str = ""
    check: str = ""
    triage: str = "untriaged"
    page: int = 1
    owasp: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkForm:
    """A bulk triage that did not hold: what was ticked and typed, and why it was refused."""

    picked: frozenset[str] = frozenset()
    decision: str = ""
    reason: str = ""
    expires: str = ""
    error: str = ""


def show_findings(
    request: Request,
    session: Session,
    chosen: Chosen,
    *,
    back: str,
    query: str,
    bulk: BulkForm | None = None,
) -> Response:
    """The findings list page; with ``bulk``, the triage form as it was sent, and its error."""
    filters = Filters(
        severity=chosen.severity,
        state=chosen.state or [State.NEW, State.OPEN, State.REGRESSED],
        api=chosen.api or None,
        check=chosen.check or None,
        triage=chosen.triage,
    )
    page = chosen.page
    with engine_of(request).connect() as connection:
        filters = owasp_filter.narrowed(connection, categories_of(request), filters, chosen.owasp)
        rows, total = findings_page(
            connection, filters, today=_today(), limit=PAGE, offset=(page - 1) * PAGE
        )
        names, checks = filter_choices(connection)
        categories = categories_of(request).of(connection, checks)
    return render(
        request,
        "findings.html",
        400 if bulk and bulk.error else 200,
        session=session,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        filters=filters,
        names=names,
        checks=checks,
        severities=charts.MOST_SEVERE_FIRST,
        states=list(State),
        triage_views=TRIAGE_VIEWS,
        owasp=chosen.owasp,
        categories=owasp_filter.choices(categories),
        can_triage=session.user.role.allows(Role.TRIAGER),
        decisions=[d for d in Decision if d is not Decision.CLEARED],
        back=back,
        query=query,
        bulk=bulk or BulkForm(),
    )


@router.get("/findings/{api_id}/{fingerprint}")
def finding_page(
    request: Request,
    session: Viewer,
    api_id: Annotated[int, ROW_ID],
    fingerprint: Annotated[str, FINGERPRINT],
) -> Response:
    """One finding: evidence, reproduction, history across runs, triage."""
    return _finding(request, session, api_id, fingerprint)


def _finding(
    request: Request, session: Session, api_id: int, fingerprint: str, *, error: str = ""
) -> Response:
    with engine_of(request).connect() as connection:
        detail = finding_detail(connection, api_id, fingerprint)
    if detail is None:
        raise HTTPException(404, "no such finding")
    return render(
        request,
        "finding.html",
        code=400 if error else 200,
        session=session,
        detail=detail,
        error=error,
        today=_today(),
        can_triage=session.user.role.allows(Role.TRIAGER),
        decisions=list(Decision),
    )


@router.post("/findings/{api_id}/{fingerprint}/triage")
def triage_finding(
    request: Request,
    session: Triager,
    api_id: Annotated[int, ROW_ID],
    fingerprint: Annotated[str, FINGERPRINT],
    decision: Annotated[Decision, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    expires: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Take a triage decision on the finding, as the signed-in user."""
    with engine_of(request).connect() as connection:
        detail = finding_detail(connection, api_id, fingerprint)
    if detail is None:
        raise HTTPException(404, "no such finding")
    try:
        until = date.fromisoformat(expires) if expires else None
        decide(
            engine_of(request),
            fingerprint,
            decision,
            reason=reason,
            by=session.user.name,
            expires=until,
            api=detail.finding.api,
        )
    except ValueError:
        return _finding(
            request, session, api_id, fingerprint, error="expires: not a YYYY-MM-DD date"
        )
    except ConfigError as error:
        return _finding(request, session, api_id, fingerprint, error=str(error))
    return RedirectResponse(f"/findings/{api_id}/{fingerprint}", status_code=303)


@router.get("/runs")
def runs_list(request: Request, session: Viewer) -> Response:
    """The latest runs of every API."""
    with engine_of(request).connect() as connection:
        runs = recent_runs(connection)
    return render(request, "runs.html", session=session, runs=runs)


@router.get("/runs/{run_id}")
def run_page(
    request: Request,
    session: Viewer,
    run_id: Annotated[int, ROW_ID],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """One run: what it tested, what it skipped and why, and its diff (a page at a time)."""
    with engine_of(request).connect() as connection:
        detail = run_detail(connection, run_id, offset=(page - 1) * PAGE, limit=PAGE)
    if detail is None:
        raise HTTPException(404, "no such run")
    changes = detail.diff.size.total if detail.diff else 0
    by_reason: dict[str, list[Skip]] = {}
    for skip in detail.skipped:
        by_reason.setdefault(skip.reason, []).append(skip)
    return render(
        request,
        "run.html",
        session=session,
        detail=detail,
        skips=sorted(by_reason.items(), key=lambda pair: (-len(pair[1]), pair[0])),
        page=page,
        pages=max(1, -(-changes // PAGE)),
    )


def local(target: str) -> str:
    """``target`` when it is a path on this site, else ``/``: no open redirect."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _today() -> date:
    return datetime.now(UTC).date()
