"""session_secret on a real Mojolicious::Lite app: its own signed cookie, its secret guessed.

``mojo_notes.pl`` keeps the logged-in user under ``user`` in Mojolicious' cookie session, as
the Mojolicious guides do; one twin signs it with ``changeme``, the other with a random
secret. The app runs under Debian's perl (``libmojolicious-perl``, installed for ``make
test`` by ``scripts/mojolicious.sh``); without it the tests are skipped, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from auth_support import scan_only, user

from apiward.core.findings import Confidence, Severity
from apiward.scan.checks.session_secret import SessionSecret

APP = Path(__file__).with_name("mojo_notes.pl")
PASSWORDS = {"maria": "maria-pw-1", "tom": "tom-pw-1"}


def _mojolicious() -> str:
    """Debian's perl with Mojolicious; skipped (failed under CI) when there is none."""
    perl = shutil.which("perl")
    found = perl and subprocess.run([perl, "-MMojolicious", "-e1"], check=False).returncode == 0
    if perl and found:
        return perl
    message = "perl with Mojolicious is missing: apt-get install -y libmojolicious-perl"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def mojo_notes(secret: str) -> Iterator[str]:
    """The Mojolicious notes API signing sessions with ``secret``; yields its URL."""
    command = [_mojolicious(), str(APP), secret]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        try:
            url = child.stdout.readline().strip() if child.stdout else ""
            if not url.startswith("http://127.0.0.1:"):
                raise RuntimeError("mojo_notes.pl did not start")
            yield url
        finally:
            child.terminate()
            child.wait(timeout=10)


def _identities() -> tuple[Any, ...]:
    return tuple(user(name, password, path="/auth/login") for name, password in PASSWORDS.items())


def test_a_dictionary_secret_lets_anyone_forge_a_mojolicious_session() -> None:
    """Secret "changeme" guessed offline; maria's session forged with tom's user reads tom's note."""
    with mojo_notes("changeme") as url:
        results = scan_only(url, [SessionSecret()], _identities())
    [finding] = results.findings
    assert (finding.operation, finding.cwe) == ("GET /notes/mine", "CWE-1391")
    assert (finding.severity, finding.confidence) == (Severity.CRITICAL, Confidence.CONFIRMED)
    assert "Mojolicious" in finding.title
    assert "ch… (8 characters)" in finding.title
    forged = finding.evidence[-1].response
    assert "tom's plans" in (forged.body if forged else "")
    assert results.errors == []


def test_silent_when_the_mojolicious_secret_is_random() -> None:
    """A random secret is in no list: nothing found, nothing skipped."""
    with mojo_notes(secrets.token_hex(32)) as url:
        results = scan_only(url, [SessionSecret()], _identities())
    assert results.findings == []
    assert results.errors == []
    assert not [s for s in results.skipped if s.check == "session_secret"]
