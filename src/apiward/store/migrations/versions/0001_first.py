"""The first store: APIs, runs, coverage, findings, states and triage.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _decision() -> list[sa.Column[object]]:
    return [
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("expires", sa.Date, nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
        _when("at"),
    ]


def upgrade() -> None:
    op.create_table(
        "apis",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("spec", sa.Text, nullable=True),
        sa.Column("target", sa.Text, nullable=True),
        sa.Column("identities", sa.Text, nullable=True),
        sa.Column("schedule", sa.String(100), nullable=True),
        _when("created"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "api_id", sa.Integer, sa.ForeignKey("apis.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("tool", sa.String(50), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("contract", sa.Text, nullable=True),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        _when("started"),
        _when("finished", nullable=True),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("stats", sa.JSON, nullable=False),
        sa.Column("notes", sa.JSON, nullable=False),
    )
    op.create_index("ix_runs_api_tool", "runs", ["api_id", "tool", "id"])
    op.create_table(
        "coverage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("check", sa.String(200), nullable=False),
        sa.Column("operation", sa.Text, nullable=True),
        sa.Column("skipped", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_coverage_run", "coverage", ["run_id"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "api_id", sa.Integer, sa.ForeignKey("apis.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("check", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("operation", sa.Text, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.UniqueConstraint("run_id", "fingerprint", name="uq_findings_run_fingerprint"),
    )
    op.create_index("ix_findings_api_fingerprint", "findings", ["api_id", "fingerprint"])
    op.create_table(
        "states",
        sa.Column(
            "api_id", sa.Integer, sa.ForeignKey("apis.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("fingerprint", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("check", sa.String(200), nullable=False),
        sa.Column("operation", sa.Text, nullable=True),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("first_run", sa.Integer, nullable=False),
        sa.Column("last_seen_run", sa.Integer, nullable=False),
        sa.Column("changed_run", sa.Integer, nullable=False),
    )
    op.create_index("ix_states_api_state", "states", ["api_id", "state"])
    op.create_table(
        "triage",
        sa.Column(
            "api_id", sa.Integer, sa.ForeignKey("apis.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("fingerprint", sa.String(32), primary_key=True),
        *_decision(),
    )
    op.create_table(
        "triage_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "api_id", sa.Integer, sa.ForeignKey("apis.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        *_decision(),
    )
    op.create_index("ix_triage_log_finding", "triage_log", ["api_id", "fingerprint"])


def downgrade() -> None:
    for name in ("triage_log", "triage", "states", "findings", "coverage", "runs", "apis"):
        op.drop_table(name)
