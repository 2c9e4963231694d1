"""What the dashboard reads from the store: summaries, filtered findings, one finding, one run.

Built on the store's own queries (``apiward.store.tracked``, ``runs``, ``diff``); only
what the pages need beyond them is here, read-only. "Open" means new, open or
regressed and not triaged away (a false positive, or an accepted risk not yet expired),
as ``apiward findings list`` counts it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, not_, or_, select

from apiward.core.findings import Severity
from apiward.core.risk import risk_score
from apiward.store.diff import RunDiff, compare
from apiward.store.guard_events import refusals_by_api
from apiward.store.records import RunRecord, State, Tracked, Triage
from apiward.store.runs import get_run
from apiward.store.tables import apis, coverage, findings, runs, states, triage
from apiward.store.tracked import Seen, decisions, history, select_tracked, tracked_row

OPEN = (State.NEW, State.OPEN, State.REGRESSED)
TRIAGE_VIEWS = ("untriaged", "triaged", "all")


@dataclass(frozen=True, slots=True, kw_only=True)
class LastRun:
    """An API's latest run, briefly."""

    id: int
    tool: str
    started: datetime
    complete: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiSummary:
    """One API on the overview: its risk, open findings by severity, latest run, refusals."""

    id: int
    name: str
    target: str | None
    open: dict[Severity, int]
    last_run: LastRun | None
    risk: int
    """0–100 from the open findings (``core.risk``)."""
    refused: int
    """Requests the guard refused in front of it in the last 24 hours."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunMix:
    """How many findings of each severity one run reported."""

    id: int
    api: str
    started: datetime
    counts: dict[Severity, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    """The findings list's filters; empty lists mean any."""

    severity: list[Severity] = field(default_factory=list)
    state: list[State] = field(default_factory=lambda: list(OPEN))
    api: str | None = None
    check: str | None = None
    triage: str = "untriaged"
    checks: tuple[str, ...] | None = None
    """Any of these checks (an OWASP category's: ``apiward.server.owasp``); None: any."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Listed:
    """A tracked finding with its API's id (pages link by id: API names may hold slashes)."""

    api_id: int
    finding: Tracked


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingDetail:
    """One finding: where it stands, as last recorded, every run that reported it, its triage."""

    api_id: int
    finding: Tracked
    body: dict[str, Any]
    seen: list[Seen]
    decisions: list[Triage]


@dataclass(frozen=True, slots=True, kw_only=True)
class Skip:
    """A check a run did not run, where and why."""

    check: str
    operation: str | None
    reason: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunDetail:
    """One run: what it tested, what it skipped, and how it differs from the one before."""

    run: RunRecord
    api_id: int
    ran: list[tuple[str, str | None]]
    skipped: list[Skip]
    previous: int | None
    diff: RunDiff | None


def triaged_away(today: date) -> ColumnElement[bool]:
    """True on a row whose standing triage takes it off the open list (see the docstring)."""
    return or_(
        triage.c.decision == "false-positive",
        and_(triage.c.decision == "accepted-risk", triage.c.expires > today),
    )


