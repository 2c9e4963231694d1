"""The errors apiward raises on purpose: bad input, unreachable things.

    ApiwardError                 root: one clear line, exit code 2 at the CLI
     ├── ConfigError             an options, policy or identities file that is wrong
     ├── SpecError               a contract that cannot be read or understood
     │    └── FetchError         a spec URL or remote $ref that could not be fetched
     ├── UnsafeAddressError      an outbound URL that points where it must not (SSRF guard)
     ├── TargetError             the API under test cannot be reached, times out or resets
     └── StorageError            history storage unavailable or corrupt

Every error carries *where* the problem is (a file or URL, a line, a JSON pointer)
so that the CLI prints ``where: what`` on one line. Anything else escaping to the
CLI is a bug in apiward, not in the user's input.
"""

from __future__ import annotations


class ApiwardError(Exception):
    """Root of every error caused by input or environment rather than by apiward itself."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        pointer: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.pointer = pointer

    @property
    def location(self) -> str:
        """Where the problem is, as ``source:line (at pointer)``, or an empty string."""
        where = self.source or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        if self.pointer is not None:
            at = f"at {self.pointer or '/'}"
            where = f"{where} ({at})" if where else at
        return where

    def __str__(self) -> str:
        where = self.location
        return f"{where}: {self.message}" if where else self.message


class ConfigError(ApiwardError):
    """An options, policy or identities file that is wrong."""


class SpecError(ApiwardError):
    """A contract (OpenAPI or Swagger document) that cannot be read or understood."""


class FetchError(SpecError):
    """A spec URL or remote ``$ref`` that could not be fetched."""


class UnsafeAddressError(ApiwardError):
    """An outbound URL that resolves to an address apiward refuses to contact."""


class TargetError(ApiwardError):
    """The API under test cannot be reached, timed out or reset the connection."""


class StorageError(ApiwardError):
    """History storage is unavailable or holds data apiward cannot read."""
