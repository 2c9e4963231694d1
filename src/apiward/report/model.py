"""What every report format renders: one verb's run, its findings and its coverage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from apiward.core.findings import Finding

Cell = str | int | float | bool | None
Row = Mapping[str, Cell]
"""One row of a verb's own table (e.g. an operation's risk score), column name → value."""

REQUESTS = "requests"
"""A scan's table of every request it sent, by ``X-Request-Id`` (the store keeps it)."""
REQUEST_COLUMNS = ("request_id", "by", "method", "path", "target", "operation", "status")


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    """A check that did not run on an operation, and why: 'not tested' is not 'not vulnerable'."""

    check: str
    reason: str
    """One of a small vocabulary (the scan's ``SkipReason``): what to group and count by."""
    operation: str | None = None
    detail: str = ""
    """What exactly was missing here (``no size parameter or body``), possibly empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ran:
    """A check (or rule) that ran on an operation (or on the whole target when None)."""

    check: str
    operation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The result of one run of a verb (scan, audit contract, audit code, inventory...)."""

    tool: str
    """The verb that produced it, e.g. ``scan`` or ``audit contract``."""
    target: str
    """What was examined: a base URL, a spec file, a source folder."""
    started: datetime
    finished: datetime
    findings: tuple[Finding, ...] = ()
    ran: tuple[Ran, ...] = ()
    """What was tested: with ``findings`` and ``skipped`` it gives JUnit its passes and coverage."""
    skipped: tuple[Skipped, ...] = ()
    stats: Mapping[str, int | float | str] = field(default_factory=lambda: MappingProxyType({}))
    """Counts a reader wants in the summary (operations, requests sent, checks run...)."""
    complete: bool = True
    """False when the run was cut short (Ctrl-C, target died): the report is partial."""
    notes: tuple[str, ...] = ()
    """Run-level remarks, e.g. 'authorization checks skipped: no identities file'."""
    tables: Mapping[str, tuple[Row, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """A verb's own ranked or tabular results (e.g. ``risk``: one row per operation)."""
    contract: str | None = None
    """The contract file (or URL) the run worked from; SARIF anchors dynamic findings to it."""