def api_summaries(connection: Connection, today: date) -> list[ApiSummary]:
    """Every API, riskiest first: open findings by severity, latest run, refusals today."""
    open_by_api: dict[int, dict[Severity, int]] = defaultdict(dict)
    for api_id, severity, count in connection.execute(_open_counts(away=None)):
        open_by_api[api_id][Severity(severity)] = count
    # All open findings, less the few triaged away: an index answers the first alone.
    for api_id, severity, count in connection.execute(_open_counts(away=today)):
        left = open_by_api[api_id][Severity(severity)] - count
        if left:
            open_by_api[api_id][Severity(severity)] = left
        else:
            del open_by_api[api_id][Severity(severity)]
    latest = select(func.max(runs.c.id)).group_by(runs.c.api_id).scalar_subquery()
    last_runs = {
        row.api_id: LastRun(id=row.id, tool=row.tool, started=row.started, complete=row.complete)
        for row in connection.execute(
            select(runs.c.id, runs.c.api_id, runs.c.tool, runs.c.started, runs.c.complete).where(
                runs.c.id.in_(latest)
            )
        )
    }
    refused = refusals_by_api(connection, since=datetime.now(UTC) - timedelta(hours=24))
    summaries = [
        ApiSummary(
            id=row.id,
            name=row.name,
            target=row.target,
            open=open_by_api.get(row.id, {}),
            last_run=last_runs.get(row.id),
            risk=risk_score(open_by_api.get(row.id, {})),
            refused=refused.get(row.id, 0),
        )
        for row in connection.execute(
            select(apis.c.id, apis.c.name, apis.c.target).order_by(apis.c.name)
        )
    ]
    return sorted(summaries, key=lambda summary: -summary.risk)


def _open_counts(*, away: date | None) -> Select[Any]:
    """Open findings by API and severity; with ``away``, those triaged away on that day."""
    query = select(states.c.api_id, states.c.severity, func.count()).where(
        states.c.state.in_([s.value for s in OPEN])
    )
    if away is not None:
        query = _only_triaged_away(query, away)
    return query.group_by(states.c.api_id, states.c.severity)


def _only_triaged_away(query: Select[Any], today: date) -> Select[Any]:
    """``query`` (over ``states``) narrowed to the findings triaged away, read from triage.

    Few findings are triaged, many tracked: the join must start from triage. An outer
    join keeps that order on SQLite, whose planner has no statistics to see it (the
    condition on ``states`` makes it an inner join all the same).
    """
    return query.select_from(
        triage.outerjoin(
            states,
            (states.c.api_id == triage.c.api_id) & (states.c.fingerprint == triage.c.fingerprint),
        )
    ).where(states.c.fingerprint.is_not(None), triaged_away(today))


def run_mixes(connection: Connection, *, limit: int = 30) -> list[RunMix]:
    """The latest ``limit`` runs, oldest first, with their findings by severity (the trend)."""
    recent = connection.execute(
        select(runs.c.id, runs.c.started, apis.c.name)
        .join(apis, apis.c.id == runs.c.api_id)
        .order_by(runs.c.id.desc())
        .limit(limit)
    ).all()
    ids = [row.id for row in recent]
    counts: dict[int, dict[Severity, int]] = defaultdict(dict)
    for run_id, severity, count in connection.execute(
        select(findings.c.run_id, findings.c.severity, func.count())
        .where(findings.c.run_id.in_(ids))
        .group_by(findings.c.run_id, findings.c.severity)
    ):
        counts[run_id][Severity(severity)] = count
    return [
        RunMix(id=row.id, api=row.name, started=row.started, counts=counts.get(row.id, {}))
        for row in reversed(recent)
    ]


def recent_runs(connection: Connection, *, limit: int = 50) -> list[RunRecord]:
    """The latest runs of every API, newest first."""
    ids = connection.execute(select(runs.c.id).order_by(runs.c.id.desc()).limit(limit)).scalars()
    return [get_run(connection, run_id) for run_id in ids.all()]


def findings_page(
    connection: Connection, filters: Filters, *, today: date, limit: int, offset: int
) -> tuple[list[Listed], int]:
    """One page of the findings ``filters`` select, most severe first, and how many there are."""
    chosen = _chosen(filters)
    query = select_tracked().where(*chosen)
    if filters.triage == "untriaged":
        query = query.where(or_(triage.c.decision.is_(None), not_(triaged_away(today))))
    elif filters.triage == "triaged":
        query = query.where(triaged_away(today))
    rows = connection.execute(
        query.order_by(
            states.c.rank.desc(),
            apis.c.name,
            states.c.check,
            states.c.operation,
            states.c.fingerprint,
        )
        .limit(limit)
        .offset(offset)
    ).mappings()
    listed = [Listed(api_id=row["api_id"], finding=tracked_row(row)) for row in rows]
    return listed, _count(connection, chosen, filters.triage, today)


