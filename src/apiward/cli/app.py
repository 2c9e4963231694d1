"""The ``apiward`` command: the root Typer app, its verbs, and how errors end."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from apiward import __version__
from apiward.cli import audit, demo, spec
from apiward.cli import guard as guard_cli
from apiward.cli.inventory import inventory
from apiward.cli.scan import scan
from apiward.core.errors import ApiwardError

app = typer.Typer(
    name="apiward",
    help="API security on both sides of the wire: guard, scan, audit and inventory HTTP APIs.",
    no_args_is_help=True,
    # Locals can hold tokens and passwords; never print them in a traceback.
    pretty_exceptions_show_locals=False,
    add_completion=False,
)

# Each verb is one module; registering it here is the only other change it needs.
app.add_typer(audit.app, name="audit")
app.add_typer(demo.app, name="demo")
app.add_typer(guard_cli.app, name="guard")
app.add_typer(spec.app, name="spec")
app.command("inventory")(inventory)
app.command("scan")(scan)


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


def fail(error: ApiwardError) -> None:
    """End the command with one line saying what is wrong and where, and exit code 2."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]error:[/] {escape(str(error))}")
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; input errors end in one line on stderr and exit code 2."""
    try:
        app(args=argv)
    except ApiwardError as error:
        fail(error)
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted")
        sys.exit(130)
