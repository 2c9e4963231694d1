"""``apiward scan``: attack a running API from its contract and identities, and report what got through.

The target is given explicitly and is the only host the scanner sends to (besides its
own canary on 127.0.0.1). Whatever ends the scan early — a target that dies, a broken
login, Ctrl-C — still writes the requested reports, marked partial (``complete=False``),
before the one-line error and exit code 2 (130 for Ctrl-C). A scan that left the target
damaged (a change it could not put back, an identity that no longer logs in) exits 3.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from apiward.cli import interrupt
from apiward.cli.outputs import (
    FailOnOption,
    JsonOption,
    JunitOption,
    Outputs,
    ReportOption,
    SarifOption,
    ShowSecretsOption,
    emit,
)
from apiward.cli.recording import ApiOption, FailOnNewOption, StoreOption, api_defaults, record
from apiward.cli.scan_logging import check_source, with_logging
from apiward.core.errors import ApiwardError, ConfigError
from apiward.core.urls import http_url
from apiward.report.redacted import prepare
from apiward.report.scan_results import scan_report, summary_line, target_state
from apiward.scan import Results, Scan, ScanConfig, read_identities_file
from apiward.scan.checks import builtin_checks
from apiward.scan.config_file import MAX_CONCURRENCY, read_scan_config
from apiward.scan.scope import patterns
from apiward.scan.transport import MAX_ANSWER
from apiward.spec import load

DAMAGED = 3
"""Exit code of a scan that left the target worse than it found it, whatever the findings."""


class _Bar:
    """The runner's progress as a rich bar on stderr, one task per phase or check."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(name, total=max(total, 1))

    def advance(self, label: str) -> None:
        if self._task is not None:
            self._progress.advance(self._task)


def scan(
    spec: Annotated[
        str | None, typer.Option("--spec", help="The contract: file, folder or URL.")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Base URL of the running API to scan.")
    ] = None,
    identities: Annotated[
        Path | None,
        typer.Option("--identities", help="Who the scanner can be (YAML; see the README)."),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="Scan options in a YAML file; the command line wins."),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            help="Scan only these operations: 'GET /users/{id}', '/admin/*', tag:NAME, id:OPID.",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Never touch these operations (same patterns; wins)."),
    ] = None,
    safe: Annotated[
        bool | None, typer.Option("--safe", help="Never modify or delete data belonging to others.")
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", min=1, max=MAX_CONCURRENCY, help="Requests in flight at most."
        ),
    ] = None,
    rate: Annotated[
        float | None, typer.Option("--rate", min=0.1, help="Requests per second at most.")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0.1,
            help="Seconds each request may take in all: connect, send, whole answer (default 10).",
        ),
    ] = None,
    max_answer_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-answer-bytes",
            min=1024,
            help="Read at most this much of each answer's body (default 16 MiB); the report says what was cut.",
        ),
    ] = None,
    checks: Annotated[
        str | None, typer.Option("--checks", help="Comma-separated check ids (default: all).")
    ] = None,
    value: Annotated[
        list[str] | None,
        typer.Option(
            "--value",
            help="Test data by parameter/property name, NAME=VALUE (repeatable), e.g. code=WELCOME50.",
        ),
    ] = None,
    aggressive: Annotated[
        bool,
        typer.Option(
            "--aggressive",
            help="Also send writes the scan cannot snapshot first, so cannot put back.",
        ),
    ] = False,
    no_signup: Annotated[
        bool,
        typer.Option(
            "--no-signup",
            help="Never sign up users of the scan's own (made so BOLA has two peers).",
        ),
    ] = False,
    allow_private: Annotated[
        bool | None,
        typer.Option(
            "--allow-private",
            help="Allow a --spec URL on a private host (the --target's own origin needs none).",
        ),
    ] = None,
    json: JsonOption = None,
    sarif: SarifOption = None,
    junit: JunitOption = None,
    html: ReportOption = None,
    fail_on: FailOnOption = None,
    show_secrets: ShowSecretsOption = False,
    store: StoreOption = None,
    api_name: ApiOption = None,
    fail_on_new: FailOnNewOption = None,
    check_logging: Annotated[
        str | None,
        typer.Option(
            "--check-logging",
            metavar="AUDIT_LOG|store",
            help="Cross-check every attack with the guard's audit log (or its events already "
            "in the store): blocked, logged, or missing (a finding).",
        ),
    ] = None,
) -> None:
    """Attack a running API from its contract and identities; report what got through."""
    given = {
        "spec": spec,
        "target": target,
        "identities": identities,
        "include": include,
        "exclude": exclude,
        "safe": safe,
        "concurrency": concurrency,
        "rate": rate,
        "timeout": timeout,
        "max-answer-bytes": max_answer_bytes,
        "checks": checks.split(",") if checks else None,
        "allow-private": allow_private,
        "aggressive": aggressive or None,
        "no-signup": no_signup or None,
        "json": json,
        "sarif": sarif,
        "junit": junit,
        "report": html,
        "fail-on": fail_on,
        "show-secrets": show_secrets or None,
    }
    options = _options(config_file, given, api_defaults(store, api_name), api=api_name)
    outputs = Outputs(
        json=options.get("json"),
        sarif=options.get("sarif"),
        junit=options.get("junit"),
        html=options.get("report"),
        fail_on=options.get("fail-on"),
        show_secrets=options.get("show-secrets", False),
    )
    outputs.check(inputs=[options["spec"], options.get("identities"), config_file])
    target = str(options["target"])
    spec = str(options["spec"])
    # Bad input ends here, in one line, before any request and without an empty report.
    config = _config(options, value or [])
    if check_logging is not None:
        check_source(check_logging)
    config = dataclasses.replace(
        config,
        aggressive=options.get("aggressive", False),
        signup=not options.get("no-signup", False),
    )
    # The target's own origin needs no --allow-private: the user named it to be attacked.
    api = load(
        spec, allow_private=options.get("allow-private", False), trusted_origins=(config.target,)
    )
    started = datetime.now(UTC)
    scanning = Scan(api, config, builtin_checks())
    failure: ApiwardError | None = None
    interrupted = False
    try:
        interrupt.run(run(scanning))
    except ApiwardError as error:
        failure = error
    except KeyboardInterrupt:
        interrupted = True
    # Cut short or not, the scan's results so far are what the reports show.
    results = scanning.results
    report = scan_report(target, started, results, contract=spec)
    console = Console(highlight=False)
    if check_logging is not None:
        report = with_logging(report, check_logging, store=store, console=console)
    # The target state goes before the lines naming the files written, where it is seen.
    redactor = outputs.redactor(results.secrets, names=results.names, owners=results.owners)
    state = target_state(prepare(report, redactor)) if results.target_state else []
    code = emit(
        report,
        outputs,
        console,
        secrets=results.secrets,
        names=results.names,
        owners=results.owners,
        trail=state,
    )
    recorded = {k: v for k, v in options.items() if k not in {"json", "sarif", "junit", "report"}}
    if check_logging is not None:
        recorded["check-logging"] = check_logging
    # A target that never answered was not tested: an empty run would only blur its history.
    gate = (
        record(
            report,
            store=store,
            api=api_name,
            options=recorded,
            secrets=results.secrets,
            fail_on_new=fail_on_new,
            console=console,
        )
        if results.reached
        else 0
    )
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    err.print(summary_line(results))
    if failure is not None:
        raise failure
    if interrupted:
        err.print("interrupted: the report is partial")
        raise typer.Exit(130)
    raise typer.Exit(DAMAGED if results.damaged else max(code, gate))


