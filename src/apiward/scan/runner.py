"""Running a scan: authenticate → harvest → checks → restore, with progress and partial results.

``await scan(api, config, checks)`` returns the :class:`Results`. A caller that must report on a
scan cut short holds a :class:`Scan` instead: its ``results`` fill as the scan goes, so whatever
ends it early (the target dies: ``TargetError``; Ctrl-C: the task is cancelled) leaves the findings
so far readable, with ``complete=False`` and every check × operation that did not get its turn
recorded as skipped (``target stopped answering`` / ``scan interrupted``): nothing is skipped
silently. The exception still propagates untouched, so cancellation keeps its meaning. The restore
phase (``scan.restore``) puts back what the checks changed and fills ``Results.target_state``; a
scan the target cut short runs it once the target answers again (``scan.outage``).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from apiward.core.errors import ConfigError, TargetError
from apiward.core.findings import Finding
from apiward.core.registry import Registry
from apiward.scan import account_removal, stock
from apiward.scan.base_path import based
from apiward.scan.canary import Canary
from apiward.scan.check import AnyCheck, ScanCheck, Skip, SkipReason, held
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive, destructive
from apiward.scan.flows import is_logout
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity, ranked_roles
from apiward.scan.jsonapi import Resource, flattened
from apiward.scan.ledger import Ledger
from apiward.scan.outage import restore_after
from apiward.scan.produce import run_producers
from apiward.scan.provision import open_sign_up, provision
from apiward.scan.request import SAFE, Unfilled
from apiward.scan.restore import TargetChange, restore
from apiward.scan.scope import OutOfScope, Scope
from apiward.scan.sessions import Sessions
from apiward.scan.synthesis import Synthesizer
from apiward.scan.throwaway import Throwaway
from apiward.scan.transport import MAX_ANSWER, Sent, Transport
from apiward.scan.withhold import Withheld
from apiward.scan.wrapped import roots, unwrapped
from apiward.spec import Api, Operation

NO_IDENTITIES_NOTE = (
    "authorization checks were skipped: no identities file (give --identities with two "
    "users of the same role for BOLA)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanConfig:
    """How to scan: where, as whom, how fast, which checks."""

    target: str
    identities: tuple[Identity, ...] = ()
    safe: bool = False
    concurrency: int = 8
    rate: float | None = None
    timeout: float = 10.0
    """Seconds each request may take in all: connect, send, and read its whole answer."""
    max_answer: int = MAX_ANSWER
    """Bytes of an answer's body read at most; a longer answer is cut, and the report says so."""
    checks: tuple[str, ...] = ()
    """Check ids to run; empty means all."""
    seed: int = 0
    values: Mapping[str, str] = field(default_factory=dict)
    """Test data by parameter or property name (``--value NAME=VALUE``), e.g. a coupon code."""
    aggressive: bool = False
    """Send writes the scan cannot snapshot first, so cannot restore (``--aggressive``)."""
    include: tuple[str, ...] = ()
    """Operations to scan (``scan.scope`` patterns); empty means all."""
    exclude: tuple[str, ...] = ()
    """Operations never to touch; an exclude wins over an include."""
    step_up: tuple[str, ...] = ()
    """Step-up operations the identities file names (``scan.step_up``); empty: found."""
    signup: bool = True
    """Sign up the scan's own users: peers when it has no two, a throwaway identity for
    writes nothing reads back (``scan.throwaway``); ``--no-signup``: never."""

    @property
    def scope(self) -> Scope:
        """The include/exclude patterns as a :class:`Scope`."""
        return Scope(include=self.include, exclude=self.exclude)


@dataclass(frozen=True, slots=True, kw_only=True)
class Treated:
    """An operation the scan handles apart: ``excluded`` (never sent) or ``destructive``."""

    operation: str
    treatment: str
    why: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    """A check that did not test an operation (or the whole API), and why."""

    check: str
    reason: str
    operation: str | None = None
    detail: str = ""


@dataclass(slots=True)
class Results:
    """What a scan found and covered so far; readable even when the scan was cut short."""

    findings: list[Finding] = field(default_factory=list)
    ran: list[tuple[str, str | None]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    treated: list[Treated] = field(default_factory=list)
    stats: dict[str, int | float | str] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    owners: dict[str, str] = field(default_factory=dict)
    """Credential values with the identity each is of, for the redactor's masks."""
    names: set[str] = field(default_factory=set)
    """Header and cookie names the identities' credentials travel under, for the redactor."""
    complete: bool = False
    phase: str = "start"
    target_state: list[TargetChange] = field(default_factory=list)
    """What the scan changed on the target and where each change stands after restoring."""
    requests: list[Sent] = field(default_factory=list)
    """Every request sent, by its ``X-Request-Id``: what a guard's log should show of the scan."""
    reached: bool = False
    """The target answered HTTP: before that a scan has tested nothing worth recording."""
    restored: bool = False
    """The restore phase ran: after the checks, or once a target that stopped answered again."""

    def skip_counts(self) -> Counter[str]:
        """Skipped check × operation pairs by reason."""
        return Counter(s.reason for s in self.skipped)

    @property
    def damaged(self) -> bool:
        """True when the scan left the target worse than it found it."""
        return any(change.damage for change in self.target_state)


class Progress(Protocol):
    """Where the runner reports what it is doing (the CLI draws a bar from it)."""

    def phase(self, name: str, total: int) -> None:
        """A new phase starts with ``total`` steps."""

    def advance(self, label: str) -> None:
        """One step of the current phase is done."""


class _Silent:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self, label: str) -> None:
        pass


