"""The command starts at once: verbs import their heavy modules only when they run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

from apiward.cli.app import VERBS

Run = Callable[..., subprocess.CompletedProcess[str]]
HEAVY = ("fastapi", "starlette", "apiward.demo", "apiward.scan", "apiward.guard", "httpx")

LOADED = """
import sys
{action}
print("loaded:" + ",".join(sorted(sys.modules)))
"""


def _loaded(action: str) -> set[str]:
    """Which heavy modules a fresh interpreter holds after running ``action``."""
    code = LOADED.format(action=action)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    last = result.stdout.strip().splitlines()[-1]
    loaded = last.removeprefix("loaded:").split(",")
    return {m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)}


def test_importing_the_cli_imports_no_verb() -> None:
    """`import apiward.cli.app` loads neither FastAPI, Starlette, the demo, the scanner nor the guard."""
    assert _loaded("import apiward.cli.app") == set()


@pytest.mark.parametrize("argument", ["--version", "--help"])
def test_version_and_help_import_no_verb(argument: str) -> None:
    """`apiward --version` and `apiward --help` answer without importing any verb's work."""
    action = (
        "from apiward.cli.app import main\n"
        f"try:\n    main([{argument!r}])\nexcept SystemExit:\n    pass"
    )
    assert _loaded(action) == set()


@pytest.mark.parametrize("name", sorted(VERBS), ids=sorted(VERBS))
def test_each_verbs_listed_help_is_its_own(name: str) -> None:
    """The one line the root's help shows for a verb is the first line of the verb's own help."""
    command = VERBS[name].load(name)
    own = (command.help or "").strip().splitlines()[0]
    assert VERBS[name].help == own


def test_root_help_lists_every_verb(apiward: Run) -> None:
    """`apiward --help` lists every verb with its one-line help."""
    result = apiward("--help")
    assert result.returncode == 0
    for name, verb in VERBS.items():
        assert name in result.stdout
        assert verb.help.split()[0] in result.stdout


def test_a_verb_runs_when_asked_for(apiward: Run) -> None:
    """A verb loaded on demand still parses its own options (`spec --help`)."""
    result = apiward("spec", "show", "--help")
    assert result.returncode == 0
    assert "--allow-private" in result.stdout
