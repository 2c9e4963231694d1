"""The contract between the runner and a check: metadata, ``run``, and what it yields.

Documented, with an example, in :mod:`apiward.scan.checks`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from apiward.core.findings import Finding
from apiward.scan.context import Context
from apiward.scan.withhold import Kept, Lasting, NotOurs, Unrestorable, Withheld
from apiward.spec import Operation


class SkipReason(StrEnum):
    """Why a check did not test an operation: 'not tested' is not 'not vulnerable'."""

    NO_IDENTITIES = (
        "no identities file, or no identity logged in (authorization checks need identities)"
    )
    NO_PEER = "no second identity with the same role"
    NO_ACCESS = "no identity gets a 2xx from its own legitimate request"
    NO_HARVESTED_ID = "no harvested id fits the operation"
    UNSAFE = "excluded by --safe (it could change data the scan did not make)"
    LOCKOUT = "it could lock a real user out: sent only to an account of the scan's own, or with --aggressive"
    NOT_APPLICABLE = "precondition not met"
    INCONCLUSIVE = "the oracle could not decide (answers changed while it looked)"
    WITHHELD = "the legitimate write would change others' objects or a privilege: not sent"
    UNRESTORABLE = "the write could not be undone (nothing reads its object back): not sent without --aggressive"
    LASTING = "the sign-up would leave an account nothing can delete: not sent without --aggressive"
    KEPT = "the creation would leave an object nothing can delete: not sent without --aggressive"
    DESTRUCTIVE = "destructive operation: sent only on objects the scan created"
    UNFILLED = "a path parameter of the request had no value: not sent"
    OUT_OF_SCOPE = "the request would touch an operation --include/--exclude keeps out"
    TARGET_DOWN = "target stopped answering"
    INTERRUPTED = "scan interrupted"
    ERROR = "scan error (apiward failed here; see the notes)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Skip:
    """A check's statement that it could not test this operation (or one part of it)."""

    reason: SkipReason
    detail: str = ""


Outcome = Finding | Skip


def held(withheld: Withheld) -> Skip:
    """The skip for a write the engine withheld, with the reason its kind gives (else WITHHELD)."""
    reason = SkipReason.WITHHELD
    if isinstance(withheld, NotOurs):
        reason = SkipReason.UNSAFE
    elif isinstance(withheld, Unrestorable):
        reason = SkipReason.UNRESTORABLE
    elif isinstance(withheld, Lasting):
        reason = SkipReason.LASTING
    elif isinstance(withheld, Kept):
        reason = SkipReason.KEPT
    return Skip(reason=reason, detail=str(withheld))


class CheckMeta(Protocol):
    """The metadata every check carries."""

    id: str
    """Concept name, used in ``--checks`` and as ``Finding.check`` (e.g. ``bola``)."""
    title: str
    owasp: str
    """OWASP API Security Top 10 id with edition, e.g. ``API1:2023`` (metadata: editions renumber)."""
    cwe: str
    safe: bool
    """False when it modifies or deletes data belonging to others: ``--safe`` skips it."""
    remediation: str


@runtime_checkable
class Check(CheckMeta, Protocol):
    """A per-operation check."""

    def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Test ``operation``; yield findings and skips."""
        ...


@runtime_checkable
class ScanCheck(CheckMeta, Protocol):
    """A check that runs once per scan (inventory, rate limits, login flows...)."""

    def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Test the API as a whole; yield findings (with their operation) and skips."""
        ...


AnyCheck = Check | ScanCheck
