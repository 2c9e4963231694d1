"""Alembic's entry point for the dashboard's tables: always run on a connection apiward opened."""

from __future__ import annotations

from alembic import context

from apiward.server.schema import VERSION_TABLE
from apiward.server.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
