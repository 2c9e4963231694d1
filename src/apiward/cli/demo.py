"""``apiward demo``: the bundled, deliberately vulnerable bank API, and the tour of apiward on it."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiward.cli import interrupt
from apiward.cli.demo_history import gone_line, next_steps, program, register
from apiward.cli.outputs import Outputs
from apiward.cli.recording import StoreOption, record
from apiward.cli.scan import run
from apiward.cli.spec import summary
from apiward.core.errors import ConfigError
from apiward.core.findings import Finding, Severity
from apiward.core.redact import Redactor
from apiward.demo import IDENTITIES, PlantedFlaw, load_ground_truth, missed, running
from apiward.demo.guard_hooks import DB_ENV
from apiward.demo.guarded import GUARD_CONTRACT, GUARD_POLICY, guarded_app, serve_guarded_forever
from apiward.demo.server import HOST, bind, serve_forever
from apiward.report import Report, write
from apiward.report.scan_results import scan_report, summary_line
from apiward.report.terminal import summary_table
from apiward.scan import Results, Scan, ScanConfig, load_identities
from apiward.scan.checks import builtin_checks
from apiward.spec import load

app = typer.Typer(help="The bundled demo bank API, vulnerable on purpose.", no_args_is_help=True)


@app.command()
def serve(
    fixed: bool = typer.Option(False, "--fixed", help="Serve the twin with every flaw fixed."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port on 127.0.0.1."),
    guarded: bool = typer.Option(
        False, "--guarded", help="Put the guard in front (policy apiward/demo/guard.yaml)."
    ),
) -> None:
    """Serve the demo bank on 127.0.0.1 until Ctrl-C."""
    if fixed and guarded:
        raise ConfigError("--guarded protects the vulnerable bank; drop --fixed")
    url = f"http://{HOST}:{port}"
    sock = bind(port)  # before any banner: a port in use is one line and exit 2
    if guarded:
        # Standard output carries the audit events only, so verify-log can read the stream.
        bank = guarded_app()
        database = bank.state.bank.data_dir / "bank.sqlite3"
        for line in (
            f"apiward bank (vulnerable) on {url}",
            f"guarded as middleware by {GUARD_POLICY}; audit events on stdout",
            # /openapi.json is not an operation of the contract, so the guard refuses it (404).
            f"OpenAPI: {GUARD_CONTRACT}",
            f"database: {database} (for the gateway form: {DB_ENV}={database})",
        ):
            typer.echo(line, err=True)
        serve_guarded_forever(sock, app=bank)
        return
    typer.echo(f"apiward bank ({'fixed' if fixed else 'vulnerable'}) on {url}")
    typer.echo(f"OpenAPI: {url}/openapi.json")
    if not fixed:
        typer.echo("warning: this API is vulnerable on purpose; keep it on 127.0.0.1.")
    serve_forever(sock, fixed=fixed)


@app.command("run")
def run_demo(
    report: Annotated[
        Path, typer.Option("--report", help="Where to write the HTML report.")
    ] = Path("demo-report.html"),
    store: StoreOption = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not record the two scans in the store.")
    ] = False,
) -> None:
    """Scan the vulnerable bank, write its HTML report, then scan the fixed twin and compare.

    Both scans are recorded in the store (the default one unless --store or APIWARD_STORE
    names another) as two runs of a new API (``demo-bank``, then ``demo-bank-2``...): the
    fixed twin is its next release (``apiward.cli.demo_history``).
    """
    Outputs(html=report).check()
    # The scan's malformed probes make the bank log each 500 it answers; the report has them.
    logging.getLogger("apiward.demo").setLevel(logging.ERROR)
    console = Console(highlight=False)
    flaws = load_ground_truth()
    console.print(planted_summary(flaws))
    vulnerable, vulnerable_results = _scan_bank(console, fixed=False)
    write(vulnerable, report, "html", Redactor(vulnerable_results.secrets))
    console.print(summary_table(vulnerable))
    console.print(escape(summary_line(vulnerable_results)))
    console.print(recall_line(vulnerable.findings, flaws))
    console.print(f"HTML report: {report}")
    fixed, fixed_results = _scan_bank(console, fixed=True)
    console.print(escape(summary_line(fixed_results)))
    console.print(difference(vulnerable.findings, fixed.findings))
    console.print(gone_line(vulnerable, fixed))
    if not no_store:
        # The fixed twin is recorded as the bank's next release: the store shows what it fixed.
        name = register(store, Path(str(IDENTITIES)))
        for scanned, results in ((vulnerable, vulnerable_results), (fixed, fixed_results)):
            options = {"aggressive": True, "identities": str(IDENTITIES)}
            record(
                scanned,
                store=store,
                api=name,
                options=options,
                secrets=results.secrets,
                console=console,
            )
        # Commands to copy: never cut at the terminal width.
        console.print(escape(next_steps(store, name)), soft_wrap=True)
        console.print(escape(dashboard_hint(store)), soft_wrap=True)
    if not (vulnerable_results.complete and fixed_results.complete):
        raise typer.Exit(2)


DEMO_USER = "demo"


def dashboard_hint(store: str | None) -> str:
    """Give the demo's dashboard user a new password; how to open the dashboard with it.

    The password is random and shown only here (the store keeps its argon2id hash), so
    each run prints a fresh one rather than reusing one written into the code.
    """
    import secrets
    import shlex

    from apiward.server.schema import opened_dashboard_store
    from apiward.server.users import Role, set_user

    password = secrets.token_urlsafe(12)
    with opened_dashboard_store(store) as engine:
        set_user(engine, DEMO_USER, password, Role.TRIAGER)
    where = f" --store {shlex.quote(store)}" if store else ""
    me = program()
    return (
        f"Dashboard on these runs: {me} server{where}\n"
        f"  then open http://127.0.0.1:8080/ and sign in as {DEMO_USER} with the password "
        f"{password} (a triager; a new password each demo run)\n"
        f"  Settings and adding APIs need an admin: {me} server create-user NAME --role admin"
        f"{where}"
    )


def _scan_bank(console: Console, *, fixed: bool) -> tuple[Report, Results]:
    name = "fixed twin" if fixed else "vulnerable bank"
    started = datetime.now(UTC)
    with running(fixed=fixed) as url:
        # The contract comes over HTTP like any user's would; loopback needs the explicit flag.
        api = load(f"{url}/openapi.json", allow_private=True)
        console.print(f"\n[bold]Scanning the {name}[/] at {url}: {escape(summary(api))}")
        # The bank is fresh for this run and thrown away after it: every probe may go out.
        config = ScanConfig(
            target=url, identities=load_identities(str(IDENTITIES)), aggressive=True
        )
        results = interrupt.run(run(Scan(api, config, builtin_checks())))
        return scan_report(url, started, results, contract=f"{url}/openapi.json"), results


def recall_line(findings: tuple[Finding, ...], flaws: tuple[PlantedFlaw, ...]) -> str:
    """How many planted flaws the scan found, naming the ones it missed."""
    lost = missed(findings, flaws)
    line = f"found {len(flaws) - len(lost)} of {len(flaws)} planted vulnerabilities"
    return line + (f"; missed: {', '.join(f.id for f in lost)}" if lost else "")


def difference(vulnerable: tuple[Finding, ...], fixed: tuple[Finding, ...]) -> Table:
    """Findings per severity on each bank: what the fixes removed, and what stays."""
    before = Counter(f.severity for f in vulnerable)
    after = Counter(f.severity for f in fixed)
    table = Table(title="Vulnerable bank vs fixed twin", title_justify="left")
    for column in ("severity", "vulnerable", "fixed"):
        table.add_column(column, justify="left" if column == "severity" else "right")
    for severity in sorted(Severity, reverse=True):
        table.add_row(severity.value, str(before[severity]), str(after[severity]))
    return table


def _order(category: str) -> tuple[int, str]:
    """API1 < API2 < ... < API10 < injection."""
    number = category.removeprefix("API")
    return (int(number), "") if number.isdigit() else (99, category)


def planted_summary(flaws: tuple[PlantedFlaw, ...]) -> str:
    """One line: how many flaws are planted in each category."""
    counts = Counter(flaw.owasp for flaw in flaws)
    by_category = ", ".join(
        f"{category} {counts[category]}" for category in sorted(counts, key=_order)
    )
    return f"apiward bank: {len(flaws)} planted vulnerabilities ({by_category})"
