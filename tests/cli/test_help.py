"""What ``--help`` shows: option kinds in words, no Python types, the same options everywhere."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

import pytest

from apiward.cli.app import VERBS

Run = Callable[..., subprocess.CompletedProcess[str]]

PAGES = [
    [],
    *([name] for name in VERBS),
    ["api", "add"],
    ["audit", "contract"],
    ["findings", "list"],
    ["store", "info"],
    ["server", "create-user"],
]


@pytest.mark.parametrize("verb", PAGES, ids=lambda verb: " ".join(verb) or "apiward")
def test_help_names_what_options_take_in_words(apiward: Run, verb: list[str]) -> None:
    """No `<bool>`, `<str>`, `<list[str]>` nor `{name}`; no completion options on any page."""
    shown = apiward(*verb, "--help")
    assert shown.returncode == 0, shown.stderr
    assert not re.search(r"<(bool|str|int|float|path|list\[)", shown.stdout), shown.stdout
    usage = next(line for line in shown.stdout.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage
    assert "completion" not in shown.stdout


def test_help_spells_kinds_as_click_does(apiward: Run) -> None:
    """A text option reads TEXT, a number INTEGER or NUMBER, a choice [a|b], an argument SPEC."""
    scan = apiward("scan", "--help").stdout
    assert re.search(r"--spec\s+TEXT", scan)
    assert re.search(r"--concurrency\s+INTEGER \[1<=x<=256\]", scan)
    assert re.search(r"--fail-on\s+\[info\|low\|medium\|high\|critical\]", scan)
    assert re.search(r"--safe\s+Never modify", scan)  # a flag takes nothing
    audit = apiward("audit", "contract", "--help").stdout
    assert re.search(r"Usage: .* audit contract \[OPTIONS\] SPEC\b", audit)


def test_read_only_verbs_say_they_read_the_store(apiward: Run) -> None:
    """`--store` on a verb that only reads says 'Read from this store', not 'Record the run'."""
    for verb in (["findings", "list"], ["diff"], ["store", "info"], ["api", "list"]):
        shown = apiward(*verb, "--help").stdout
        assert "Read from this store" in shown, verb
        assert "Record the run here" not in shown, verb