class Scan:
    """One scan of a target: ``run()`` returns its results; ``results`` reads them so far.

    Nothing is sent until :meth:`run`, and a Scan runs once. ``results`` stays readable
    after ``run()`` raised, partial (``complete=False``): that is what a caller reports.
    """

    def __init__(self, api: Api, config: ScanConfig, checks: Registry[AnyCheck]) -> None:
        # Root-keyed bodies ({"user": {...}}) and JSON:API documents are read once as plain
        # objects: every part of the scan then sees their fields, and the transport sends
        # them as the contract says.
        flat, self._resources = flattened(api)
        self.api = unwrapped(flat)
        self.config = config
        self.checks = checks
        self.results = Results(notes=list(api.warnings))
        self._started = False

    async def run(self, progress: Progress | None = None) -> Results:
        """Scan the target with the checks, reporting to ``progress``; the complete results."""
        if self._started:
            raise RuntimeError("a Scan runs once: make a new one to scan again")
        self._started = True
        return await _run(
            self.api, self.config, self.checks, self.results, progress or _Silent(), self._resources
        )


async def scan(
    api: Api,
    config: ScanConfig,
    checks: Registry[AnyCheck],
    *,
    progress: Progress | None = None,
) -> Results:
    """Scan ``config.target`` with ``checks`` and return the results (a :class:`Scan`, run once).

    Cut short, it raises as :meth:`Scan.run` does; hold a :class:`Scan` to read its partial
    results then.
    """
    return await Scan(api, config, checks).run(progress)


async def _run(
    api: Api,
    config: ScanConfig,
    checks: Registry[AnyCheck],
    results: Results,
    progress: Progress,
    resources: Mapping[str, Resource],
) -> Results:
    started = time.perf_counter()
    if unmatched := config.scope.unmatched(api.operations):
        raise ConfigError(f"scope pattern {unmatched[0]!r} matches no operation of the contract")
    results.treated = _treated(api, config)
    in_scope = [op for op in api.operations if config.scope.why_out(op) is None]
    target, based_note = based(config.target, api)
    if based_note:
        results.notes.append(based_note)
    transport = Transport(
        target,
        concurrency=config.concurrency,
        rate=config.rate,
        timeout=config.timeout,
        max_answer=config.max_answer,
        roots=roots(api),
        resources=resources,
    )
    canary = await Canary().start()
    sessions = Sessions(transport, config.identities)
    results.secrets, results.owners, results.names = (
        sessions.secrets,
        sessions.owners,
        sessions.names,
    )
    selected = [c for c in checks if not config.checks or c.id in config.checks]
    pending: set[tuple[str, str | None]] = {
        (c.id, op.key) for c in selected for op in _targets(c, in_scope)
    }
    pending |= {(c.id, None) for c in selected if isinstance(c, ScanCheck)}
    ledgers: list[Ledger] = []
    try:
        ctx = await _prepare(api, config, sessions, canary, results, progress, ledgers)
        await _run_checks(ctx, selected, pending, results, progress)
        await _restore(ctx, results, progress)
        results.complete = True
    except TargetError:
        _abandon(pending, results, SkipReason.TARGET_DOWN)
        if ledgers and not results.restored:
            changes, note = await restore_after(ledgers[0], transport)
            results.target_state, results.restored = changes or [], changes is not None
            results.notes.append(note)
        raise
    except (asyncio.CancelledError, KeyboardInterrupt):
        _abandon(pending, results, SkipReason.INTERRUPTED)
        raise
    finally:
        results.stats.update(_stats(api, transport, results, started))
        results.notes.extend(transport.cut_notes())
        results.requests = transport.journal
        await transport.close()
        await canary.stop()
    return results


