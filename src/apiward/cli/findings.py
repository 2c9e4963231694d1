"""``apiward findings``: findings followed across runs, and triage by fingerprint."""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiward.cli.recording import ReadStoreOption
from apiward.core.errors import ConfigError
from apiward.core.findings import Severity

if TYPE_CHECKING:
    from apiward.store.records import Tracked

app = typer.Typer(help="Findings across runs: list, show, triage.", no_args_is_help=True)

STATES = ("new", "open", "fixed", "regressed")
DECISIONS = ("false-positive", "accepted-risk", "cleared")
ApiFilter = Annotated[str | None, typer.Option("--api", metavar="NAME", help="Only this API.")]


@app.command("list")
def list_(
    api: ApiFilter = None,
    state: Annotated[
        list[str] | None,
        typer.Option("--state", help=f"Only these states ({', '.join(STATES)}); repeatable."),
    ] = None,
    severity: Annotated[
        Severity, typer.Option("--severity", case_sensitive=False, help="At least this severe.")
    ] = Severity.INFO,
    everything: Annotated[
        bool, typer.Option("--all", help="Fixed and triaged-away findings too.")
    ] = False,
    store: ReadStoreOption = None,
) -> None:
    """Findings not fixed and not triaged away, most severe first (--all: every one)."""
    from apiward.store import State, opened_store
    from apiward.store.tracked import list_tracked

    if unknown := [s for s in state or () if s not in STATES]:
        raise ConfigError(f"--state {unknown[0]!r} is not one of {', '.join(STATES)}")
    among = [State(s) for s in state] if state else [State(s) for s in STATES]
    if not state and not everything:
        among.remove(State.FIXED)
    today = datetime.now(UTC).date()
    with opened_store(store, create=False) as engine:
        found = list_tracked(
            engine, api=api, among=among, at_least=severity, triaged=everything, today=today
        )
    rows = [
        (f.fingerprint, f.api, f.state.value, f.severity.value, f.check, f.operation or "-",
         f.title, _triage_cell(f, today))
        for f in found
    ]  # fmt: skip
    console = Console(highlight=False)
    if not console.is_terminal:
        # Piped or redirected: one tab-separated line per finding, for cut, grep and awk;
        # the count goes to stderr so that stdout holds nothing else.
        Console(stderr=True, highlight=False).print(f"{len(found)} finding(s)")
        for row in rows:
            print("\t".join(" ".join(cell.split()) for cell in row))
        return
    console.print(_table(rows))


@app.command()
def show(
    fingerprint: Annotated[str, typer.Argument(help="The fingerprint (or 6+ first characters).")],
    api: ApiFilter = None,
    store: ReadStoreOption = None,
) -> None:
    """One finding: its state, its triage history, the runs that reported it, its evidence."""
    from apiward.store import opened_store
    from apiward.store.tracked import api_id_of, decisions, find, history

    with opened_store(store, create=False) as engine, engine.connect() as connection:
        finding = find(connection, fingerprint, api=api)
        api_id = api_id_of(connection, finding.api)
        seen = history(connection, api_id, finding.fingerprint)
        log = decisions(connection, api_id, finding.fingerprint)
    console = Console(highlight=False)
    console.print(f"[bold]{escape(finding.title)}[/]")
    for label, value in (
        ("fingerprint", finding.fingerprint),
        ("api", finding.api),
        ("state", f"{finding.state.value} (since run {finding.changed_run})"),
        ("severity", finding.severity.value),
        ("check", finding.check),
        ("where", finding.operation or "-"),
        ("runs", f"first {finding.first_run}, last seen {finding.last_seen_run}"),
    ):
        console.print(f"{label}: {escape(value)}")
    for decision in log:
        until = f" until {decision.expires.isoformat()}" if decision.expires else ""
        console.print(
            f"triage: {decision.decision.value}{until} by {escape(decision.by)} at "
            f"{decision.at.isoformat(timespec='seconds')}: {escape(decision.reason)}"
        )
    console.print("reported by runs: " + ", ".join(str(s.run) for s in seen))
    if seen:
        _evidence(console, seen[-1].body)


