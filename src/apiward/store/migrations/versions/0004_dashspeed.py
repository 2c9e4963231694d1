"""Indexes for the dashboard at scale: counts by run and severity, open findings by API.

The trend counts each recent run's findings by severity, and the overview each API's
open findings by severity: both are answered from these indexes alone, without reading
a finding's recorded body. Measured by ``benchmarks/dashboard_pages.py``.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two indexes."""
    op.create_index("ix_findings_run_severity", "findings", ["run_id", "severity"])
    op.create_index("ix_states_state_api_severity", "states", ["state", "api_id", "severity"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_states_state_api_severity", "states")
    op.drop_index("ix_findings_run_severity", "findings")
