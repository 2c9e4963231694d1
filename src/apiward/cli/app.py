"""The ``apiward`` command: the root Typer app, its verbs, and how errors end."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from apiward import __version__
from apiward.cli.lazy import Verb, lazy_group
from apiward.core.errors import ApiwardError

# Each verb is one module, imported when it runs; registering it here is the only other
# change it needs. The help is the verb's own first line (tests/cli/test_startup.py).
VERBS = {
    "audit": Verb(
        "apiward.cli.audit:app", "Review an API before deploy: its contract, code and dependencies."
    ),
    "demo": Verb("apiward.cli.demo:app", "The bundled demo bank API, vulnerable on purpose."),
    "guard": Verb(
        "apiward.cli.guard:app",
        "Protect an HTTP API at runtime: a reverse proxy that enforces a policy and its contract.",
    ),
    "spec": Verb("apiward.cli.spec:app", "Inspect an OpenAPI or Swagger contract."),
    "inventory": Verb(
        "apiward.cli.inventory:inventory",
        "List the endpoints really in use, diff them against the contract, map sensitive data.",
    ),
    "scan": Verb(
        "apiward.cli.scan:scan",
        "Attack a running API from its contract and identities; report what got through.",
    ),
    "api": Verb("apiward.cli.api:app", "The APIs in the store: add, list, show, endpoints."),
    "findings": Verb("apiward.cli.findings:app", "Findings across runs: list, show, triage."),
    "diff": Verb(
        "apiward.cli.diff:diff",
        "Findings that appeared, disappeared (fixed or not tested) and changed between two runs.",
    ),
    "retest": Verb(
        "apiward.cli.retest:retest",
        "Re-run one finding's check with its API's identities, and update its state.",
    ),
    "worker": Verb(
        "apiward.cli.worker:worker",
        "Run scans from the job queue: any number of workers, on any machines, share one queue.",
    ),
    "scheduler": Verb(
        "apiward.cli.scheduler:scheduler",
        "Enqueue runs as the APIs' schedules fall due; several schedulers enqueue each once.",
    ),
    "ingest": Verb(
        "apiward.cli.ingest:ingest",
        "Record a guard's audit events against their API: refusals, rules, clients, endpoints.",
    ),
    "logging-check": Verb(
        "apiward.cli.logging_check:logging_check",
        "Cross-check a scan's attacks with its guard's ingested log: blocked, logged or missing.",
    ),
    "store": Verb("apiward.cli.store:app", "The store: where runs, findings and triage are kept."),
    "server": Verb(
        "apiward.cli.server:app",
        "The dashboard: findings, runs and triage in a browser, and a JSON API.",
    ),
}

INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells report it."""

app = typer.Typer(
    cls=lazy_group(VERBS),
    name="apiward",
    help="API security on both sides of the wire: guard, scan, audit and inventory HTTP APIs.",
    no_args_is_help=True,
    # Locals can hold tokens and passwords; never print them in a traceback.
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"apiward {__version__}")
        raise typer.Exit


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """API security on both sides of the wire: guard, scan, audit and inventory HTTP APIs."""


def fail(error: ApiwardError | str) -> NoReturn:
    """End the command with one line saying what is wrong and where, and exit code 2."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]error:[/] {escape(str(error))}")
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; input errors, usage errors included, end in one line on stderr and exit 2."""
    try:
        # standalone_mode=False: usage errors come here instead of typer's boxed panel.
        code = app(args=argv, standalone_mode=False)
    except ApiwardError as error:
        fail(error)
    except typer.TyperException as error:
        fail(_usage(error))
    except typer.Abort:
        sys.exit(1)
    except KeyboardInterrupt:
        code = 130
    if code == INTERRUPTED:
        _exit_now(code)
    sys.exit(code if isinstance(code, int) else 0)


def _usage(error: typer.TyperException) -> str:
    """A usage error as one line: the command, what is wrong, where to read more."""
    if type(error).__name__ == "NoArgsIsHelpError":  # its help is printed already
        sys.exit(2)
    ctx = getattr(error, "ctx", None)
    message = error.format_message().replace("\n", " ").strip()
    if ctx is None:
        return message
    return f"{ctx.command_path}: {message} (see {ctx.command_path} --help)"


def _exit_now(code: int) -> NoReturn:
    """End at once after Ctrl-C: reports are written; freeing a big scan's memory takes seconds."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
