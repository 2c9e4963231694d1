"""The store's tables (SQLAlchemy Core), exactly as the Alembic migrations build them.

::

    apis            one row per API: name, contract, target, identities file, schedule,
                    scan options
    runs            one row per recorded run of a verb, belonging to an API
    coverage        what a run tested (``ran``) or did not (``skipped``), by check × operation
    findings        every finding of every run, with its evidence (redacted) as JSON
    states          one row per API × fingerprint: new, open, fixed or regressed
    triage          the standing triage decision per API × fingerprint
    triage_log      every triage decision ever taken, with who and when
    jobs            one row per run a worker was asked to make: due when, by whom, which run
    run_requests    every request a scan sent, by its X-Request-Id (``logging-check``)
    guard_events    the guard's audit events, ingested: who was refused, by which rule, when
    endpoints       one row per API × method × template seen in the guard's traffic

``SCHEMA`` is the Alembic revision this code reads and writes; a store at any other
revision is refused (``apiward.store.schema``). A change to a table is a new migration
in ``migrations/versions`` and a new ``SCHEMA``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

SCHEMA = "0005"
"""The Alembic revision of the tables below."""

metadata = MetaData()

_NAME = 200
_FINGERPRINT = 32
_HASH = 64
_REQUEST_ID = 128
_METHOD = 16
_TEMPLATE = 1000


class Moment(TypeDecorator[datetime]):
    """A point in time, always given back in UTC (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(name: str, *, nullable: bool = False) -> Column[datetime]:
    return Column(name, Moment(), nullable=nullable)


apis = Table(
    "apis",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(_NAME), nullable=False, unique=True),
    Column("spec", Text, nullable=True),
    Column("target", Text, nullable=True),
    Column("identities", Text, nullable=True),
    Column("schedule", String(100), nullable=True),
    _when("created"),
    # Scan options by long name (safe, include, exclude, checks, config): paths, no secrets.
    Column("options", JSON, nullable=True),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("api_id", Integer, ForeignKey("apis.id", ondelete="CASCADE"), nullable=False),
    Column("tool", String(50), nullable=False),
    Column("target", Text, nullable=False),
    Column("contract", Text, nullable=True),
    Column("version", String(50), nullable=False),
    Column("options", JSON, nullable=False),
    _when("started"),
    _when("finished", nullable=True),
    Column("complete", Boolean, nullable=False),
    Column("stats", JSON, nullable=False),
    Column("notes", JSON, nullable=False),
    Index("ix_runs_api_tool", "api_id", "tool", "id"),
)

coverage = Table(
    "coverage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("check", String(_NAME), nullable=False),
    Column("operation", Text, nullable=True),
    Column("skipped", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_coverage_run", "run_id"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("api_id", Integer, ForeignKey("apis.id", ondelete="CASCADE"), nullable=False),
    Column("fingerprint", String(_FINGERPRINT), nullable=False),
    Column("check", String(_NAME), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("operation", Text, nullable=True),
    Column("title", Text, nullable=False),
    Column("body", JSON, nullable=False),
    UniqueConstraint("run_id", "fingerprint", name="uq_findings_run_fingerprint"),
    Index("ix_findings_api_fingerprint", "api_id", "fingerprint"),
    Index("ix_findings_run_severity", "run_id", "severity"),
)

states = Table(
    "states",
    metadata,
    Column("api_id", Integer, ForeignKey("apis.id", ondelete="CASCADE"), primary_key=True),
    Column("fingerprint", String(_FINGERPRINT), primary_key=True),
    Column("state", String(10), nullable=False),
    Column("check", String(_NAME), nullable=False),
    Column("operation", Text, nullable=True),
    Column("severity", String(10), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("first_run", Integer, nullable=False),
    Column("last_seen_run", Integer, nullable=False),
    Column("changed_run", Integer, nullable=False),
    Index("ix_states_api_state", "api_id", "state"),
    Index("ix_states_state_api_severity", "state", "api_id", "severity"),
    Index("ix_states_check", "check"),
)

triage = Table(
    "triage",
    metadata,
    Column("api_id", Integer, ForeignKey("apis.id", ondelete="CASCADE"), primary_key=True),
    Column("fingerprint", String(_FINGERPRINT), primary_key=True),
    Column("decision", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("expires", Date, nullable=True),
    Column("by", String(_NAME), nullable=False),
    _when("at"),
)

triage_log = Table(
    "triage_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("api_id", Integer, ForeignKey("apis.id", ondelete="CASCADE"), nullable=False),
    Column("fingerprint", String(_FINGERPRINT), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("expires", Date, nullable=True),
    Column("by", String(_NAME), nullable=False),
    _when("at"),
    Index("ix_triage_log_finding", "api_id", "fingerprint"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("api_id", Integer, ForeignKey("apis.id", ondelete="CASCADE"), nullable=False),
    # A scheduled slot (the cron time) or the moment a run was asked for: unique per API,
    # so two schedulers racing for one slot enqueue it once.
    _when("due"),
    Column("state", String(10), nullable=False),
    Column("exclusive", Boolean, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("worker", String(_NAME), nullable=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
    Column("error", Text, nullable=True),
    _when("enqueued"),
    _when("started", nullable=True),
    _when("finished", nullable=True),
    UniqueConstraint("api_id", "due", name="uq_jobs_api_due"),
)

run_requests = Table(
    "run_requests",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("request_id", String(_REQUEST_ID), primary_key=True),
    Column("by", String(_NAME), nullable=False),
    Column("method", String(_METHOD), nullable=False),
    Column("path", Text, nullable=False),
    Column("operation", Text, nullable=True),
    Column("status", Integer, nullable=True),
)

guard_events = Table(
    "guard_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("api_id", Integer, ForeignKey("apis.id", ondelete="CASCADE"), nullable=False),
    # The event's chain hash covers its content and the line before it: re-ingesting a
    # log (or a longer copy of it) finds every line it already holds by this alone.
    Column("hash", String(_HASH), nullable=False),
    Column("log", String(_HASH), nullable=False),
    _when("at"),
    Column("kind", String(20), nullable=False),
    Column("request_id", String(_REQUEST_ID), nullable=False),
    Column("client_request_id", String(_REQUEST_ID), nullable=True),
    Column("method", String(_METHOD), nullable=False),
    Column("path", Text, nullable=False),
    Column("endpoint", Text, nullable=True),
    Column("client", String(_NAME), nullable=False),
    Column("principal", String(_NAME), nullable=True),
    Column("outcome", String(10), nullable=False),
    Column("status", Integer, nullable=True),
    Column("reason", String(_NAME), nullable=True),
    UniqueConstraint("api_id", "hash", name="uq_guard_events_api_hash"),
    Index("ix_guard_events_api_at", "api_id", "at"),
    Index("ix_guard_events_request", "api_id", "client_request_id"),
    Index("ix_guard_events_log", "api_id", "log"),
)

endpoints = Table(
    "endpoints",
    metadata,
    Column("api_id", Integer, ForeignKey("apis.id", ondelete="CASCADE"), primary_key=True),
    Column("method", String(_METHOD), primary_key=True),
    Column("template", String(_TEMPLATE), primary_key=True),
    Column("state", String(12), nullable=False),
    Column("documented", Boolean, nullable=False),
    _when("first_seen"),
    _when("last_seen"),
    Column("calls", Integer, nullable=False),
    Column("served", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
)
