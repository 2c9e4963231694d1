"""``apiward server``: the dashboard (pages and JSON API) over a store, and its users."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from apiward.cli.worker import QueueOption
from apiward.core.errors import ConfigError

HELP = "The dashboard: findings, runs and triage in a browser, and a JSON API."

app = typer.Typer(help=HELP, invoke_without_command=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="APIWARD_STORE",
        metavar="URL",
        help="The store to serve: a file path, sqlite:///PATH or postgresql://...",
    ),
]


@app.callback()
def serve(
    ctx: typer.Context,
    store: StoreOption = None,
    listen: Annotated[
        str, typer.Option("--listen", metavar="HOST:PORT", help="Where to serve.")
    ] = "127.0.0.1:8080",
    queue: QueueOption = None,
    guard_audit: Annotated[
        str | None,
        typer.Option(
            "--guard-audit",
            metavar="SINK",
            help="Where the guard in front of /api writes its audit log (default stdout).",
        ),
    ] = None,
) -> None:
    """The dashboard: findings, runs and triage in a browser, and a JSON API.

    Serves until interrupted. Create the first admin with `apiward server create-user`.
    Put it behind a TLS proxy before serving beyond this machine: cookies are marked
    Secure when the proxy (from 127.0.0.1) says the request came over https.
    """
    if ctx.invoked_subcommand is not None:
        return
    host, port = parse_listen(listen)
    import uvicorn
    from sqlalchemy import func, select

    from apiward.server.app import create_app
    from apiward.server.schema import open_dashboard_store
    from apiward.server.tables import users

    queued = _queue(queue, store)
    engine = open_dashboard_store(store)
    with engine.connect() as connection:
        if not connection.execute(select(func.count()).select_from(users)).scalar():
            typer.echo(
                "no user yet: create the first admin with "
                "`apiward server create-user NAME --role admin`",
                err=True,
            )
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"apiward dashboard on http://{shown}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(
        create_app(engine, guard_audit=guard_audit, queue=queued),
        host=host,
        port=port,
        log_level="warning",
    )


def _queue(queue: str | None, store: str | None) -> str | None:
    """The queue's URL: ``--queue``, else the store when it is PostgreSQL, else none."""
    from apiward.queue.connection import queue_url

    try:
        return queue_url(queue, store)
    except ConfigError:
        if queue is not None:
            raise
        typer.echo(
            "no job queue (the store is not PostgreSQL and no --queue): "
            "the dashboard's scan and retest buttons answer 409",
            err=True,
        )
        return None


@app.command("create-user")
def create_user(
    name: Annotated[str, typer.Argument(help="The user's name (what they sign in with).")],
    role: Annotated[
        str, typer.Option("--role", help="viewer (reads), triager (also triages), admin.")
    ] = "viewer",
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from stdin, not a prompt."),
    ] = False,
    store: StoreOption = None,
) -> None:
    """Add a dashboard user (argon2id-hashed password, asked for twice unless --password-stdin)."""
    from apiward.server.schema import open_dashboard_store
    from apiward.server.users import Role
    from apiward.server.users import create_user as add

    try:
        chosen = Role(role)
    except ValueError:
        raise ConfigError(f"--role {role!r}: one of viewer, triager, admin") from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    engine = open_dashboard_store(store)
    try:
        user = add(engine, name, password, chosen)
    finally:
        engine.dispose()
    typer.echo(f"user {user.name} ({user.role.value}) created")


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 as ``[::1]:8080``) as a host and a port."""
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8080")
    return host, int(port)
