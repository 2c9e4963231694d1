"""Actions: scan an API now and retest a finding (triager), add an API (admin).

Scans never run inside the dashboard: they go on apiward's job queue (procrastinate on
PostgreSQL, ``apiward.queue``) as ``apiward scheduler --now`` puts them there, and an
``apiward worker`` runs them with the API's stored contract, target and identities. A
retest runs the finding's check alone and is recorded as a ``retest`` run. The queue is
``apiward server --queue URL`` (by default the store, when it is PostgreSQL); without
one, scan and retest answer 409 saying so. Adding an API takes a contract (a file on
the server or a URL), a target and a cron schedule; an identities file, which holds
credentials, is given on the command line (``apiward api add --identities``), never here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from apiward.core.errors import ConfigError
from apiward.server.access import ADMIN, TRIAGER, engine_of
from apiward.server.api import REFUSED
from apiward.server.apis import ApiBriefOut, brief_out
from apiward.server.pages import render
from apiward.server.sessions import Session
from apiward.store.apis import _record as api_record
from apiward.store.apis import add_api
from apiward.store.records import ApiRecord
from apiward.store.tables import apis, states

ROW_ID = Path(ge=1, le=2**63 - 1)
FINGERPRINT = Path(pattern=r"^[0-9a-f]{1,32}$")
NO_QUEUE = (
    "no job queue: start the dashboard with `apiward server --queue postgresql://...` "
    "(or keep the store in PostgreSQL) and run `apiward worker`"
)
QUEUED: dict[int | str, dict[str, Any]] = {
    **REFUSED,
    404: {"description": "no such API or finding"},
    409: {"description": "no job queue, or a run of this API is already queued now"},
}

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["dashboard"])
Triager = Annotated[Session, Depends(TRIAGER)]
Admin = Annotated[Session, Depends(ADMIN)]


class Queue:
    """The job queue the dashboard hands runs to; its tables are made on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ready = False

    async def enqueue(self, engine: Engine, api: ApiRecord, *, retest: str | None) -> int | None:
        """A job running ``api`` now (``retest``: that check only); None if one is queued now."""
        from apiward.queue.app import queue_app
        from apiward.queue.connection import ensure_schema
        from apiward.queue.schedule import enqueue

        if not self._ready:
            await ensure_schema(self.url)
            self._ready = True
        app = queue_app(self.url)
        async with app.open_async():
            job: int | None = await enqueue(app, engine, api, datetime.now(UTC), retest=retest)
            return job


async def _enqueue(request: Request, api: ApiRecord, retest: str | None = None) -> int:
    queue: Queue | None = request.app.state.queue
    if queue is None:
        raise HTTPException(409, NO_QUEUE)
    job = await queue.enqueue(engine_of(request), api, retest=retest)
    if job is None:
        raise HTTPException(409, f"a run of API {api.name!r} is already queued for now")
    return job


def _api(request: Request, api_id: int) -> ApiRecord:
    with engine_of(request).connect() as connection:
        row = connection.execute(select(apis).where(apis.c.id == api_id)).mappings().first()
    if row is None:
        raise HTTPException(404, "no such API")
    return api_record(row)


def _finding(request: Request, api_id: int, fingerprint: str) -> tuple[ApiRecord, str]:
    """The finding's API and check."""
    with engine_of(request).connect() as connection:
        check = connection.execute(
            select(states.c.check).where(
                states.c.api_id == api_id, states.c.fingerprint == fingerprint
            )
        ).scalar()
    if check is None:
        raise HTTPException(404, "no such finding")
    return _api(request, api_id), check


class JobOut(BaseModel):
    """A job put on the queue: its id in the store's ``jobs`` table, and for which API."""

    job: int
    api: str


class ApiIn(BaseModel):
    """An API to add: a unique name, its contract (a file on the server, or a URL), where it runs."""

    name: str = Field(min_length=1, max_length=200)
    spec: str | None = Field(default=None, max_length=2000)
    target: str | None = Field(default=None, max_length=2000)
    schedule: str | None = Field(default=None, max_length=100)


def _added(request: Request, body: ApiIn) -> ApiRecord:
    try:
        return add_api(
            engine_of(request),
            body.name,
            spec=body.spec or None,
            target=body.target or None,
            schedule=body.schedule or None,
        )
    except ConfigError as error:
        raise HTTPException(400, str(error)) from None


# Pages ---------------------------------------------------------------------------------


@page_router.post("/apis/{api_id}/scan")
async def scan_now(request: Request, session: Triager, api_id: Annotated[int, ROW_ID]) -> Response:
    """Queue a scan of the API now; back to its page, where the job is listed."""
    await _enqueue(request, await run_in_threadpool(_api, request, api_id))
    return RedirectResponse(f"/apis/{api_id}", status_code=303)


@page_router.post("/findings/{api_id}/{fingerprint}/retest")
async def retest_now(
    request: Request,
    session: Triager,
    api_id: Annotated[int, ROW_ID],
    fingerprint: Annotated[str, FINGERPRINT],
) -> Response:
    """Queue a retest of the finding's check; on to its API's page, where the job is listed."""
    api, check = await run_in_threadpool(_finding, request, api_id, fingerprint)
    await _enqueue(request, api, retest=check)
    return RedirectResponse(f"/apis/{api_id}", status_code=303)


@page_router.get("/apis/new")
def new_api_form(request: Request, session: Admin) -> Response:
    """The form that adds an API."""
    return render(request, "api_new.html", session=session)


@page_router.post("/apis")
def add_api_form(
    request: Request,
    session: Admin,
    name: Annotated[str, Form(max_length=200)],
    spec: Annotated[str, Form(max_length=2000)] = "",
    target: Annotated[str, Form(max_length=2000)] = "",
    schedule: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Add the API; on to its page."""
    added = _added(request, ApiIn(name=name, spec=spec, target=target, schedule=schedule))
    return RedirectResponse(f"/apis/{added.id}", status_code=303)


# JSON operations ---------------------------------------------------------------------


@api_router.post("/apis/{api_id}/scan", status_code=202, responses=QUEUED)
async def scan_api(request: Request, session: Triager, api_id: Annotated[int, ROW_ID]) -> JobOut:
    """Queue a scan of the API now (needs the triager role); a worker runs it."""
    api = await run_in_threadpool(_api, request, api_id)
    return JobOut(job=await _enqueue(request, api), api=api.name)


@api_router.post("/findings/{api_id}/{fingerprint}/retest", status_code=202, responses=QUEUED)
async def retest_api(
    request: Request,
    session: Triager,
    api_id: Annotated[int, ROW_ID],
    fingerprint: Annotated[str, FINGERPRINT],
) -> JobOut:
    """Queue a retest of the finding's check on its API (needs the triager role)."""
    api, check = await run_in_threadpool(_finding, request, api_id, fingerprint)
    return JobOut(job=await _enqueue(request, api, retest=check), api=api.name)


@api_router.post(
    "/apis",
    status_code=201,
    responses={**REFUSED, 400: {"description": "a name taken, a bad schedule, no such file"}},
)
def add_api_api(request: Request, session: Admin, body: ApiIn) -> ApiBriefOut:
    """Add an API (needs the admin role)."""
    return brief_out(_added(request, body))