def _options(
    config_file: Path | None,
    given: dict[str, Any],
    stored: dict[str, Any],
    *,
    api: str | None = None,
) -> dict[str, Any]:
    """The stored API's options, the file's over them, the command line's over both."""
    options = {**stored, **(read_scan_config(config_file) if config_file else {})}
    options.update({name: value for name, value in given.items() if value is not None})
    for name in ("spec", "target"):
        if name in options:
            continue
        if api is not None and not stored:
            raise ConfigError(
                f"API {api!r} is not registered in the store: register it with "
                f"`apiward api add {api} --spec FILE --target URL`, or give --spec and --target"
            )
        raise ConfigError(f"--{name} is required (on the command line or in --config)")
    return options


def _config(options: dict[str, Any], values: list[str]) -> ScanConfig:
    target = str(options["target"])
    http_url(target, "--target")
    wanted = patterns(options.get("checks", []))
    known = builtin_checks().names()
    if unknown := [c for c in wanted if c not in known]:
        raise ConfigError(f"unknown check {unknown[0]!r} (known: {', '.join(known)})")
    identities = options.get("identities")
    given = read_identities_file(identities) if identities else None
    return ScanConfig(
        target=target,
        identities=given.identities if given else (),
        step_up=given.step_up if given else (),
        values={
            **(given.values if given else {}),
            **options.get("values", {}),
            **_values(values),
        },
        safe=options.get("safe", False),
        concurrency=options.get("concurrency", 8),
        rate=options.get("rate"),
        timeout=options.get("timeout", 10.0),
        max_answer=options.get("max-answer-bytes", MAX_ANSWER),
        checks=wanted,
        include=patterns(options.get("include", [])),
        exclude=patterns(options.get("exclude", [])),
    )


def _values(pairs: list[str]) -> dict[str, str]:
    """``--value NAME=VALUE`` options as a mapping (the last one of a name wins)."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--value must read NAME=VALUE, got {pair!r}")
        found[name.strip()] = text
    return found


async def run(scanning: Scan) -> Results:
    """Run ``scanning`` with a progress bar on stderr when it is a TTY; its results."""
    live = sys.stderr.isatty()
    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        disable=not live,
        transient=True,
    ) as bar:
        return await scanning.run(_Bar(bar))
