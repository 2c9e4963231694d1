"""The dashboard's tables: users, sessions, API tokens and webhooks, beside the store's.

They belong to the dashboard's own Alembic lineage (``apiward.server.schema``), with its
own version table, so the store's migrations and the dashboard's never share a revision.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

from apiward.store.tables import Moment

SCHEMA = "s0003"
"""The dashboard's Alembic revision of the tables below."""

metadata = MetaData()

users = Table(
    "dashboard_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password", String(200), nullable=False),
    Column("created", Moment(), nullable=False),
)

sessions = Table(
    "dashboard_sessions",
    metadata,
    # The SHA-256 of the cookie's token: a copy of the table logs nobody in.
    Column("id", String(64), primary_key=True),
    Column(
        "user_id", Integer, ForeignKey("dashboard_users.id", ondelete="CASCADE"), nullable=False
    ),
    Column("csrf", String(64), nullable=False),
    Column("created", Moment(), nullable=False),
    Column("expires", Moment(), nullable=False),
)

webhooks = Table(
    "dashboard_webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    # A Slack or Teams URL is a credential: the pages and the JSON API show it masked.
    Column("url", Text, nullable=False),
    Column("by", String(100), nullable=False),
    Column("created", Moment(), nullable=False),
)

tokens = Table(
    "dashboard_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    # The SHA-256 of the token, as for sessions: a copy of the table calls nothing.
    Column("digest", String(64), nullable=False, unique=True),
    Column(
        "user_id", Integer, ForeignKey("dashboard_users.id", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(100), nullable=False),
    Column("created", Moment(), nullable=False),
    Column("last_used", Moment(), nullable=True),
    Column("expires", Moment(), nullable=True),
)
