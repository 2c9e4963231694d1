"""``apiward demo``: the bundled, deliberately vulnerable bank API."""

from __future__ import annotations

import typer

from apiward.demo.server import HOST, serve_forever

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
