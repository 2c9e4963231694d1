"""``apiward server``: the dashboard (pages and JSON API) over a store, and its users."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from apiward.cli.worker import QueueOption
from apiward.core.errors import ConfigError
from apiward.core.urls import listen_address

HELP = "The dashboard: findings, runs and triage in a browser, and a JSON API."

app = typer.Typer(help=HELP, invoke_without_command=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="APIWARD_STORE",
        metavar="URL",
        help="The store to serve (it must exist; create-user creates it): a file path, "
        "sqlite:///PATH or postgresql://...",
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
    host, port = listen_address(listen, "127.0.0.1:8080")
    import uvicorn
    from sqlalchemy import func, select

    from apiward.guard.serve import listen as listen_on
    from apiward.server.app import create_app
    from apiward.server.schema import open_dashboard_store
    from apiward.server.tables import users
    from apiward.store.schema import must_exist

    must_exist(store)  # serving an empty store at a mistyped path helps nobody
    queued = _queue(queue, store)
    engine = open_dashboard_store(store)
    with engine.connect() as connection:
        if not connection.execute(select(func.count()).select_from(users)).scalar():
            typer.echo(
                "no user yet: create the first admin with "
                "`apiward server create-user NAME --role admin`",
                err=True,
            )
    # Bound before announcing: a port in use is one line and exit 2, not uvicorn's exit 3.
    sock = listen_on(host, port)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"apiward dashboard on http://{shown}:{port}/ (Ctrl-C stops it)", err=True)
    config = uvicorn.Config(
        create_app(engine, guard_audit=guard_audit, queue=queued),
        host=host,
        port=port,
        log_level="warning",
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def _queue(queue: str | None, store: str | None) -> str | None:
    """The queue's URL: ``--queue``, else the store when it is PostgreSQL, else none."""
    from apiward.queue.connection import check_queue, queue_url

    try:
        url = queue_url(queue, store)
    except ConfigError:
        if queue is not None:
            raise
        typer.echo(
            "no job queue (the store is not PostgreSQL and no --queue): "
            "the dashboard's scan and retest buttons answer 409",
            err=True,
        )
        return None
    check_queue(url)
    return url


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
    from apiward.server.schema import opened_dashboard_store
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
    with opened_dashboard_store(store) as engine:
        user = add(engine, name, password, chosen)
    typer.echo(f"user {user.name} ({user.role.value}) created")


@app.command("create-token")
def create_token(
    user: Annotated[str, typer.Argument(help="Whose token: it acts with their role.")],
    name: Annotated[
        str, typer.Option("--name", help="What uses it (ci-nightly); shown in the lists.")
    ],
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            metavar="DATE",
            help="When it stops working: YYYY-MM-DD (00:00 UTC) or an ISO 8601 time.",
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Make an API token for a user and print it (this once): `Authorization: Bearer ...`."""
    from apiward.server.schema import opened_dashboard_store
    from apiward.server.tokens import create_token as make

    until = parse_expiry(expires) if expires is not None else None
    with opened_dashboard_store(store) as engine:
        secret, token = make(engine, user, name, expires=until)
    ending = f"expires {token.expires.isoformat()}" if token.expires else "never expires"
    typer.echo(f"token {token.name!r} for {token.owner} made ({ending}); shown once:", err=True)
    typer.echo(secret)


def parse_expiry(text: str) -> datetime:
    """``--expires``: a date (its start, UTC) or an ISO 8601 time (UTC unless it says)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--expires {text!r}: expected YYYY-MM-DD or an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
