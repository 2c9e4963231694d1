"""An API's page: its inventory, its latest contract audit, its runs and its schedule.

The inventory is ``apiward.server.inventory``'s; the contract audit is the API's latest
``audit contract`` run and what it reported; the schedule is the API's cron expression,
its next slots, and the jobs the queue was given (``apiward.store.jobs``). URLs are shown
without their user, password or query: a contract's URL can carry a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Connection, func, select

from apiward.core.findings import Severity
from apiward.server import models
from apiward.server.access import VIEWER, engine_of
from apiward.server.api import REFUSED
from apiward.server.inventory import Inventory, inventory
from apiward.server.pages import render
from apiward.server.sessions import Session
from apiward.server.users import Role
from apiward.store.apis import _record as api_record
from apiward.store.endpoints import list_endpoints
from apiward.store.jobs import JobRecord, JobState, list_jobs
from apiward.store.records import ApiRecord, RunRecord
from apiward.store.runs import get_run, list_runs
from apiward.store.tables import apis, findings, runs

AUDIT = "audit contract"
"""The verb whose runs are an API's contract audits."""
RUNS, JOBS, SLOTS = 20, 10, 3
ROW_ID = Path(ge=1, le=2**63 - 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFinding:
    """One thing the API's latest contract audit reported."""

    fingerprint: str
    severity: Severity
    check: str
    operation: str | None
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiPage:
    """Everything the API's page shows."""

    api: ApiRecord
    inventory: Inventory
    audit: RunRecord | None
    audit_findings: tuple[AuditFinding, ...]
    runs: tuple[RunRecord, ...]
    next_slots: tuple[datetime, ...]
    jobs: tuple[JobRecord, ...]


def shown(url: str | None) -> str | None:
    """``url`` without user, password, query or fragment (a file path as it is)."""
    if not url or "://" not in url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def api_page(connection: Connection, api_id: int, *, now: datetime) -> ApiPage | None:
    """The page of API ``api_id``; None when the store has no such API."""
    row = connection.execute(select(apis).where(apis.c.id == api_id)).mappings().first()
    if row is None:
        return None
    api = api_record(row)
    audit_id = connection.execute(
        select(func.max(runs.c.id)).where(runs.c.api_id == api_id, runs.c.tool == AUDIT)
    ).scalar()
    reported = connection.execute(
        select(
            findings.c.fingerprint,
            findings.c.severity,
            findings.c.check,
            findings.c.operation,
            findings.c.title,
        ).where(findings.c.run_id == audit_id)
    ).all()
    audit_findings = sorted(
        (
            AuditFinding(
                fingerprint=r.fingerprint,
                severity=Severity(r.severity),
                check=r.check,
                operation=r.operation,
                title=r.title,
            )
            for r in reported
        ),
        key=lambda f: (-f.severity.rank, f.check, f.operation or "", f.fingerprint),
    )
    return ApiPage(
        api=api,
        inventory=inventory(api.spec, list_endpoints(connection, api_id)),
        audit=get_run(connection, audit_id) if audit_id is not None else None,
        audit_findings=tuple(audit_findings),
        runs=tuple(list_runs(connection, api_id, limit=RUNS)),
        next_slots=_slots(api.schedule, now),
        jobs=tuple(reversed(list_jobs(connection, api_id=api_id)[-JOBS:])),
    )


def _slots(schedule: str | None, now: datetime) -> tuple[datetime, ...]:
    if not schedule:
        return ()
    from croniter import croniter

    slots = croniter(schedule, now.astimezone(UTC))
    return tuple(slots.get_next(datetime) for _ in range(SLOTS))


# The page and the JSON operations ----------------------------------------------------

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["dashboard"])
Viewer = Annotated[Session, Depends(VIEWER)]


def _read(request: Request, api_id: int) -> ApiPage:
    with engine_of(request).connect() as connection:
        page = api_page(connection, api_id, now=datetime.now(UTC))
    if page is None:
        raise HTTPException(404, "no such API")
    return page


@page_router.get("/apis/{api_id}")
def api_view(request: Request, session: Viewer, api_id: Annotated[int, ROW_ID]) -> Response:
    """One API: inventory, contract audit, runs, schedule."""
    page = _read(request, api_id)
    return render(
        request,
        "api.html",
        session=session,
        page=page,
        spec=shown(page.api.spec),
        target=shown(page.api.target),
        live=[r for r in page.inventory.rows if r.state in ("shadow", "zombie")],
        can_scan=session.user.role.allows(Role.TRIAGER),
    )


class ApiBriefOut(BaseModel):
    """An API as the store knows it (its identities file's path is not given out)."""

    id: int
    name: str
    spec: str | None
    target: str | None
    identities: bool
    schedule: str | None
    created: datetime


class EndpointOut(BaseModel):
    """One method of one endpoint: state, exposure, authentication, sensitive data, dates."""

    method: str
    template: str
    state: str
    exposure: str
    authentication: str
    sensitive: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    calls: int
    refused: int


class AuditFindingOut(BaseModel):
    """A finding of the API's latest contract audit."""

    fingerprint: str
    severity: Severity
    check: str
    operation: str | None
    title: str


class JobOut(BaseModel):
    """A run the queue was asked for."""

    id: int
    due: datetime
    state: JobState
    attempts: int
    run_id: int | None
    error: str | None
    enqueued: datetime


class ApiDetailOut(BaseModel):
    """One API: inventory (``contract``: whether its contract was read), audit, runs, schedule."""

    api: ApiBriefOut
    contract: str
    endpoints: list[EndpointOut]
    audit: models.RunOut | None
    audit_findings: list[AuditFindingOut]
    runs: list[models.RunOut]
    next_slots: list[datetime]
    jobs: list[JobOut]


def brief_out(api: ApiRecord) -> ApiBriefOut:
    """An API as JSON."""
    return ApiBriefOut(
        id=api.id,
        name=api.name,
        spec=shown(api.spec),
        target=shown(api.target),
        identities=api.identities is not None,
        schedule=api.schedule,
        created=api.created,
    )


@api_router.get("/apis", responses=REFUSED)
def apis_api(request: Request, session: Viewer) -> list[ApiBriefOut]:
    """Every API, by name."""
    with engine_of(request).connect() as connection:
        rows = connection.execute(select(apis).order_by(apis.c.name)).mappings()
        return [brief_out(api_record(row)) for row in rows]


@api_router.get("/apis/{api_id}", responses={**REFUSED, 404: {"description": "no such API"}})
def api_api(request: Request, session: Viewer, api_id: Annotated[int, ROW_ID]) -> ApiDetailOut:
    """One API: its inventory, its latest contract audit, its runs, its schedule and jobs."""
    page = _read(request, api_id)
    return ApiDetailOut(
        api=brief_out(page.api),
        contract=page.inventory.contract,
        endpoints=[
            EndpointOut.model_validate(r, from_attributes=True) for r in page.inventory.rows
        ],
        audit=models.run_out(page.audit) if page.audit else None,
        audit_findings=[
            AuditFindingOut.model_validate(f, from_attributes=True) for f in page.audit_findings
        ],
        runs=[models.run_out(r) for r in page.runs],
        next_slots=list(page.next_slots),
        jobs=[JobOut.model_validate(j, from_attributes=True) for j in page.jobs],
    )
