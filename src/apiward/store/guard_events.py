"""What the guard refused, read back from the ingested events: for the guard-activity page.

A refusal is one ``request`` event the guard refused (its ``decision`` event says the
same again, and is not counted twice). Each function takes an optional API and a start::

    refusals_over_time(connection, api_id=3, since=week_ago, bucket="hour")
    refusals_by_rule(connection, since=week_ago)           # every API
    top_refused_clients(connection, api_id=3, limit=10)
    refusals_by_api(connection, since=day_ago)             # the overview's column

Times are UTC; buckets are grouped by the database (``strftime`` on SQLite,
``date_trunc`` on PostgreSQL), so the page never loads the events themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Select, func, select

from apiward.store.tables import guard_events

Bucket = Literal["hour", "day"]
_SQLITE_FORMAT = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00"}


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusalCount:
    """Refusals in one bucket of time, by one rule, on one endpoint."""

    start: datetime
    rule: str
    endpoint: str | None
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleCount:
    """How often one rule refused, and when it last did."""

    rule: str
    count: int
    last: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientCount:
    """A client the guard refused: how often, by how many rules, as whom, and when last."""

    client: str
    count: int
    rules: int
    principals: int
    last: datetime


def refusals_over_time(
    connection: Connection,
    *,
    api_id: int | None = None,
    since: datetime | None = None,
    bucket: Bucket = "day",
) -> list[RefusalCount]:
    """Refusals per hour or day, rule and endpoint, oldest first."""
    start = _bucket(connection, bucket).label("start")
    count = func.count().label("count")
    query = _refused(
        select(start, guard_events.c.reason, guard_events.c.endpoint, count), api_id, since
    ).group_by(start, guard_events.c.reason, guard_events.c.endpoint)
    rows = connection.execute(query.order_by(start, count.desc(), guard_events.c.reason))
    return [
        RefusalCount(start=_moment(row[0]), rule=row[1] or "", endpoint=row[2], count=row[3])
        for row in rows
    ]


def refusals_by_rule(
    connection: Connection, *, api_id: int | None = None, since: datetime | None = None
) -> list[RuleCount]:
    """Refusals per rule, the most frequent first."""
    count = func.count().label("count")
    query = _refused(
        select(guard_events.c.reason, count, func.max(guard_events.c.at)), api_id, since
    ).group_by(guard_events.c.reason)
    rows = connection.execute(query.order_by(count.desc(), guard_events.c.reason))
    return [RuleCount(rule=row[0] or "", count=row[1], last=_moment(row[2])) for row in rows]


def top_refused_clients(
    connection: Connection,
    *,
    api_id: int | None = None,
    since: datetime | None = None,
    limit: int = 10,
) -> list[ClientCount]:
    """The clients refused most often, with how many rules refused them."""
    count = func.count().label("count")
    query = _refused(
        select(
            guard_events.c.client,
            count,
            func.count(guard_events.c.reason.distinct()),
            func.count(guard_events.c.principal.distinct()),
            func.max(guard_events.c.at),
        ),
        api_id,
        since,
    ).group_by(guard_events.c.client)
    rows = connection.execute(query.order_by(count.desc(), guard_events.c.client).limit(limit))
    return [
        ClientCount(
            client=row[0], count=row[1], rules=row[2], principals=row[3], last=_moment(row[4])
        )
        for row in rows
    ]


def refusals_by_api(connection: Connection, *, since: datetime) -> dict[int, int]:
    """Refusals since ``since``, by API id (APIs with none are left out)."""
    query = _refused(select(guard_events.c.api_id, func.count()), None, since)
    return {row[0]: row[1] for row in connection.execute(query.group_by(guard_events.c.api_id))}


def _refused(query: Select[Any], api_id: int | None, since: datetime | None) -> Select[Any]:
    query = query.where(guard_events.c.kind == "request", guard_events.c.outcome == "refused")
    if api_id is not None:
        query = query.where(guard_events.c.api_id == api_id)
    if since is not None:
        query = query.where(guard_events.c.at >= since)
    return query


def _bucket(connection: Connection, bucket: Bucket) -> ColumnElement[Any]:
    if connection.dialect.name == "sqlite":
        return func.strftime(_SQLITE_FORMAT[bucket], guard_events.c.at)
    return func.date_trunc(bucket, func.timezone("UTC", guard_events.c.at))


def _moment(value: datetime | str) -> datetime:
    """A time the database gave back, in UTC (SQLite's functions answer in text)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
