"""The guard's traffic: ingested audit events, endpoints by date, and each scan request's id.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add run_requests, guard_events and endpoints."""
    op.create_table(
        "run_requests",
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("request_id", sa.String(128), primary_key=True),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("operation", sa.Text, nullable=True),
        sa.Column("status", sa.Integer, nullable=True),
    )
    op.create_table(
        "guard_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "api_id", sa.Integer, sa.ForeignKey("apis.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("log", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("client_request_id", sa.String(128), nullable=True),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("endpoint", sa.Text, nullable=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("principal", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.UniqueConstraint("api_id", "hash", name="uq_guard_events_api_hash"),
    )
    op.create_index("ix_guard_events_api_at", "guard_events", ["api_id", "at"])
    op.create_index("ix_guard_events_request", "guard_events", ["api_id", "client_request_id"])
    op.create_index("ix_guard_events_log", "guard_events", ["api_id", "log"])
    op.create_table(
        "endpoints",
        sa.Column(
            "api_id", sa.Integer, sa.ForeignKey("apis.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("method", sa.String(16), primary_key=True),
        sa.Column("template", sa.String(1000), primary_key=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("documented", sa.Boolean, nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.Column("served", sa.Integer, nullable=False),
        sa.Column("refused", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("endpoints")
    op.drop_table("guard_events")
    op.drop_table("run_requests")
