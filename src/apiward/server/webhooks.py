"""Webhooks kept in the store by the dashboard's admins; ``apiward worker`` calls them too.

A worker reads them when it starts (beside its ``--webhook`` options) and signs every
message with ``APIWARD_WEBHOOK_SECRET`` (``apiward.queue.notify``): the secret never
enters the store. A webhook's URL is a credential (whoever has a Slack URL may post to
the channel), so the dashboard only ever shows it masked: scheme and host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, delete, inspect, select

from apiward.core.errors import ConfigError
from apiward.core.urls import http_url
from apiward.server.tables import webhooks

MAX_URL = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class Webhook:
    """A webhook as the dashboard shows it: masked."""

    id: int
    shown: str
    by: str
    created: datetime


def masked(url: str) -> str:
    """``https://hooks.slack.com/…``: the scheme and host; the path and query are the secret."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # kept before webhooks were checked as they are now
        return "?"
    return f"{parts.scheme}://{host or '?'}/…"


def add_webhook(engine: Engine, url: str, *, by: str) -> Webhook:
    """Keep a new webhook; it must be an http(s) URL with a host."""
    url = url.strip()
    try:
        http_url(url, "a webhook")
        fits = len(url) <= MAX_URL
    except ConfigError:
        fits = False
    if not fits:
        raise ConfigError(
            "a webhook is an http(s) URL with a host and a port in 1-65535 (at most 2000 characters)"
        )
    now = datetime.now(UTC)
    with engine.begin() as connection:
        made = connection.execute(
            webhooks.insert().values(url=url, by=by, created=now)
        ).inserted_primary_key
    if made is None:
        raise RuntimeError("the database gave no id for the new webhook")
    return Webhook(id=int(made[0]), shown=masked(url), by=by, created=now)


def list_webhooks(connection: Connection) -> list[Webhook]:
    """Every webhook, oldest first, masked."""
    rows = connection.execute(select(webhooks).order_by(webhooks.c.id)).mappings()
    return [
        Webhook(id=row["id"], shown=masked(row["url"]), by=row["by"], created=row["created"])
        for row in rows
    ]


def remove_webhook(engine: Engine, webhook_id: int) -> bool:
    """Forget a webhook; False when there was none with that id."""
    with engine.begin() as connection:
        gone = connection.execute(delete(webhooks).where(webhooks.c.id == webhook_id)).rowcount
    return bool(gone)


def stored_urls(engine: Engine) -> tuple[str, ...]:
    """The webhooks' URLs, for a worker; none when the dashboard never ran on this store."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(webhooks.name):
            return ()
        rows = connection.execute(select(webhooks.c.url).order_by(webhooks.c.id)).scalars()
        return tuple(rows.all())
