"""Opening the store for the dashboard: the store's schema, then the dashboard's own tables.

The dashboard's tables are migrated by their own Alembic lineage recorded in their own
version table, so a store upgrade and a dashboard upgrade never contend for a revision.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from apiward.store import open_store
from apiward.store.schema import failure, migrate

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "dashboard_version"


def open_dashboard_store(given: str | None) -> Engine:
    """The store ``given`` names, with the dashboard's tables built or migrated."""
    engine = open_store(given)
    try:
        with engine.begin() as connection:
            migrate(connection, MIGRATIONS)
    except SQLAlchemyError as error:
        engine.dispose()
        raise failure(engine, error) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def opened_dashboard_store(given: str | None) -> Iterator[Engine]:
    """:func:`open_dashboard_store` for one block: disposed however the block ends."""
    engine = open_dashboard_store(given)
    try:
        yield engine
    finally:
        engine.dispose()
