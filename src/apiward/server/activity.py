"""What the guard refused lately: refusals by rule and by operation over time, top clients.

Read from the guard events ``apiward ingest`` put in the store, through the store's own
aggregations (``apiward.store.guard_events``): the database groups, the page never
loads the events. A window of two days or less is drawn by the hour, a longer one by
the day; every bucket of the window is there, empty ones too, so the time axis is even.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel
from sqlalchemy import Connection, select

from apiward.server import charts
from apiward.server.access import VIEWER, engine_of
from apiward.server.api import REFUSED
from apiward.server.pages import render
from apiward.server.sessions import Session
from apiward.store.guard_events import (
    Bucket,
    ClientCount,
    RefusalCount,
    RuleCount,
    refusals_by_rule,
    refusals_over_time,
    top_refused_clients,
)
from apiward.store.tables import apis

HOURLY_UP_TO = 2
"""Windows of this many days or fewer are drawn by the hour."""
UNKNOWN_ROUTE = "(no operation)"
"""Where a refusal of a path no operation matched is counted."""
MAX_DAYS = 366
WINDOWS = (1, 7, 30, 90)
"""The windows the page offers, in days."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """One line of a chart: its name and its count in each bucket of the window."""

    name: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        """Its count over the whole window."""
        return sum(self.counts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity:
    """The guard's refusals in one window, of one API or all of them."""

    api: str | None
    since: datetime
    bucket: Bucket
    starts: tuple[datetime, ...]
    by_rule: tuple[Series, ...]
    by_operation: tuple[Series, ...]
    rules: tuple[RuleCount, ...]
    clients: tuple[ClientCount, ...]
    refusals: tuple[RefusalCount, ...]


def api_names(connection: Connection) -> dict[str, int]:
    """Every API's name and id, by name."""
    rows = connection.execute(select(apis.c.name, apis.c.id).order_by(apis.c.name))
    return {row.name: row.id for row in rows}


def guard_activity(
    connection: Connection,
    *,
    api: tuple[str, int] | None,
    days: int,
    now: datetime,
    clients: int = 10,
) -> Activity:
    """Refusals over the ``days`` before ``now`` (of ``api``: its name and id, when given)."""
    bucket: Bucket = "hour" if days <= HOURLY_UP_TO else "day"
    starts = _starts(now - timedelta(days=days), now, bucket)
    api_id = api[1] if api else None
    refused = refusals_over_time(connection, api_id=api_id, since=starts[0], bucket=bucket)
    return Activity(
        api=api[0] if api else None,
        since=starts[0],
        bucket=bucket,
        starts=starts,
        by_rule=_series(refused, starts, lambda r: r.rule or "(no rule)"),
        by_operation=_series(refused, starts, lambda r: r.endpoint or UNKNOWN_ROUTE),
        rules=tuple(refusals_by_rule(connection, api_id=api_id, since=starts[0])),
        clients=tuple(
            top_refused_clients(connection, api_id=api_id, since=starts[0], limit=clients)
        ),
        refusals=tuple(refused),
    )


def _starts(since: datetime, now: datetime, bucket: Bucket) -> tuple[datetime, ...]:
    """Every bucket's start from the one holding ``since`` to the one holding ``now``."""
    step = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    first = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if bucket == "day":
        first = first.replace(hour=0)
    found = [first]
    while found[-1] + step <= now:
        found.append(found[-1] + step)
    return tuple(found)


def _series(
    refused: list[RefusalCount],
    starts: tuple[datetime, ...],
    name_of: Callable[[RefusalCount], str],
) -> tuple[Series, ...]:
    """One series per name the refusals are given, the largest first."""
    where = {start: index for index, start in enumerate(starts)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(starts))
    totals: Counter[str] = Counter()
    for row in refused:
        index = where.get(row.start)
        if index is None:
            continue
        name = name_of(row)
        counts[name][index] += row.count
        totals[name] += row.count
    order = sorted(totals, key=lambda name: (-totals[name], name))
    return tuple(Series(name=name, counts=tuple(counts[name])) for name in order)


# The page and the JSON operation ------------------------------------------------------

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["dashboard"])
Viewer = Annotated[Session, Depends(VIEWER)]
ApiName = Annotated[str, Query(max_length=200)]
Days = Annotated[int, Query(ge=1, le=MAX_DAYS)]


class RefusalOut(BaseModel):
    """Refusals in one bucket of time by one rule on one operation (null: no operation matched)."""

    start: datetime
    rule: str
    operation: str | None
    count: int


class RuleOut(BaseModel):
    """How often one rule refused in the window, and when it last did."""

    rule: str
    count: int
    last: datetime


class ClientOut(BaseModel):
    """A client the guard refused: how often, by how many rules, as how many principals."""

    client: str
    count: int
    rules: int
    principals: int
    last: datetime


class ActivityOut(BaseModel):
    """The guard's refusals in the window (of one API, or all), by bucket, rule and client."""

    api: str | None
    since: datetime
    bucket: str
    refusals: list[RefusalOut]
    rules: list[RuleOut]
    clients: list[ClientOut]


def _read(request: Request, api: str, days: int) -> Activity:
    with engine_of(request).connect() as connection:
        names = api_names(connection)
        if api and api not in names:
            raise HTTPException(404, f"no API named {api!r} in the store")
        return guard_activity(
            connection, api=(api, names[api]) if api else None, days=days, now=datetime.now(UTC)
        )


@page_router.get("/guard")
def activity_page(request: Request, session: Viewer, api: ApiName = "", days: Days = 7) -> Response:
    """Refusals by rule and by operation over time, and the clients refused most."""
    activity = _read(request, api, days)
    with engine_of(request).connect() as connection:
        names = list(api_names(connection))
    hourly = activity.bucket == "hour"
    return render(
        request,
        "guard.html",
        session=session,
        activity=activity,
        names=names,
        days=days,
        windows=WINDOWS,
        rule_chart=_chart(activity, activity.by_rule, "refusals by rule", hourly),
        rule_legend=charts.legend([s.name for s in activity.by_rule]),
        operation_chart=_chart(activity, activity.by_operation, "refusals by operation", hourly),
        operation_legend=charts.legend([s.name for s in activity.by_operation]),
    )


def _chart(activity: Activity, series: tuple[Series, ...], label: str, hourly: bool) -> Markup:
    return charts.timeline(
        activity.starts, [(s.name, s.counts) for s in series], label=label, hourly=hourly
    )


@api_router.get("/guard", responses={**REFUSED, 404: {"description": "no such API"}})
def activity_api(
    request: Request, session: Viewer, api: ApiName = "", days: Days = 7
) -> ActivityOut:
    """The guard's refusals over the last ``days`` (of API ``api``, else every API)."""
    activity = _read(request, api, days)
    return ActivityOut(
        api=activity.api,
        since=activity.since,
        bucket=activity.bucket,
        refusals=[
            RefusalOut(start=r.start, rule=r.rule, operation=r.endpoint, count=r.count)
            for r in activity.refusals
        ],
        rules=[RuleOut(rule=r.rule, count=r.count, last=r.last) for r in activity.rules],
        clients=[
            ClientOut(
                client=c.client, count=c.count, rules=c.rules, principals=c.principals, last=c.last
            )
            for c in activity.clients
        ],
    )
