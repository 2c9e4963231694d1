"""Audit sinks chosen by URL: ``path/to/audit.jsonl`` or ``jsonl:///abs/path`` (the default),
``stdout``, or ``sqlite:///path/to/audit.db``. Every event is written with one ``write()`` on an
``O_APPEND`` descriptor (or one committed SQLite insert) before the next request
is answered, so a clean shutdown loses nothing and SIGKILL loses at most the events
of requests still in flight: the operating system keeps what was written even when
the process dies. Writing costs a few microseconds per event (see the benchmark).
A JSONL sink continues the chain of the file it appends to, and the count of its lines
(for checkpoints); one file per process. Reading it back is auditverify.py.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Protocol

from apiward.core.errors import ConfigError
from apiward.core.events import GENESIS, AuditEvent

_TAIL = 1 << 16
_BLOCK = 1 << 20


class Sink(Protocol):
    """Where chained audit events go."""

    last_hash: str
    lines: int
    """How many events the log holds (those of earlier runs included)."""
    first_hash: str | None
    """The first event's hash: the log's name for checkpoint anchors (None while empty)."""

    def write(self, line: bytes, digest: str) -> None:
        """Persist one chained event (its JSON line and hash) before returning."""

    def close(self) -> None:
        """Release the sink."""


def open_sink(url: str, key: bytes | None = None) -> Sink:
    """The sink a policy's ``audit.sink`` names; an existing log must verify under ``key``."""
    if url in {"stdout", "stdout://", "-"}:
        return FileSink(1, GENESIS)
    if url.startswith("sqlite://"):
        return SqliteSink(url[len("sqlite://") :])
    path = Path(url[len("jsonl://") :] if url.startswith("jsonl://") else url)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as error:
        raise ConfigError(
            f"cannot open the audit log: {error.strerror}", source=str(path)
        ) from None
    sink = FileSink(fd, GENESIS)
    sink.last_hash, sink.lines, sink.first_hash = _resume(path, key)
    return sink


def _resume(path: Path, key: bytes | None) -> tuple[str, int, str | None]:
    """The last event's hash, the number of lines and the first event's hash of a log."""
    with path.open("rb") as handle:
        first = handle.readline()
        lines = 0
        while block := handle.read(_BLOCK):
            lines += block.count(b"\n")
        lines += 1 if first.endswith(b"\n") else 0
        handle.seek(max(0, handle.seek(0, os.SEEK_END) - _TAIL))
        tail = [line for line in handle.read().splitlines() if line.strip()]
    if not tail:
        return GENESIS, 0, None
    try:
        last, head = AuditEvent.from_json(tail[-1]), AuditEvent.from_json(first)
    except (ValueError, TypeError):
        raise ConfigError(
            "the audit log's first or last line is not an audit event", source=str(path)
        ) from None
    if key is not None and not last.verify(key):
        raise ConfigError(
            "the audit log's last event does not verify under the audit key", source=str(path)
        )
    return last.hash, lines, head.hash


class FileSink:
    """JSONL on a file descriptor: one ``write()`` per event."""

    def __init__(self, fd: int, last_hash: str) -> None:
        self.fd = fd
        self.last_hash = last_hash
        self.lines = 0
        self.first_hash: str | None = None

    def write(self, line: bytes, digest: str) -> None:
        """Append one line."""
        os.write(self.fd, line + b"\n")
        self.last_hash = digest
        self.lines += 1
        if self.first_hash is None:
            self.first_hash = digest

    def close(self) -> None:
        """Close the file (never standard output); closing twice is harmless."""
        if self.fd > 2:
            os.close(self.fd)
            self.fd = -1


class SqliteSink:
    """One row per event, committed at once (autocommit)."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            # Owner-only like every file apiward writes; SQLite's journals copy this mode.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, hash TEXT, body BLOB)"
        )
        row = self.db.execute("SELECT hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        self.last_hash = row[0] if row else GENESIS
        self.lines: int = self.db.execute("SELECT count(*) FROM events").fetchone()[0]
        row = self.db.execute("SELECT hash FROM events ORDER BY seq LIMIT 1").fetchone()
        self.first_hash: str | None = row[0] if row else None

    def write(self, line: bytes, digest: str) -> None:
        """Insert one row."""
        self.db.execute("INSERT INTO events (hash, body) VALUES (?, ?)", (digest, line))
        self.last_hash = digest
        self.lines += 1
        if self.first_hash is None:
            self.first_hash = digest

    def close(self) -> None:
        """Close the database."""
        self.db.close()
