"""Indexes for the dashboard at scale: counts by run and severity, open findings by API.

The trend counts each recent run's findings by severity, the overview each API's open
findings by severity, the findings filter lists the checks found: each is answered from
one of these indexes alone, without reading a finding's row (nor its recorded body).
Measured by ``benchmarks/dashboard_pages.py``.

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
    """Add the three indexes."""
    op.create_index("ix_findings_run_severity", "findings", ["run_id", "severity"])
    op.create_index("ix_states_state_api_severity", "states", ["state", "api_id", "severity"])
    op.create_index("ix_states_check", "states", ["check"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_states_check", "states")
    op.drop_index("ix_states_state_api_severity", "states")
    op.drop_index("ix_findings_run_severity", "findings")
