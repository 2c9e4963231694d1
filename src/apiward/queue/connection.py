"""Where the queue is: its PostgreSQL URL, its tables, and the names of apiward's tasks.

The queue's database is ``--queue`` (``APIWARD_QUEUE``), by default the store's when
the store is PostgreSQL. Procrastinate's tables are created there on first use, under
an advisory lock so that workers starting together create them once.
"""

from __future__ import annotations

from apiward.core.errors import ConfigError, StorageError

SCAN = "apiward.scan"
NOTIFY = "apiward.notify"
_SCHEMA_LOCK = 0x61706977  # "apiw": one advisory lock id for creating the queue's tables


def queue_url(queue: str | None, store: str | None) -> str:
    """The queue's PostgreSQL URL, as libpq reads it (SQLAlchemy's driver suffix dropped)."""
    from apiward.store.location import resolve

    url = queue or resolve(store)
    for prefix in ("postgresql+psycopg://", "postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    raise ConfigError(
        "the job queue needs PostgreSQL: give --queue postgresql://... "
        "(or APIWARD_QUEUE), or keep the store in PostgreSQL"
    )


def check_queue(url: str) -> None:
    """Connect to the queue's database once, so a wrong ``--queue`` ends in one line, not later."""
    import psycopg

    from apiward.store.location import display

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as error:
        # libpq's message spans lines (which host, then why): one line for the CLI.
        said = " ".join(str(error).split()) or type(error).__name__
        raise StorageError(f"queue unavailable: {said}", source=display(url)) from None


async def ensure_schema(url: str) -> None:
    """Create procrastinate's tables in the queue's database unless they are there."""
    import psycopg
    from procrastinate.schema import SchemaManager

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
        try:
            found = await connection.execute("SELECT to_regclass('procrastinate_jobs')")
            row = await found.fetchone()
            if row is None or row[0] is None:
                await connection.execute(SchemaManager.get_schema())
        finally:
            await connection.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))
