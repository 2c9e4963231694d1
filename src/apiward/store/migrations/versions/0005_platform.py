"""Scan options kept with each API, for its scheduled scans and ``scan --api``.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add apis.options (null: the API has none of its own)."""
    with op.batch_alter_table("apis") as batch:
        batch.add_column(sa.Column("options", sa.JSON, nullable=True))


def downgrade() -> None:
    """Drop apis.options."""
    with op.batch_alter_table("apis") as batch:
        batch.drop_column("options")
