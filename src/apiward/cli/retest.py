"""``apiward retest FINGERPRINT``: run just that finding's check again, with its API's identities.

Only that check runs, but over the whole API: the harvest that finds and makes the
objects a check needs (another user's account id) reads and writes other operations,
and a scan scoped to one operation could rarely test it. The scan uses the API's stored target, contract and identities, and the ``--safe``,
``--aggressive`` and ``--no-signup`` choices of the run that last reported the finding.
It is recorded as a ``retest`` run, so the finding's state (and that of the check's
other findings) moves on as after any run: *fixed* if the check ran on its operation
and did not report it, *open* (or *regressed*) if it did, unchanged if it was skipped. A retest is never the baseline of
``--fail-on-new``, which compares runs of the same verb.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from apiward.cli import interrupt
from apiward.cli.recording import StoreOption, record
from apiward.core.errors import ConfigError

if TYPE_CHECKING:
    from apiward.scan import Scan


def retest(
    fingerprint: Annotated[str, typer.Argument(help="The fingerprint (or 6+ first characters).")],
    api: Annotated[
        str | None, typer.Option("--api", metavar="NAME", help="The API, if ambiguous.")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Re-run one finding's check with its API's identities, and update its state."""
    from apiward.cli.scan import run
    from apiward.report.scan_results import scan_report, summary_line

    finding, target, spec, options = _what(store, fingerprint, api)
    console = Console(highlight=False)
    console.print(
        f"retest {finding.fingerprint}: {escape(finding.check)} on "
        f"{escape(finding.operation or '-')} at {escape(target)}"
    )
    started = datetime.now(UTC)
    # A contract that cannot be loaded ends here, in one line, before a run is recorded.
    scanning = _scan(target, spec, finding.check, options)
    results = scanning.results

    def save() -> None:
        report = scan_report(target, started, results, contract=spec)
        console.print(escape(summary_line(results)))
        record(
            dataclasses.replace(report, tool="retest"),
            store=store,
            api=finding.api,
            options={**options, "checks": [finding.check]},
            secrets=results.secrets,
            console=console,
        )

    try:
        interrupt.run(run(scanning))
    except BaseException:
        # A target that never answered was not tested: an empty run would only blur the history.
        if results.reached:
            save()
        raise
    save()
    for skip in results.skipped:
        if skip.operation in {finding.operation, None}:
            console.print(f"not tested: {escape(skip.reason)} {escape(skip.detail)}".rstrip())
    console.print(f"{finding.fingerprint}: {_verdict(store, finding.fingerprint, finding.api)}")


def _what(
    store: str | None, fingerprint: str, api: str | None
) -> tuple[Any, str, str, dict[str, Any]]:
    """The finding, its API's target and contract, and the options of its last run."""
    from apiward.store import opened_store
    from apiward.store.apis import get_api
    from apiward.store.runs import get_run
    from apiward.store.tracked import find

    with opened_store(store, create=False) as engine, engine.connect() as connection:
        finding = find(connection, fingerprint, api=api)
        owner = get_api(connection, finding.api)
        last = get_run(connection, finding.last_seen_run)
    if finding.operation is None or last.tool not in {"scan", "retest"}:
        raise ConfigError(f"{finding.fingerprint} is a {last.tool} finding: only scans retest")
    if not owner.target or not (owner.spec or last.contract):
        raise ConfigError(f"API {owner.name!r} has no target or contract to scan")
    kept = {"safe", "aggressive", "no-signup", "values", "timeout", "concurrency", "rate"}
    kept.add("allow-private")
    options = {k: v for k, v in last.options.items() if k in kept}
    if owner.identities:
        options["identities"] = owner.identities
    return finding, owner.target, owner.spec or last.contract or "", options


def _scan(target: str, spec: str, check: str, options: dict[str, Any]) -> Scan:
    """The scan that re-runs ``check`` with the options of the finding's last run."""
    from apiward.scan import Scan, ScanConfig, read_identities_file
    from apiward.scan.checks import builtin_checks
    from apiward.scan.transport import MAX_ANSWER
    from apiward.spec import load

    identities = options.get("identities")
    given = read_identities_file(Path(identities)) if identities else None
    config = ScanConfig(
        target=target,
        identities=given.identities if given else (),
        values={**(given.values if given else {}), **options.get("values", {})},
        safe=bool(options.get("safe", False)),
        aggressive=bool(options.get("aggressive", False)),
        signup=not options.get("no-signup", False),
        timeout=float(options.get("timeout", 10.0)),
        max_answer=int(options.get("max-answer-bytes", MAX_ANSWER)),
        checks=(check,),
    )
    private = bool(options.get("allow-private", False))
    contract = load(spec, allow_private=private, trusted_origins=(target,))
    return Scan(contract, config, builtin_checks())


def _verdict(store: str | None, fingerprint: str, api: str) -> str:
    from apiward.store import opened_store
    from apiward.store.tracked import find

    with opened_store(store, create=False) as engine, engine.connect() as connection:
        finding = find(connection, fingerprint, api=api)
    return f"{finding.state.value} (since run {finding.changed_run})"