def _evidence(console: Console, body: dict[str, Any]) -> None:
    """The latest recording's detail, reproduction and exchanges (already redacted)."""
    if body.get("detail"):
        console.print(f"detail: {escape(body['detail'])}")
    if body.get("location"):
        where = body["location"]
        console.print(f"location: {escape(where['source'])}:{where.get('line') or ''}")
    if body.get("reproduction"):
        console.print(f"reproduce: {escape(body['reproduction'])}")
    for exchange in body.get("evidence", []):
        request, response = exchange["request"], exchange.get("response")
        status = response["status"] if response else "no response"
        note = f"  ({exchange['note']})" if exchange.get("note") else ""
        console.print(
            f"  {escape(request['method'])} {escape(request['url'])} -> {status}{escape(note)}"
        )


@app.command("triage")
def triage_(
    fingerprint: Annotated[str, typer.Argument(help="The fingerprint (or 6+ first characters).")],
    decision: Annotated[str, typer.Option("--as", help=f"The decision: {', '.join(DECISIONS)}.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required but for cleared).")] = "",
    expires: Annotated[
        str | None,
        typer.Option("--expires", metavar="YYYY-MM-DD", help="When an accepted risk lapses."),
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who decides (default: $USER).")] = None,
    api: ApiFilter = None,
    store: ReadStoreOption = None,
) -> None:
    """Mark a finding a false positive, or accept its risk until a date; kept across runs."""
    from apiward.store import Decision, opened_store
    from apiward.store.triage import decide

    if decision not in DECISIONS:
        raise ConfigError(f"--as {decision!r} is not one of {', '.join(DECISIONS)}")
    with opened_store(store, create=False) as engine:
        finding = decide(
            engine,
            fingerprint,
            Decision(decision),
            reason=reason,
            by=by or _who(),
            expires=_date(expires),
            api=api,
        )
    today = datetime.now(UTC).date()
    typer.echo(f"{finding.fingerprint} ({finding.api}): {_triage_cell(finding, today) or 'open'}")


_SHARE = {"title": 4, "where": 2}
"""How the width left by the unbroken columns is shared: the title first."""
COLUMNS = ("fingerprint", "api", "state", "severity", "check", "where", "title", "triage")


def _table(rows: Sequence[tuple[str, ...]]) -> Table:
    """The findings for a terminal: columns all rows leave empty or share are left out."""
    apis = {row[1] for row in rows}
    shown = [
        i
        for i, name in enumerate(COLUMNS)
        if not (name == "api" and len(apis) == 1) and not (name == "triage" and not any(
            row[i] for row in rows))
    ]  # fmt: skip
    title = f"{len(rows)} finding(s)" + (f" of API {next(iter(apis))}" if len(apis) == 1 else "")
    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD, expand=True)
    for i in shown:
        # A fingerprint is copied into `triage` and `show`: it never breaks across lines.
        whole = COLUMNS[i] in {"fingerprint", "state", "severity", "check"}
        table.add_column(COLUMNS[i], no_wrap=whole, overflow="fold",
                         ratio=None if whole else _SHARE.get(COLUMNS[i], 1))  # fmt: skip
    for row in rows:
        table.add_row(*(escape(row[i]) for i in shown))
    return table


def _triage_cell(finding: Tracked, today: date) -> str:
    if finding.triage is None:
        return ""
    decision = finding.triage
    if decision.expires is None:
        return decision.decision.value
    lapsed = "lapsed" if not decision.stands(today) else "until"
    return f"{decision.decision.value} ({lapsed} {decision.expires.isoformat()})"


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--expires {text!r} is not a date such as 2026-12-31") from None


def _who() -> str:
    try:
        return os.environ.get("APIWARD_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
