"""``apiward demo``: the bundled, deliberately vulnerable bank API."""

from __future__ import annotations

from collections import Counter

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiward.cli.spec import operations_table, summary
from apiward.demo import PlantedFlaw, load_ground_truth, running
from apiward.demo.server import HOST, serve_forever
from apiward.spec import load

app = typer.Typer(help="The bundled demo bank API, vulnerable on purpose.", no_args_is_help=True)


@app.command()
def serve(
    fixed: bool = typer.Option(False, "--fixed", help="Serve the twin with every flaw fixed."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port on 127.0.0.1."),
) -> None:
    """Serve the demo bank on 127.0.0.1 until Ctrl-C."""
    url = f"http://{HOST}:{port}"
    typer.echo(f"apiward bank ({'fixed' if fixed else 'vulnerable'}) on {url}")
    typer.echo(f"OpenAPI: {url}/openapi.json")
    if not fixed:
        typer.echo("warning: this API is vulnerable on purpose; keep it on 127.0.0.1.")
    serve_forever(fixed=fixed, port=port)


@app.command()
def run() -> None:
    """Serve the vulnerable bank briefly, read its contract over HTTP and show what is planted."""
    console = Console(highlight=False)
    with running() as url:
        console.print(f"apiward bank (vulnerable on purpose) serving on {url}")
        # The contract comes over HTTP like any user's would; loopback needs the explicit flag.
        api = load(f"{url}/openapi.json", allow_private=True)
    console.print(operations_table(api))
    console.print(summary(api))
    flaws = load_ground_truth()
    console.print(planted_table(flaws))
    console.print(planted_summary(flaws))


def planted_table(flaws: tuple[PlantedFlaw, ...]) -> Table:
    """The planted flaws, one row each, in ground-truth order."""
    table = Table(title="Planted vulnerabilities (ground truth)", title_justify="left")
    for column in ("category", "id", "operation", "parameter"):
        table.add_column(column, overflow="fold")
    for flaw in flaws:
        where = f"{flaw.parameter.name} ({flaw.parameter.location})" if flaw.parameter else ""
        table.add_row(flaw.owasp, flaw.id, escape(flaw.operation), escape(where))
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
    return f"{len(flaws)} planted vulnerabilities: {by_category}"
