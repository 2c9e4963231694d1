"""``apiward guard``: run the gateway in front of any HTTP API, and check audit logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml

from apiward.core.errors import ConfigError
from apiward.core.urls import listen_address
from apiward.guard.audit import audit_key
from apiward.guard.auditverify import NotALogError, verify_log
from apiward.guard.policy import AuditPolicy, Policy
from apiward.guard.serve import check_tls, gateway_app, run, upstream_silent
from apiward.guard.serve import listen as bind
from apiward.guard.storage import check_redis_url

app = typer.Typer(
    help="Protect an HTTP API at runtime: a reverse proxy that enforces a policy and its contract.",
    invoke_without_command=True,
)


@app.callback()
def guard(
    ctx: typer.Context,
    policy: Annotated[Path | None, typer.Option("--policy", help="The policy YAML file.")] = None,
    spec: Annotated[
        str | None,
        typer.Option(
            "--spec", help="The API's contract (file or URL); default: the policy's 'contract'."
        ),
    ] = None,
    upstream: Annotated[
        str | None,
        typer.Option("--upstream", help="The API to protect, e.g. http://127.0.0.1:8000."),
    ] = None,
    listen: Annotated[
        str, typer.Option("--listen", help="Where the gateway listens, HOST:PORT.")
    ] = "127.0.0.1:8443",
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="Serve HTTPS with this certificate (PEM).")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="The certificate's private key (PEM).")
    ] = None,
) -> None:
    """Serve the guard as a gateway: apiward guard --policy P --upstream URL --listen HOST:PORT."""
    if ctx.invoked_subcommand is not None:
        return
    if policy is None or upstream is None:
        raise ConfigError(
            "apiward guard needs --policy and --upstream (or a subcommand: verify-log)"
        )
    if (tls_cert is None) != (tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together")
    host, port = listen_address(listen, "127.0.0.1:8443")
    if tls_cert is not None and tls_key is not None:
        check_tls(str(tls_cert), str(tls_key))
    app_ = gateway_app(Policy.load(policy), upstream=upstream, spec=spec)
    try:
        sock = bind(host, port)
    except ConfigError:
        app_.discard()  # it never served: a seal would log a run that never was
        raise
    # Sealed however it ends: a Ctrl-C as soon as the port listens lands before uvicorn
    # has its own handlers, anywhere in these lines.
    try:
        scheme = "https" if tls_cert else "http"
        typer.echo(f"apiward guard on {scheme}://{host}:{port} → {upstream}", err=True)
        if (silent := upstream_silent(upstream)) is not None:
            typer.echo(
                f"warning: the upstream {upstream} does not answer ({silent}): requests get "
                "502 gateway.upstream-unavailable until it does",
                err=True,
            )
        run(app_, sock, tls_cert=_str(tls_cert), tls_key=_str(tls_key))
    finally:
        app_.close()


def _str(path: Path | None) -> str | None:
    return str(path) if path is not None else None


@app.command("verify-log")
def verify(
    file: Annotated[Path, typer.Argument(help="A JSONL audit log written by the guard.")],
    key: Annotated[
        Path | None, typer.Option("--key", help="The file holding the log's HMAC key.")
    ] = None,
    key_env: Annotated[
        str | None, typer.Option("--key-env", help="An environment variable holding the key.")
    ] = None,
    anchor: Annotated[
        str | None,
        typer.Option("--anchor", help="Where checkpoints were copied: redis:// or rediss://."),
    ] = None,
    anchor_name: Annotated[
        str | None,
        typer.Option("--anchor-name", help="The log's name there (default: the file's name)."),
    ] = None,
) -> None:
    """Check an audit log: exit 0 intact and sealed, 1 tampered (named), 3 intact but unsealed."""
    if file.is_dir():
        raise ConfigError("is a directory, not an audit log", source=str(file))
    if not file.is_file():
        raise ConfigError("no such audit log", source=str(file))
    if anchor is not None:
        check_redis_url(anchor, pointer=None, what="--anchor")
    secret = audit_key(AuditPolicy(key_file=str(key) if key else None, key_env=key_env))
    try:
        verdict = verify_log(file, key=secret, anchor=anchor, name=anchor_name)
    except NotALogError as error:
        raise ConfigError(str(error), source=str(file), line=error.line) from None
    if not verdict.intact:
        typer.echo(f"{file}:{verdict.broken_line}: {verdict.tamper}: {verdict.why}")
        raise typer.Exit(1)
    counts = f"{_count(verdict.events, 'event')}, {_count(verdict.checkpoints, 'checkpoint')}"
    if anchor:
        counts += f", {verdict.anchored} anchored"
    trust = "keyed" if secret else "unkeyed: a rewritten chain with recomputed hashes would pass"
    if not verdict.sealed:
        typer.echo(
            f"{file}: intact so far ({counts}; {trust}) but not sealed: its tail may have"
            " been cut, or the guard has not shut down cleanly (still running, or killed)"
        )
        raise typer.Exit(3)
    typer.echo(f"{file}: intact and sealed, {counts} ({trust})")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@app.command("hash-key")
def hash_key(
    name: Annotated[str, typer.Option("--name", help="The key's name (its principal).")] = "client",
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Hash a key read from standard input instead.")
    ] = False,
) -> None:
    """Make a new API key (or hash one from stdin) and print its policy entry (SHA-256 only)."""
    from apiward.guard.authn.apikey import MIN_KEY_LENGTH, digest, new_key

    if not name.isprintable() or not name.strip():
        raise ConfigError(f"--name {name!r}: a key's name is one line of printable text")
    key = typer.get_text_stream("stdin").read().strip() if stdin else new_key()
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigError(f"an API key needs at least {MIN_KEY_LENGTH} characters of randomness")
    if not stdin:
        typer.echo(f"key (shown once; give it to the client, store it nowhere else): {key}")
    typer.echo("policy entry (authentication.schemes.<apiKey scheme>.api_keys):")
    typer.echo(f"  - {{name: {_yaml_scalar(name)}, sha256: {digest(key)}}}")


def _yaml_scalar(text: str) -> str:
    """``text`` as it can stand in a YAML flow mapping: plain when it reads back as itself
    (not ``true``, ``123``, ``a: b``...), else JSON-quoted (JSON strings are YAML too)."""
    try:
        plain = yaml.safe_load(f"{{name: {text}}}") == {"name": text}
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)
