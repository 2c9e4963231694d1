"""Recording a verb's run in a store: the ``--store``/``--api`` options and the one call.

Every verb that judges an API (``scan``, ``audit contract|code|deps``, ``inventory``)
takes these options and, once its report is emitted, calls :func:`record`. A run is
recorded when ``--store`` (or ``APIWARD_STORE``), ``--api`` or ``--fail-on-new`` is
given, in the default store when no other is named; with none of them, nothing is. The store package is
imported here, inside the calls: SQLAlchemy is not paid for by ``apiward --version``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from apiward.core.errors import ConfigError, StorageError
from apiward.core.findings import Severity
from apiward.report import Report

_PANEL = "Store"

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="APIWARD_STORE",
        metavar="URL",
        help="Record the run here: a file path, sqlite:///PATH or postgresql://...",
        rich_help_panel=_PANEL,
    ),
]
ReadStoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="APIWARD_STORE",
        metavar="URL",
        help="Read from this store (it must exist): a file path, sqlite:///PATH or "
        "postgresql://...",
        rich_help_panel=_PANEL,
    ),
]
"""``--store`` of a verb that only reads: a store that is not there is refused, not created."""
MAX_RUN_ID = 2**63 - 1
"""The largest id a store can hold (a 64-bit integer); a larger one is a usage error."""


def run_id(help: str) -> Any:
    """A run id argument: 1 to :data:`MAX_RUN_ID`, checked before the store is asked."""
    return typer.Argument(help=help, min=1, max=MAX_RUN_ID)


ApiOption = Annotated[
    str | None,
    typer.Option(
        "--api",
        metavar="NAME",
        help="The API the run belongs to (registered on first use; default: by target).",
        rich_help_panel=_PANEL,
    ),
]
FailOnNewOption = Annotated[
    Severity | None,
    typer.Option(
        "--fail-on-new",
        case_sensitive=False,
        help="Exit 1 on a finding this severe or worse that the API's last complete run "
        "did not report and nobody triaged away (needs a store).",
        rich_help_panel=_PANEL,
    ),
]


def record(
    report: Report,
    *,
    store: str | None,
    api: str | None,
    options: Mapping[str, Any],
    secrets: Iterable[str] = (),
    fail_on_new: Severity | None = None,
    console: Console,
) -> int:
    """Record ``report`` if a store or an API is named; 1 when ``fail_on_new`` finds new ones."""
    if store is None and api is None and fail_on_new is None:
        return 0
    from apiward.store import opened_store, record_run
    from apiward.store.gate import new_findings
    from apiward.store.schema import where

    with opened_store(store) as engine:
        identities = options.get("identities")
        recorded = record_run(
            engine,
            report,
            api=api,
            options=options,
            secrets=secrets,
            identities=str(Path(identities).resolve()) if identities else None,
        )
        run = recorded.run
        counts = [(str(state), n) for state, n in sorted(recorded.entered.items())]
        counts.append(("not tested", recorded.untested))
        moved = ", ".join(f"{n} {what}" for what, n in counts if n)
        console.print(
            f"[dim]recorded as run {run.id} of API[/] {escape(run.api)} [dim]in[/] "
            f"{escape(where(engine))}" + (f" [dim]({escape(moved)})[/]" if moved else "")
        )
        if fail_on_new is None:
            return 0
        with engine.connect() as connection:
            new = new_findings(connection, run, fail_on_new, today=datetime.now(UTC).date())
        for finding in new:
            console.print(
                f"new {finding.severity.value}: {escape(finding.title)} "
                f"[dim]({finding.fingerprint}, {finding.state.value})[/]"
            )
        verdict = f"{len(new)} new finding(s) at {fail_on_new.value} or worse"
        console.print(f"--fail-on-new {fail_on_new.value}: {verdict}")
        return 1 if new else 0


def api_defaults(store: str | None, api: str | None) -> dict[str, Any]:
    """The stored API's spec, target, identities and scan options (empty without ``--api``)."""
    if api is None:
        return {}
    from apiward.scan.config_file import with_config
    from apiward.store import opened_store
    from apiward.store.apis import get_api
    from apiward.store.schema import must_exist

    try:
        must_exist(store)
    except StorageError:
        return {}  # no store yet, so no such API: recording the run will create both
    with opened_store(store) as engine, engine.connect() as connection:
        try:
            found = get_api(connection, api)
        except ConfigError:
            return {}
    values = {"spec": found.spec, "target": found.target, "identities": found.identities}
    kept = {
        name: Path(value) if name == "identities" else value
        for name, value in values.items()
        if value is not None
    }
    return {**with_config(found.options), **kept}
