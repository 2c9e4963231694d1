"""A store is created on first use, migrated by `store upgrade`, and never misread."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from apiward.core.errors import ConfigError, StorageError
from apiward.store import open_store, upgrade
from apiward.store import schema as store_schema
from apiward.store.location import resolve
from apiward.store.schema import known_revisions, revision
from apiward.store.tables import SCHEMA, metadata


def test_a_new_store_is_at_this_apiwards_schema(engine: Engine) -> None:
    """Opening an empty database builds the schema through the shipped migrations."""
    with engine.connect() as connection:
        assert revision(connection) == SCHEMA


def test_the_migrations_build_exactly_the_tables_the_code_reads(engine: Engine) -> None:
    """Alembic finds no difference between the migrated database and ``tables.py``."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_schema_is_the_head_of_the_shipped_migrations() -> None:
    """The revision the code reads is the newest migration shipped in the package."""
    assert SCHEMA in known_revisions()
    assert store_schema._scripts().get_current_head() == SCHEMA


def test_upgrade_of_a_current_store_changes_nothing(store_url: str) -> None:
    """`store upgrade` on an up-to-date store says so and leaves it as it was."""
    open_store(store_url).dispose()
    assert upgrade(store_url) == (SCHEMA, SCHEMA)


def test_a_store_from_a_newer_apiward_is_refused(engine: Engine, store_url: str) -> None:
    """A revision this apiward does not know is refused: it asks for a newer apiward."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match=r"unknown to this apiward.*upgrade apiward"):
        open_store(store_url)
    with pytest.raises(StorageError, match="unknown to this apiward"):
        upgrade(store_url)


def test_an_older_store_is_refused_until_upgraded(
    engine: Engine, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store at an older known revision is refused, naming `apiward store upgrade`."""
    # Play an apiward one schema newer than the store.
    newer = f"{int(SCHEMA) + 1:04d}"
    monkeypatch.setattr(store_schema, "SCHEMA", newer)
    monkeypatch.setattr(store_schema, "known_revisions", lambda: {*known_revisions(), newer})
    with pytest.raises(
        StorageError, match=rf"schema {SCHEMA}, this apiward reads {newer}.*store upgrade"
    ):
        open_store(store_url)


def test_a_database_of_something_else_is_refused(tmp_path: Path) -> None:
    """Tables without apiward's schema version: not an apiward store, never written to."""
    path = tmp_path / "other.db"
    other = create_engine(f"sqlite:///{path}")
    with other.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id INTEGER)"))
    other.dispose()
    with pytest.raises(StorageError, match="not an apiward store"):
        open_store(str(path))


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    """A PostgreSQL store that does not answer is a StorageError naming it, password masked."""
    with pytest.raises(StorageError) as raised:
        open_store("postgresql://apiward:hunter2@127.0.0.1:1/none?connect_timeout=2")
    message = str(raised.value)
    assert "store unavailable" in message
    assert "hunter2" not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////var/lib/apiward.db", "sqlite:////var/lib/apiward.db"),
    ],
    ids=["postgresql", "postgres-alias", "sqlite-url"],
)
def test_store_urls_name_their_backend(given: str, expected: str) -> None:
    """PostgreSQL URLs are driven by psycopg 3; SQLite URLs are kept as given."""
    assert resolve(given) == expected


def test_a_path_is_an_sqlite_file_and_other_schemes_are_refused(tmp_path: Path) -> None:
    """A plain path is an SQLite file; mysql:// and friends are a ConfigError."""
    assert resolve(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    with pytest.raises(ConfigError, match="neither a file path"):
        resolve("mysql://root:pw@localhost/x")


def test_the_default_store_is_in_the_users_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no store named, the store is store.db in the data directory (XDG on Linux)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve(None) == f"sqlite:///{tmp_path / 'apiward' / 'store.db'}"
