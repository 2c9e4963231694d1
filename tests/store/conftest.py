"""Every store test runs on both backends: an SQLite file, and a fresh PostgreSQL database.

PostgreSQL is the real local server (``scripts/services.sh`` starts it; trust auth).
Each test gets a database of its own, named uniquely, so parallel workers never meet;
it is dropped when the test ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from apiward.store import open_store

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store, on each backend in turn."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    name = f"apiward_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An open store on each backend."""
    opened = open_store(store_url)
    yield opened
    opened.dispose()
