"""``apiward spec``: look at a contract the way apiward understands it."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from apiward.spec import Api, Operation, load

app = typer.Typer(help="Inspect an OpenAPI or Swagger contract.", no_args_is_help=True)


@app.command()
def show(
    spec: str = typer.Argument(..., help="A spec file, a folder of spec files, or an http(s) URL."),
    allow_private: bool = typer.Option(
        False, "--allow-private", help="Allow fetching from private, loopback or link-local hosts."
    ),
) -> None:
    """List the operations of a contract with their security, and a summary."""
    api = load(spec, allow_private=allow_private)
    console = Console(highlight=False)
    console.print(operations_table(api))
    console.print(summary(api))
    for warning in api.warnings:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[yellow]warning:[/] {escape(warning)}"
        )


def operations_table(api: Api) -> Table:
    """The operations of ``api`` as a rich table."""
    table = Table(title=escape(f"{api.title} {api.version}".strip()), title_justify="left")
    for column in ("method", "path", "operationId", "security", "tags"):
        table.add_column(column, overflow="fold")
    for op in api.operations:
        method = f"{op.method} [dim](deprecated)[/]" if op.deprecated else op.method
        table.add_row(
            method,
            escape(op.path),
            escape(op.operation_id or ""),
            escape(security_label(op)),
            escape(", ".join(op.tags)),
        )
    return table


def security_label(op: Operation) -> str:
    """``public``, ``none declared``, ``optional: a``, or alternatives (``oauth(read) | key``)."""
    if not op.security_declared:
        return "none declared"
    if op.is_public:
        return "public"
    alternatives = [
        " + ".join(
            f"{name}({', '.join(scopes)})" if scopes else name for name, scopes in alt.items()
        )
        for alt in op.security
        if alt
    ]
    label = " | ".join(alternatives)
    return f"optional: {label}" if op.auth_optional else label


def summary(api: Api) -> str:
    """One line: operations, schemes and their types, spec version, title and version."""
    schemes = ", ".join(
        f"{name} ({scheme.type}{'/' + scheme.scheme if scheme.scheme else ''})"
        for name, scheme in sorted(api.security_schemes.items())
    )
    count = len(api.operations)
    return escape(
        f"{count} operation{'s' if count != 1 else ''}; "
        f"security schemes: {schemes or 'none'}; "
        f"{'Swagger' if api.spec_version == '2.0' else 'OpenAPI'} {api.spec_version}; "
        f"{api.title} {api.version}".rstrip()
    )
