"""One queued scan: claim the job in the store, scan the API, record the run, notify.

The store decides whether this job runs (``apiward.store.jobs.start_job``): a job that
is over is never run again, whatever the queue redelivers. The run is opened before the
scan starts, so a worker killed mid-scan leaves it behind marked partial; the retry
records a run of its own. The API's contract, target and identities come from the
store, the scan's options from the worker (``apiward.queue.settings``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apiward.core.errors import ApiwardError
from apiward.queue.settings import Settings
from apiward.store.records import ApiRecord


async def scan_job(context: Any, job: int, retest: str | None = None) -> None:
    """The ``apiward.scan`` task: run job ``job`` unless it already ran.

    ``retest``: run only that check, and record the run as a ``retest`` (the dashboard's
    *retest* button): the finding's state moves on as after ``apiward retest``.
    """
    from apiward.store.jobs import finish_job, start_job

    settings: Settings = context.additional_context["apiward"]
    if retest:
        settings = dataclasses.replace(settings, checks=(retest,))
    tool = "retest" if retest else "scan"
    started = await asyncio.to_thread(
        start_job, settings.engine, job, worker=settings.worker, tool=tool
    )
    if started is None:
        return
    error: str | None = None
    try:
        await _scan_and_record(settings, started.api, started.run_id, job, tool=tool)
    except ApiwardError as failure:
        error = str(failure)
    await asyncio.to_thread(finish_job, settings.engine, job, error=error)
    if settings.webhooks:
        from apiward.queue.notify import announce

        await announce(context.app, settings, started.api.name, started.run_id)


async def _scan_and_record(
    settings: Settings, api: ApiRecord, run_id: int, job: int, *, tool: str
) -> None:
    from apiward.report.scan_results import scan_report
    from apiward.scan import Results, Scan, ScanConfig, read_identities_file
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
    try:
        given = read_identities_file(Path(api.identities)) if api.identities else None
        config = ScanConfig(
            target=target,
            identities=given.identities if given else (),
            values=given.values if given else {},
            safe=settings.safe,
            signup=settings.signup,
            timeout=settings.timeout,
            checks=settings.checks,
        )
        contract = await asyncio.to_thread(
            load, spec, allow_private=False, trusted_origins=(target,)
        )
        scanning = Scan(contract, config, builtin_checks())
        results = scanning.results
        await scanning.run()
    except ApiwardError as error:
        failure = error
    report = dataclasses.replace(scan_report(target, started, results, contract=spec), tool=tool)
    options = {"job": job, "worker": settings.worker, "checks": list(settings.checks)}
    options |= {"safe": settings.safe, "no-signup": not settings.signup}
    await asyncio.to_thread(
        record_run,
        settings.engine,
        report,
        api=api.name,
        options=options,
        secrets=results.secrets,
        run_id=run_id,
    )
    if failure is not None:
        raise failure
