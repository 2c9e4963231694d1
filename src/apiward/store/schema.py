"""Opening a store at the schema this apiward reads, and migrating one (``apiward store upgrade``).

An empty database is brought to the current schema on first use, through the same
Alembic migrations ``store upgrade`` runs. A store at any other revision is refused
with one line: an older one asks for ``apiward store upgrade``, a newer one (or an
unknown revision) for a newer apiward. Nothing is ever read through the wrong schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from apiward.core.errors import StorageError
from apiward.store.location import display, resolve
from apiward.store.tables import SCHEMA

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def open_store(given: str | None, *, create: bool = True) -> Engine:
    """An engine on the store ``given`` names, created if empty, refused if at another schema.

    ``create=False`` (verbs that only read) refuses an SQLite file that is not there,
    rather than creating an empty store at a mistyped path.
    """
    if not create:
        must_exist(given)
    engine = connect(given)
    try:
        _make_ready(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        raise failure(engine, error) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def opened_store(given: str | None, *, create: bool = True) -> Iterator[Engine]:
    """:func:`open_store` for one block: the engine is disposed however the block ends."""
    engine = open_store(given, create=create)
    try:
        yield engine
    finally:
        engine.dispose()


def _make_ready(engine: Engine) -> None:
    with engine.begin() as connection:
        found = revision(connection)
        if found is None:
            migrate(connection)
        elif found != SCHEMA:
            raise _mismatch(engine, found)


def upgrade(given: str | None) -> tuple[str | None, str]:
    """Migrate the store to this apiward's schema; ``(revision before, revision after)``."""
    engine = connect(given)
    try:
        with engine.begin() as connection:
            before = revision(connection)
            if before is not None and before != SCHEMA and before not in known_revisions():
                raise _mismatch(engine, before)
            migrate(connection)
            return before, SCHEMA
    except SQLAlchemyError as error:
        raise failure(engine, error) from None
    finally:
        engine.dispose()


CONNECT_TIMEOUT = 10
"""Seconds to wait for a PostgreSQL store to answer when connecting."""


def must_exist(given: str | None) -> None:
    """Refuse a store file that does not exist (a PostgreSQL server says so itself)."""
    url = resolve(given)
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return
    path = Path(url.removeprefix("sqlite:///"))
    # An empty file is any file yet: a verb that only reads must not turn it into a store.
    if not path.is_file() or path.stat().st_size == 0:
        raise StorageError(
            "no store here: a run recorded with --store (scan, audit, inventory, ingest) "
            "or `apiward api add` creates it",
            source=str(path),
        )


def connect(given: str | None) -> Engine:
    """An engine on the store's URL (no schema check); SQLite gets WAL and foreign keys."""
    url = resolve(given)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # libpq waits for a server that accepts and never answers as long as TCP lets it.
    wait = {"connect_timeout": CONNECT_TIMEOUT} if "connect_timeout=" not in url else {}
    try:
        engine = create_engine(url, connect_args=wait if url.startswith("postgresql") else {})
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise StorageError(f"cannot open the store: {error}", source=display(url)) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers go on while a run is recorded; several processes may share the file.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def revision(connection: Connection) -> str | None:
    """The store's Alembic revision; None for an empty database, an error for a foreign one."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        if tables:
            raise StorageError(
                "not an apiward store: the database has tables but no schema version",
                source=where(connection.engine),
            )
        return None
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return found[0] if len(found) == 1 else None


def known_revisions() -> set[str]:
    """Every revision the shipped migrations know."""
    return {script.revision for script in _scripts().walk_revisions()}


def migrate(connection: Connection, scripts: Path = MIGRATIONS) -> None:
    """Upgrade ``connection`` to the head of the Alembic lineage in ``scripts``."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS))


def _mismatch(engine: Engine, found: str) -> StorageError:
    if found in known_revisions():
        return StorageError(
            f"the store is at schema {found}, this apiward reads {SCHEMA}: "
            "run `apiward store upgrade` first (back it up before)",
            source=where(engine),
        )
    return StorageError(
        f"the store is at schema {found}, unknown to this apiward (it reads {SCHEMA}): "
        "a newer apiward wrote it; upgrade apiward",
        source=where(engine),
    )


def failure(engine: Engine, error: SQLAlchemyError) -> StorageError:
    """A database error as one line naming the store (password masked)."""
    cause = getattr(error, "orig", None) or error
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return StorageError(f"store unavailable: {first}", source=where(engine))


def where(engine: Engine) -> str:
    """The store's URL as messages show it, password masked."""
    return engine.url.render_as_string(hide_password=True)
