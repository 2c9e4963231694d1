"""How apiward reads the files it is given and writes every file it makes: whole, owner-only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from apiward.core.errors import ConfigError


def write_atomic(path: str | Path, text: str, *, what: str = "report") -> None:
    """Write ``text`` (UTF-8) to ``path`` via a temporary file and a rename.

    A run cut short mid-write leaves the previous file (or none), never half a report.
    A path that cannot be written is a :class:`ConfigError` naming it: bad input, exit 2.
    The file is created owner-only (0600, from ``mkstemp``) and kept so: a report holds
    evidence of how to break the API, even with credentials redacted, and an inventory or
    an SBOM maps what an attacker would look for. ``what`` names the file in errors.
    """
    path = Path(path)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise ConfigError(f"cannot write {what}: {error.strerror}", source=str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ConfigError(f"cannot write {what}: {error.strerror}", source=str(path)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_text(path: str | Path, *, what: str) -> str:
    """The UTF-8 text of ``path``; a file that cannot be read is a ConfigError naming it.

    ``what`` names the file in the one line a user sees: ``cannot read the policy: No such
    file or directory``, never Python's ``[Errno 2]`` and the path twice.
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {what}: {error.strerror}", source=str(path)) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{what} is not UTF-8 text (byte {error.start})", source=str(path)
        ) from None
