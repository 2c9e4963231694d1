"""What the store gives back: APIs, runs and tracked findings as frozen records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from apiward.core.findings import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRecord:
    """An API apiward looks after: its contract, where it runs, who may scan it, when."""

    id: int
    name: str
    spec: str | None = None
    target: str | None = None
    identities: str | None = None
    """The identities file's path: secrets stay in it (or in its ``${VARS}``), never in the store."""
    schedule: str | None = None
    """A cron expression (``0 3 * * *``) for scheduled scans."""
    options: dict[str, Any] = field(default_factory=dict)
    """Scan options by long name (``safe``, ``include``, ``exclude``, ``checks``, ``config``)."""
    created: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """One recorded run of a verb against an API."""

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
    stats: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    findings: int = 0


class State(StrEnum):
    """Where a finding stands across the runs of one API."""

    NEW = "new"
    """Reported for the first time by the run that last changed it."""
    OPEN = "open"
    """Reported again, or not tested since."""
    FIXED = "fixed"
    """A complete run tested the same check on the same operation and did not report it."""
    REGRESSED = "regressed"
    """Reported again after it was fixed."""


class Decision(StrEnum):
    """A person's verdict on a finding, kept across runs."""

    FALSE_POSITIVE = "false-positive"
    ACCEPTED_RISK = "accepted-risk"
    CLEARED = "cleared"
    """Only in the log: an earlier verdict withdrawn."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Triage:
    """A triage decision: what, why, until when (accepted risks), by whom, when."""

    decision: Decision
    reason: str
    expires: date | None
    by: str
    at: datetime

    def stands(self, today: date) -> bool:
        """True while the decision holds: an accepted risk lapses on its expiry date."""
        if self.decision is Decision.ACCEPTED_RISK:
            return self.expires is not None and today < self.expires
        return self.decision is Decision.FALSE_POSITIVE


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracked:
    """A finding of one API followed across its runs by fingerprint."""

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
    """The run that gave the finding its current state."""
    triage: Triage | None = None

    def triaged_away(self, today: date) -> bool:
        """True when a standing false-positive or unexpired accepted-risk covers it."""
        return self.triage is not None and self.triage.stands(today)
