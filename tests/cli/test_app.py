"""The root command: version, help, and how input errors end."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from apiward import __version__

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_version_is_printed(apiward: Run) -> None:
    """`apiward --version` prints the package version and exits 0."""
    result = apiward("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"apiward {__version__}"


def test_unknown_command_is_a_usage_error(apiward: Run) -> None:
    """An unknown verb exits 2 and says which one."""
    result = apiward("no-such-verb")
    assert result.returncode == 2
    assert "no-such-verb" in result.stderr
