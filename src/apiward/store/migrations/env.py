"""Alembic's entry point for apiward's store: always run on a connection apiward opened."""

from __future__ import annotations

from alembic import context

from apiward.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters a table by copying it; batch mode makes later migrations portable.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
