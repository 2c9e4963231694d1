"""The dashboard's ASGI app: pages and JSON API on one FastAPI app over one store.

No Swagger UI or ReDoc pages (they load scripts from a CDN); the OpenAPI document is at
``/api/openapi.json``. Static assets are package data, served from the package; the
icon is also at ``/favicon.ico``, where browsers look on a document that names none (JSON).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from apiward import __version__
from apiward.server import actions, activity, api, api_tokens, apis, bulk, pages, settings
from apiward.server.access import SignInNeededError, session_of
from apiward.server.dogfood import ApiGuard, load_policy
from apiward.server.headers import FAVICON, SecurityHeaders
from apiward.server.owasp import CheckCategories
from apiward.server.throttle import LoginThrottle

STATIC = Path(__file__).resolve().parent / "static"
SECTIONS = (activity, actions, apis, bulk, settings, api_tokens)
"""Pages that bring their JSON operations with them (``page_router`` and ``api_router``).

``actions`` comes before ``apis``: its ``/apis/new`` must match before ``/apis/{api_id}``."""


def create_app(
    engine: Engine,
    *,
    guarded: bool = True,
    guard_audit: str | None = None,
    queue: str | None = None,
) -> FastAPI:
    """The dashboard over ``engine`` (a store opened with ``open_dashboard_store``).

    ``guarded``: the JSON API behind apiward's guard with the shipped policy
    (``apiward.server.dogfood``); ``guard_audit`` is where its audit events go (stdout).
    ``queue``: the job queue's PostgreSQL URL, where scans and retests are put.
    """
    app = FastAPI(
        title="apiward dashboard",
        version=__version__,
        description="Findings, runs and triage from the apiward store. Scripts and CI send "
        "an API token as Authorization: Bearer apiward_... (no CSRF token needed). "
        "A browser signs in with POST /api/login, then sends the CSRF token it returns as "
        "X-CSRF-Token on writes. Never both a cookie and a token on one request.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.throttle = LoginThrottle()
    app.state.owasp = CheckCategories()
    app.state.queue = actions.Queue(queue) if queue else None
    app.include_router(pages.router)
    app.include_router(api.router)
    for section in SECTIONS:
        app.include_router(section.page_router)
        app.include_router(section.api_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route(FAVICON, _favicon, include_in_schema=False)
    app.add_exception_handler(SignInNeededError, _sign_in)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_middleware(SecurityHeaders)
    if guarded:
        app.add_middleware(ApiGuard, policy=load_policy(audit=guard_audit))
    return app


async def _favicon() -> FileResponse:
    """The shield (favicon.svg's, as 16, 32 and 48 px frames) for pages that name no icon."""
    return FileResponse(STATIC / "favicon.ico", media_type="image/vnd.microsoft.icon")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _sign_in(request: Request, _error: Exception) -> Response:
    if _is_api(request) or request.method != "GET":
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    return RedirectResponse(f"/login?{_next(request)}", status_code=303)


def _next(request: Request) -> str:
    from urllib.parse import urlencode

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return urlencode({"next": target})


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    if _is_api(request):
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=error.headers
        )
    return pages.render(
        request,
        "error.html",
        error.status_code,
        session=session_of(request),
        status=error.status_code,
        message=error.detail,
    )


async def _invalid(request: Request, error: RequestValidationError) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": error.errors()}, status_code=422)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in error.errors()
    )
    return pages.render(
        request, "error.html", 400, session=session_of(request), status=400, message=problems
    )