async def _prepare(
    api: Api,
    config: ScanConfig,
    sessions: Sessions,
    canary: Canary,
    results: Results,
    progress: Progress,
    ledgers: list[Ledger],
) -> Context:
    results.phase = sessions.transport.requester = "authenticate"
    progress.phase("authenticate", len(sessions.identities))
    await sessions.transport.reachable()
    results.reached = True
    await sessions.start(op.key for op in api.operations)
    for name, why in sorted(sessions.failed.items()):
        # A failed login costs that identity, not the scan: say so where the user looks.
        results.notes.append(f"identity {name!r} could not log in and was left out: {why}")
        lost = f"identity {name!r} could not log in"
        results.skipped.append(Skipped(check="login", reason=lost, detail=why))
    synthesizer = Synthesizer(
        api, url=canary.token("synthesis").url, seed=config.seed, values=config.values
    )
    sessions.transport.observers.append(synthesizer.observed.learn)
    synthesizer.roles = ranked_roles(sessions.identities)
    sessions.secrets.add(synthesizer.password)
    ledger = Ledger(api, sessions, aggressive=config.aggressive, safe=config.safe)
    ledger.excluded = frozenset(o.key for o in api.operations if config.scope.why_out(o))
    ledgers.append(ledger)  # what to put back if the target stops answering (scan.outage)
    if config.signup:
        results.phase = sessions.transport.requester = "sign-up"
        # Users of its own for BOLA (scan.provision), once it knows if sign-up is open (openness).
        opened = await open_sign_up(api, ledger, synthesizer, config.scope)
        if opened.made:
            results.notes.append(opened.opened_note())
        made = await provision(api, ledger, synthesizer, config.scope)
        results.notes += made.notes()
        # Whether the account DELETE works, before any check's sign-up relies on it.
        results.notes += await account_removal.learn(api, ledger, synthesizer, config.scope)
    harvest = Harvest(synthesizer, sessions.openness.public, ledger.links)
    ledger.spends = partial(stock.spent, harvest)  # before the harvest's own creations
    ledger.parents = harvest.lists.parents  # shallow routes' reads (scan.shallow)
    if sessions.failed and not sessions.identities:
        results.notes.append("every identity failed to log in: the scan ran anonymously")
    elif not sessions.identities:
        results.notes.append(NO_IDENTITIES_NOTE)
    results.phase = sessions.transport.requester = "harvest"
    await run_producers(api, ledger, harvest, progress, scope=config.scope)
    ledger.seen = frozenset(str(s.value) for s in harvest.sightings)
    return Context(
        api=api,
        sessions=sessions,
        synthesizer=synthesizer,
        harvest=harvest,
        canary=canary,
        safe=config.safe,
        ledger=ledger,
        scope=config.scope,
        throwaway=Throwaway(api, ledger, synthesizer, config.scope, enabled=config.signup),
        step_ups=config.step_up,
    )


def _treated(api: Api, config: ScanConfig) -> list[Treated]:
    """Every operation out of scope or destructive, and why: the report's ``scope`` table."""
    rule = "never sent (--safe)" if config.safe else "sent only on objects the scan created"
    treated = []
    for op in api.operations:
        if out := config.scope.why_out(op):
            treated.append(Treated(operation=op.key, treatment="excluded", why=out))
        elif why := destructive(op):
            # The logout check still sends it, on a session it logged in for itself.
            said = "a logout; sent only on a session of the scan's own" if is_logout(op) else rule
            treated.append(Treated(operation=op.key, treatment="destructive", why=f"{why}; {said}"))
    return treated


def _targets(check: AnyCheck, operations: Iterable[Operation]) -> Iterable[Operation]:
    return () if isinstance(check, ScanCheck) else operations


async def _run_checks(
    ctx: Context,
    selected: list[AnyCheck],
    pending: set[tuple[str, str | None]],
    results: Results,
    progress: Progress,
) -> None:
    # Checks that may change others' data run last, so they cannot spoil the others' baselines.
    last: list[tuple[AnyCheck, list[Operation]]] = []
    for check in sorted(selected, key=lambda c: not c.safe):
        results.phase = f"check {check.id}"
        # Checks run one after another: every request until the next is this check's
        # (a shared baseline is charged to the first check that asks for it).
        ctx.sessions.transport.requester = check.id
        operations = list(
            _targets(check, (o for o in ctx.api.operations if o.key not in ctx.out_of_scope))
        )
        progress.phase(check.id, max(1, len(operations)))
        if isinstance(check, ScanCheck):
            await _one(ctx, check, None, pending, results, progress)
            continue
        # Under --aggressive a destructive operation may end an object the scan did not
        # make (a seeded promo code): every check's go at one waits until all the others
        # are done, so that no other check finds its object gone.
        late = [op for op in operations if ctx.ledger.aggressive and destructive(op)]
        last.append((check, late))
        # Reads first, then writes: a write running beside a read changes what it sees.
        for batch in (
            [op for op in operations if op.method in SAFE and op not in late],
            [op for op in operations if op.method not in SAFE and op not in late],
        ):
            await _batch(ctx, check, batch, pending, results, progress)
    for check, late in last:
        results.phase = f"check {check.id}"
        ctx.sessions.transport.requester = check.id
        await _batch(ctx, check, late, pending, results, progress)


