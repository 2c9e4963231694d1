"""The JSON API's shapes (pydantic), as ``/api/openapi.json`` documents them.

Nothing here carries a secret: no password hash, no session token; evidence comes as the
store recorded it, redacted when it was recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from apiward.core.findings import Severity
from apiward.server.queries import ApiSummary, FindingDetail, Listed, RunDetail, RunMix
from apiward.server.users import Role
from apiward.store.records import Decision, RunRecord, State, Tracked, Triage


class Credentials(BaseModel):
    """A name and password to sign in with."""

    name: str = Field(max_length=100)
    password: str = Field(max_length=1000)


class Me(BaseModel):
    """The signed-in user, and the CSRF token to send as ``X-CSRF-Token`` on writes."""

    name: str
    role: Role
    csrf: str


class LastRunOut(BaseModel):
    """An API's latest run."""

    id: int
    tool: str
    started: datetime
    complete: bool


class ApiOut(BaseModel):
    """An API with its risk score, open findings by severity, latest run and refusals."""

    id: int
    name: str
    target: str | None
    open: dict[Severity, int]
    last_run: LastRunOut | None
    risk: int
    """0–100 from the open findings: critical 50 %, high 25 %, medium 8 %, low 2 % each."""
    refused_24h: int
    """Requests the guard refused in front of this API in the last 24 hours."""


class RunMixOut(BaseModel):
    """How many findings of each severity a run reported."""

    run: int
    api: str
    started: datetime
    counts: dict[Severity, int]


class OverviewOut(BaseModel):
    """Every API, open findings by severity over all of them, and the latest runs' mix."""

    apis: list[ApiOut]
    totals: dict[Severity, int]
    trend: list[RunMixOut]


class TriageOut(BaseModel):
    """A triage decision."""

    decision: Decision
    reason: str
    expires: date | None
    by: str
    at: datetime


class TriageIn(BaseModel):
    """A triage decision to take: accepted-risk needs ``expires``; all but cleared a reason."""

    decision: Decision
    reason: str = Field(default="", max_length=2000)
    expires: date | None = None


class FindingOut(BaseModel):
    """A finding followed across its API's runs."""

    api_id: int
    api: str
    fingerprint: str
    state: State
    check: str
    operation: str | None
    severity: Severity
    title: str
    first_run: int
    last_seen_run: int
    changed_run: int
    triage: TriageOut | None


class FindingsOut(BaseModel):
    """One page of findings, and how many the filters select in all."""

    total: int
    limit: int
    offset: int
    items: list[FindingOut]


class SeenOut(BaseModel):
    """A run that reported the finding."""

    run: int
    tool: str
    started: datetime
    complete: bool


class FindingDetailOut(BaseModel):
    """A finding, as its latest run recorded it (evidence redacted), its history and triage log."""

    finding: FindingOut
    recorded: dict[str, Any]
    history: list[SeenOut]
    decisions: list[TriageOut]


class RunOut(BaseModel):
    """A recorded run."""

    id: int
    api: str
    tool: str
    target: str
    contract: str | None
    version: str
    options: dict[str, Any]
    started: datetime
    finished: datetime | None
    complete: bool
    stats: dict[str, Any]
    notes: list[str]
    findings: int


class CoveredOut(BaseModel):
    """A check a run ran, and on which operation (null: the whole target)."""

    check: str
    operation: str | None


class SkipOut(CoveredOut):
    """A check a run skipped, and why."""

    reason: str
    detail: str


class GoneOut(BaseModel):
    """A finding the previous run reported and this one did not; fixed only if tested."""

    finding: dict[str, Any]
    tested: bool


class ChangedOut(BaseModel):
    """A finding both runs reported, with each changed field as ``[before, after]``."""

    finding: dict[str, Any]
    fields: dict[str, list[Any]]


class DiffSizeOut(BaseModel):
    """How many findings appeared, disappeared and changed in the whole diff."""

    appeared: int
    disappeared: int
    changed: int