def _chosen(filters: Filters) -> list[ColumnElement[bool]]:
    """The filters as conditions on ``states`` alone (the API by its id), so counts need no join."""
    chosen: list[ColumnElement[bool]] = []
    if filters.state:
        chosen.append(states.c.state.in_([s.value for s in filters.state]))
    if filters.severity:
        chosen.append(states.c.severity.in_([s.value for s in filters.severity]))
    if filters.api:
        chosen.append(states.c.api_id.in_(select(apis.c.id).where(apis.c.name == filters.api)))
    if filters.check:
        chosen.append(states.c.check == filters.check)
    if filters.checks is not None:
        chosen.append(states.c.check.in_(filters.checks))
    return chosen


def _count(
    connection: Connection, chosen: list[ColumnElement[bool]], view: str, today: date
) -> int:
    """How many findings the conditions select in the triage ``view``."""
    every = select(func.count()).select_from(states).where(*chosen)
    if view == "all":
        return int(connection.execute(every).scalar_one())
    triaged = int(
        connection.execute(
            _only_triaged_away(select(func.count()).where(*chosen), today)
        ).scalar_one()
    )
    if view == "triaged":
        return triaged
    # Every finding less the few triaged away: neither count joins every finding.
    return int(connection.execute(every).scalar_one()) - triaged


def filter_choices(connection: Connection) -> tuple[list[str], list[str]]:
    """The API names and check names the findings filters offer."""
    names = connection.execute(select(apis.c.name).order_by(apis.c.name)).scalars().all()
    checks = connection.execute(
        select(states.c.check).distinct().order_by(states.c.check)
    ).scalars()
    return list(names), list(checks.all())


def finding_detail(connection: Connection, api_id: int, fingerprint: str) -> FindingDetail | None:
    """The finding ``fingerprint`` of API ``api_id``; None when the store has no such finding."""
    row = (
        connection.execute(
            select_tracked().where(states.c.api_id == api_id, states.c.fingerprint == fingerprint)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    seen = history(connection, api_id, fingerprint)
    return FindingDetail(
        api_id=api_id,
        finding=tracked_row(row),
        body=seen[-1].body if seen else {},
        seen=seen,
        decisions=decisions(connection, api_id, fingerprint),
    )


def run_detail(
    connection: Connection, run_id: int, *, offset: int = 0, limit: int | None = None
) -> RunDetail | None:
    """Run ``run_id``, its coverage, and its diff against the API's previous run of its verb.

    ``offset`` and ``limit`` window the diff (see ``apiward.store.diff.compare``).
    """
    head = connection.execute(select(runs.c.api_id, runs.c.tool).where(runs.c.id == run_id)).first()
    if head is None:
        return None
    rows = connection.execute(
        select(coverage).where(coverage.c.run_id == run_id).order_by(coverage.c.id)
    ).mappings()
    ran: list[tuple[str, str | None]] = []
    skipped: list[Skip] = []
    for row in rows:
        if row["skipped"]:
            skipped.append(
                Skip(
                    check=row["check"],
                    operation=row["operation"],
                    reason=row["reason"],
                    detail=row["detail"],
                )
            )
        else:
            ran.append((row["check"], row["operation"]))
    previous = connection.execute(
        select(func.max(runs.c.id)).where(
            runs.c.api_id == head.api_id, runs.c.tool == head.tool, runs.c.id < run_id
        )
    ).scalar()
    return RunDetail(
        run=get_run(connection, run_id),
        api_id=head.api_id,
        ran=ran,
        skipped=skipped,
        previous=previous,
        diff=(
            compare(connection, previous, run_id, offset=offset, limit=limit)
            if previous is not None
            else None
        ),
    )
