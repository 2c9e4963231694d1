"""Where the store lives: ``--store URL``, else ``APIWARD_STORE``, else a file in the data dir.

A URL reads like SQLAlchemy's with two conveniences::

    ~/scans/apiward.db                     a file path: SQLite
    sqlite:///home/me/apiward.db           SQLite, spelled out
    postgresql://apiward@db.internal/sec   PostgreSQL (driven by psycopg 3)

Without either, the store is ``store.db`` in the user's data directory (platformdirs:
``~/.local/share/apiward`` on Linux), so a run can be recorded straight after ``pip install``.
This module imports no database library: the CLI resolves the URL before it needs one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from apiward.core.errors import ConfigError

ENVIRONMENT = "APIWARD_STORE"
_POSTGRES = ("postgresql", "postgres")


def default_path() -> Path:
    """The SQLite file used when no store is named."""
    from platformdirs import user_data_path

    return user_data_path("apiward", appauthor=False) / "store.db"


def named_url() -> str | None:
    """The store named by ``APIWARD_STORE``, if any (the CLI's ``--store`` reads it too)."""
    return os.environ.get(ENVIRONMENT) or None


def resolve(given: str | None) -> str:
    """The SQLAlchemy URL of the store ``given`` names (the default store when None)."""
    text = (given or "").strip() or str(default_path())
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError as error:
        raise ConfigError(f"store {display(text)!r}: not a valid URL ({error})") from None
    base = scheme.partition("+")[0]
    if base in _POSTGRES:
        return "postgresql+psycopg" + text[len(scheme) :]
    if base == "sqlite":
        return text
    if "://" in text:
        raise ConfigError(
            f"store {display(text)!r} is neither a file path, sqlite:///PATH nor postgresql://..."
        )
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def display(url: str) -> str:
    """``url`` with any password masked, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urlsplit takes (``postgresql://[::1``): mask what may be one
        return re.sub(r"(://[^/@]*:)[^/@]*@", r"\1***@", url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