async def _batch(
    ctx: Context,
    check: AnyCheck,
    batch: list[Operation],
    pending: set[tuple[str, str | None]],
    results: Results,
    progress: Progress,
) -> None:
    """Run ``check`` on every operation of ``batch`` at once."""
    try:
        async with asyncio.TaskGroup() as group:
            for op in batch:
                group.create_task(_one(ctx, check, op, pending, results, progress))
    except* TargetError as errors:
        first = errors.exceptions[0]
        raise (first if isinstance(first, TargetError) else TargetError(str(first))) from None


async def _one(
    ctx: Context,
    check: AnyCheck,
    op: Operation | None,
    pending: set[tuple[str, str | None]],
    results: Results,
    progress: Progress,
) -> None:
    key = op.key if op is not None else None
    if ctx.safe and not check.safe:
        outcomes: list[Finding | Skip] = [Skip(reason=SkipReason.UNSAFE)]
    else:
        outcomes = await _outcomes(ctx, check, op, results)
    _record(check.id, key, outcomes, results)
    pending.discard((check.id, key))
    progress.advance(check.id)


async def _outcomes(
    ctx: Context, check: AnyCheck, op: Operation | None, results: Results
) -> list[Finding | Skip]:
    outcomes: list[Finding | Skip] = []
    try:
        stream = check.run_once(ctx) if isinstance(check, ScanCheck) else check.run(ctx, op)  # type: ignore[arg-type]
        async for outcome in stream:
            outcomes.append(outcome)
    except Withheld as withheld:  # not ours under --safe, unrestorable, lasting, withheld
        outcomes.append(held(withheld))
    except Destructive as refused:
        outcomes.append(Skip(reason=SkipReason.DESTRUCTIVE, detail=str(refused)))
    except OutOfScope as refused:
        outcomes.append(Skip(reason=SkipReason.OUT_OF_SCOPE, detail=str(refused)))
    except Unfilled as unfilled:
        outcomes.append(Skip(reason=SkipReason.UNFILLED, detail=unfilled.message))
    except TargetError as error:
        if ctx.sessions.transport.down is not None:
            raise ctx.sessions.transport.down from None
        results.errors.append(f"{check.id} on {op.key if op else 'the API'}: {error}")
        outcomes.append(Skip(reason=SkipReason.ERROR, detail=str(error)))
    except Exception as error:  # noqa: BLE001 — a crashing check is a scan error, never "not vulnerable"
        what = f"{type(error).__name__}: {error}"
        results.errors.append(f"{check.id} on {op.key if op else 'the API'}: {what}")
        outcomes.append(Skip(reason=SkipReason.ERROR, detail=what))
    return outcomes


async def _restore(ctx: Context, results: Results, progress: Progress) -> None:
    """Put back what the checks changed, delete what they made, and try every login again."""
    results.phase = ctx.sessions.transport.requester = "restore"
    progress.phase("restore", 1)
    results.target_state = await restore(ctx.ledger)
    results.restored = True
    results.notes += ctx.throwaway_notes()
    progress.advance("restore")


def _record(check: str, key: str | None, outcomes: list[Finding | Skip], results: Results) -> None:
    findings = [o for o in outcomes if isinstance(o, Finding)]
    skips = [o for o in outcomes if isinstance(o, Skip)]
    results.findings.extend(findings)
    if findings or not skips:
        results.ran.append((check, key))
    # Every skip counts, findings or not: a once-per-scan check that found one flaw may still
    # have left another part untested, and the user must see that part as 'not tested'.
    for skip in skips:
        results.skipped.append(
            Skipped(check=check, reason=skip.reason.value, operation=key, detail=skip.detail)
        )


def _abandon(pending: set[tuple[str, str | None]], results: Results, reason: SkipReason) -> None:
    for check, key in sorted(pending, key=lambda p: (p[0], p[1] or "")):
        results.skipped.append(Skipped(check=check, reason=reason.value, operation=key))
    pending.clear()


def _stats(
    api: Api, transport: Transport, results: Results, started: float
) -> dict[str, int | float | str]:
    return {
        "operations": len(api.operations),
        # Sent at least one request (harvest and restore included); the summary's
        # ``operations_exercised`` counts the operations a check ran on.
        "operations_sent": len(transport.operations & {op.key for op in api.operations}),
        "requests": transport.sent,
        "request_ids": transport.request_ids,
        **{f"requests.{who}": n for who, n in sorted(transport.by_requester.items())},
        "checks_run": len(results.ran),
        "checks_skipped": len(results.skipped),
        "findings": len(results.findings),
        "errors": len(results.errors),
        "seconds": round(time.perf_counter() - started, 2),
    }
