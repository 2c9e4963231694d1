"""Audit sinks chosen by URL, and the chain check behind ``apiward guard verify-log``.

``path/to/audit.jsonl`` or ``jsonl:///abs/path`` (the default), ``stdout``, or
``sqlite:///path/to/audit.db``. Every event is written with one ``write()`` on an
``O_APPEND`` descriptor (or one committed SQLite insert) before the next request
is answered, so a clean shutdown loses nothing and SIGKILL loses at most the events
of requests still in flight: the operating system keeps what was written even when
the process dies. Writing costs a few microseconds per event (see the benchmark).
A JSONL sink continues the chain of the file it appends to; one file per process.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from apiward.core.errors import ConfigError
from apiward.core.events import GENESIS, AuditEvent

_TAIL = 1 << 16


class Sink(Protocol):
    """Where chained audit events go."""

    last_hash: str

    def write(self, line: bytes, digest: str) -> None:
        """Persist one chained event (its JSON line and hash) before returning."""

    def close(self) -> None:
        """Release the sink."""


def open_sink(url: str) -> Sink:
    """The sink a policy's ``audit.sink`` names."""
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
    return FileSink(fd, _last_hash(path))


def _last_hash(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(max(0, handle.seek(0, os.SEEK_END) - _TAIL))
        lines = [line for line in handle.read().splitlines() if line.strip()]
    if not lines:
        return GENESIS
    try:
        return AuditEvent.from_json(lines[-1]).hash
    except (ValueError, TypeError):
        raise ConfigError(
            "the audit log's last line is not an audit event", source=str(path)
        ) from None


class FileSink:
    """JSONL on a file descriptor: one ``write()`` per event."""

    def __init__(self, fd: int, last_hash: str) -> None:
        self.fd = fd
        self.last_hash = last_hash

    def write(self, line: bytes, digest: str) -> None:
        """Append one line."""
        os.write(self.fd, line + b"\n")
        self.last_hash = digest

    def close(self) -> None:
        """Close the file (never standard output)."""
        if self.fd > 2:
            os.close(self.fd)


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

    def write(self, line: bytes, digest: str) -> None:
        """Insert one row."""
        self.db.execute("INSERT INTO events (hash, body) VALUES (?, ?)", (digest, line))
        self.last_hash = digest

    def close(self) -> None:
        """Close the database."""
        self.db.close()


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The result of checking a log: intact, or the first broken line and why."""

    events: int
    broken_line: int | None = None
    why: str = ""

    @property
    def intact(self) -> bool:
        """Whether every event verified and linked to the one before it."""
        return self.broken_line is None


def verify_log(path: Path) -> Verdict:
    """Check every line's hash and its link to the line before."""
    previous = GENESIS
    count = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                event = AuditEvent.from_json(line)
            except (ValueError, TypeError):
                return Verdict(events=count, broken_line=number, why="not an audit event")
            if not event.verify():
                return Verdict(
                    events=count,
                    broken_line=number,
                    why="the event was edited (its hash does not match)",
                )
            if event.prev != previous:
                return Verdict(
                    events=count,
                    broken_line=number,
                    why="an event before it was removed or reordered (prev does not match)",
                )
            previous = event.hash
            count += 1
    return Verdict(events=count)