class DiffOut(BaseModel):
    """This run against the API's previous run of the same verb: ``limit`` changes from ``offset``."""

    previous: int
    size: DiffSizeOut
    offset: int
    limit: int
    appeared: list[dict[str, Any]]
    disappeared: list[GoneOut]
    changed: list[ChangedOut]


class RunDetailOut(BaseModel):
    """A run, what it ran and skipped, and its diff against the previous run."""

    run: RunOut
    api_id: int
    ran: list[CoveredOut]
    skipped: list[SkipOut]
    diff: DiffOut | None


def triage_out(t: Triage | None) -> TriageOut | None:
    """A triage decision as JSON."""
    if t is None:
        return None
    return TriageOut(decision=t.decision, reason=t.reason, expires=t.expires, by=t.by, at=t.at)


def finding_out(api_id: int, f: Tracked) -> FindingOut:
    """A tracked finding as JSON."""
    return FindingOut(
        api_id=api_id,
        api=f.api,
        fingerprint=f.fingerprint,
        state=f.state,
        check=f.check,
        operation=f.operation,
        severity=f.severity,
        title=f.title,
        first_run=f.first_run,
        last_seen_run=f.last_seen_run,
        changed_run=f.changed_run,
        triage=triage_out(f.triage),
    )


def listed_out(rows: list[Listed]) -> list[FindingOut]:
    """A page of findings as JSON."""
    return [finding_out(row.api_id, row.finding) for row in rows]


def overview_out(apis: list[ApiSummary], mixes: list[RunMix]) -> OverviewOut:
    """The overview as JSON."""
    return OverviewOut(
        apis=[
            ApiOut(
                id=a.id,
                name=a.name,
                target=a.target,
                open=a.open,
                last_run=LastRunOut(
                    id=a.last_run.id,
                    tool=a.last_run.tool,
                    started=a.last_run.started,
                    complete=a.last_run.complete,
                )
                if a.last_run
                else None,
                risk=a.risk,
                refused_24h=a.refused,
            )
            for a in apis
        ],
        totals={s: sum(a.open.get(s, 0) for a in apis) for s in Severity},
        trend=[RunMixOut(run=m.id, api=m.api, started=m.started, counts=m.counts) for m in mixes],
    )


def detail_out(d: FindingDetail) -> FindingDetailOut:
    """One finding as JSON."""
    return FindingDetailOut(
        finding=finding_out(d.api_id, d.finding),
        recorded=d.body,
        history=[
            SeenOut(run=s.run, tool=s.tool, started=s.started, complete=s.complete) for s in d.seen
        ],
        decisions=[t for t in map(triage_out, d.decisions) if t is not None],
    )


def run_out(r: RunRecord) -> RunOut:
    """A run as JSON."""
    return RunOut(
        id=r.id,
        api=r.api,
        tool=r.tool,
        target=r.target,
        contract=r.contract,
        version=r.version,
        options=r.options,
        started=r.started,
        finished=r.finished,
        complete=r.complete,
        stats=r.stats,
        notes=list(r.notes),
        findings=r.findings,
    )


def run_detail_out(d: RunDetail, *, offset: int, limit: int) -> RunDetailOut:
    """One run as JSON, with the window of its diff it was read with."""
    diff = None
    if d.diff is not None and d.previous is not None:
        size = d.diff.size
        diff = DiffOut(
            previous=d.previous,
            size=DiffSizeOut(
                appeared=size.appeared, disappeared=size.disappeared, changed=size.changed
            ),
            offset=offset,
            limit=limit,
            appeared=d.diff.appeared,
            disappeared=[GoneOut(finding=g.finding, tested=g.tested) for g in d.diff.disappeared],
            changed=[
                ChangedOut(finding=c.finding, fields={k: list(v) for k, v in c.fields.items()})
                for c in d.diff.changed
            ],
        )
    return RunDetailOut(
        run=run_out(d.run),
        api_id=d.api_id,
        ran=[CoveredOut(check=c, operation=o) for c, o in d.ran],
        skipped=[
            SkipOut(check=s.check, operation=s.operation, reason=s.reason, detail=s.detail)
            for s in d.skipped
        ],
        diff=diff,
    )
