"""One queued scan: claim the job in the store, scan the API, record the run, notify.

The store decides whether this job runs (``apiward.store.jobs.start_job``): a job that
is over is never run again, whatever the queue redelivers. The run is opened before the
scan starts, so a worker killed mid-scan leaves it behind marked partial; the retry
records a run of its own. The API's contract, target, identities and scan options
(``api add --safe/--include/--exclude/--checks/--config``) come from the store, the
worker's options (``apiward.queue.settings``) fill in the rest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apiward.core.errors import ApiwardError, ConfigError
from apiward.queue.settings import Settings
from apiward.store.jobs import STOPPED
from apiward.store.records import ApiRecord

if TYPE_CHECKING:
    from apiward.scan import ScanConfig

log = logging.getLogger(__name__)


async def scan_job(context: Any, job: int, retest: str | None = None) -> None:
    """The ``apiward.scan`` task: run job ``job`` unless it already ran.

    ``retest``: run only that check, and record the run as a ``retest`` (the dashboard's
    *retest* button): the finding's state moves on as after ``apiward retest``. A worker
    stopped mid-scan (SIGTERM) records the run as partial and hands the job back: the
    queue retries it (``apiward.queue.app``), as it does a lost worker's.
    """
    from apiward.store.jobs import finish_job, hand_back, start_job

    settings: Settings = context.additional_context["apiward"]
    tool = "retest" if retest else "scan"
    started = await asyncio.to_thread(
        start_job, settings.engine, job, worker=settings.worker, tool=tool
    )
    if started is None:
        return
    name, run = started.api.name, started.run_id
    log.info("job %s started: API %r, run %s (attempt %s)", job, name, run, started.attempt)
    began = time.monotonic()
    error: str | None = None
    try:
        only = (retest,) if retest else ()
        found = await _scan_and_record(settings, started.api, run, job, tool=tool, only=only)
    except ApiwardError as failure:
        error, found = str(failure), None
    except asyncio.CancelledError:
        await asyncio.to_thread(hand_back, settings.engine, job)
        took = time.monotonic() - began
        log.info(
            "job %s stopped: API %r, run %s partial, job requeued, %.1f s", job, name, run, took
        )
        raise
    await asyncio.to_thread(finish_job, settings.engine, job, error=error)
    took = time.monotonic() - began
    outcome = f"failed: {error}" if error else f"done, {found} finding(s)"
    log.info("job %s %s: API %r, run %s, %.1f s", job, outcome, name, run, took)
    if settings.webhooks:
        from apiward.queue.notify import announce

        await announce(context.app, settings, started.api.name, started.run_id)


async def _scan_and_record(
    settings: Settings,
    api: ApiRecord,
    run_id: int,
    job: int,
    *,
    tool: str,
    only: tuple[str, ...] = (),
) -> int:
    """Scan ``api`` and record the run as ``run_id``; how many findings it made."""
    from apiward.report.scan_results import scan_report
    from apiward.scan import Results, Scan
    from apiward.scan.checks import builtin_checks
    from apiward.spec import load
    from apiward.store.runs import record_run

    if not api.target or not api.spec:
        raise ApiwardError(f"API {api.name!r} has no target or contract to scan")
    target, spec = api.target, api.spec
    started = datetime.now(UTC)
    # Until the scan starts there is nothing to report but the failure that stopped it.
    results = Results()
    failure: ApiwardError | None = None
    config: ScanConfig | None = None
    stopped = False
    try:
        config = await asyncio.to_thread(scan_config, settings, api)
        if only:
            # A retest runs its one check, whatever the API's own check list says.
            config = dataclasses.replace(config, checks=only)
        contract = await asyncio.to_thread(
            load, spec, allow_private=False, trusted_origins=(target,)
        )
        scanning = Scan(contract, config, builtin_checks())
        results = scanning.results
        await scanning.run()
    except ApiwardError as error:
        failure = error
    except asyncio.CancelledError:
        stopped = True  # the results so far are recorded as a partial run, then it ends
    report = dataclasses.replace(scan_report(target, started, results, contract=spec), tool=tool)
    if stopped:
        report = dataclasses.replace(report, notes=(*report.notes, STOPPED))
    options: dict[str, Any] = {"job": job, "worker": settings.worker}
    if config is not None:
        options |= {"checks": list(config.checks), "safe": config.safe}
        options |= {"include": list(config.include), "exclude": list(config.exclude)}
        options |= {"no-signup": not config.signup, "config": api.options.get("config")}
    await asyncio.to_thread(
        record_run,
        settings.engine,
        report,
        api=api.name,
        options=options,
        secrets=results.secrets,
        run_id=run_id,
    )
    if stopped:
        raise asyncio.CancelledError
    if failure is not None:
        raise failure
    return len(report.findings)


def scan_config(settings: Settings, api: ApiRecord) -> ScanConfig:
    """How to scan ``api``: the worker's options, under the API's own and its config file's.

    The API's checks and scope replace the worker's; ``safe`` and ``no-signup`` only
    add caution: a worker started ``--safe`` never runs an unsafe scan.
    """
    from apiward.scan import ScanConfig, read_identities_file
    from apiward.scan.checks import builtin_checks
    from apiward.scan.config_file import with_config
    from apiward.scan.scope import patterns

    options = with_config(api.options)
    checks = patterns(options["checks"]) if options.get("checks") else settings.checks
    known = builtin_checks().names()
    if unknown := [c for c in checks if c not in known]:
        raise ConfigError(f"API {api.name!r}: unknown check {unknown[0]!r}")
    identities = api.identities or options.get("identities")
    given = read_identities_file(Path(identities)) if identities else None
    return ScanConfig(
        target=str(api.target),
        identities=given.identities if given else (),
        step_up=given.step_up if given else (),
        values={**(given.values if given else {}), **options.get("values", {})},
        safe=settings.safe or options.get("safe", False),
        signup=settings.signup and not options.get("no-signup", False),
        timeout=options.get("timeout", settings.timeout),
        concurrency=options.get("concurrency", 8),
        rate=options.get("rate"),
        checks=checks,
        include=patterns(options.get("include", [])),
        exclude=patterns(options.get("exclude", [])),
        aggressive=options.get("aggressive", False),
    )
