"""command_injection on tiny apps whose 'shell' is simulated (no payload runs); silent when inert.

The vulnerable app parses what a shell would run after a separator — ``echo`` expands
``$((a*b))``, ``sleep N`` awaits ``asyncio.sleep`` — so the tests are about the
detector, and nothing is ever executed on the machine running them.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess

import pytest
from fastapi import FastAPI
from injection_support import found, scan_app

from apiward.core.findings import Severity
from apiward.scan.checks.command_injection import FORMS, CommandInjection

_ECHO = re.compile(r"(?:;|\|)echo (\w+)\$\(\((\d+)\*(\d+)\)\)")
_SLEEP = re.compile(r"\$\(sleep ([\d.]+)\)")


def _app(*, echoes: bool, sleeps: bool, strips: bool = False) -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping(host: str) -> dict[str, str]:
        output = f"PING {host.split(';')[0].split('|')[0]}: 1 packet"
        if strips:  # no shell: the input comes back with its quotes removed
            output = f"PING {host.replace(chr(39), '').replace(chr(34), '')}: unknown host"
        if echoes and (match := _ECHO.search(host)):
            output += "\n" + match[1] + str(int(match[2]) * int(match[3]))
        if sleeps and (match := _SLEEP.search(host)):
            await asyncio.sleep(float(match[1]))
        return {"output": output}

    return app


def test_echoed_marker_found() -> None:
    """A tag echoed with $((a*b)) coming back with the product is a critical finding."""
    results = scan_app(_app(echoes=True, sleeps=False), [CommandInjection(delay=0.5)])
    [finding] = found(results, "command_injection")
    assert finding.key == "query:host"
    assert finding.severity is Severity.CRITICAL


def test_blind_sleep_found_outside_safe_mode() -> None:
    """A $(sleep N) that delays the answer twice, while sleep 0 does not, is a finding."""
    results = scan_app(_app(echoes=False, sleeps=True), [CommandInjection(delay=0.5)])
    [finding] = found(results, "command_injection")
    assert "$( )" in finding.title


def test_safe_mode_skips_the_sleeps() -> None:
    """Under --safe the blind app is not probed with sleeps, and the skip says so."""
    app = _app(echoes=False, sleeps=True)
    results = scan_app(app, [CommandInjection(delay=0.5)], safe=True)
    assert results.findings == []
    assert any("time-based" in s.detail for s in results.skipped)


def test_silent_on_an_app_without_a_shell() -> None:
    """An app that only echoes its input back is not flagged."""
    results = scan_app(_app(echoes=False, sleeps=False), [CommandInjection(delay=0.5)])
    assert results.findings == []


def test_silent_when_the_app_strips_quotes_and_reflects_the_input() -> None:
    """Reflection with quotes removed computes nothing: not command execution."""
    results = scan_app(_app(echoes=False, sleeps=False, strips=True), [CommandInjection(delay=0.5)])
    assert results.findings == []


@pytest.mark.parametrize("shell", [s for s in ("dash", "bash", "sh") if shutil.which(s)])
def test_every_screen_parses_in_a_real_shell(shell: str) -> None:
    """Forms sent together, in the order the screens send them (every echo, then every
    sleep), are one script a POSIX shell parses: checked with ``-n``, which runs nothing.
    Debian's ``/bin/sh`` (dash) had refused the line after the newline form."""
    echoes = [attach("echo tag$((3*4))") for _, attach in FORMS]
    sleeps = [attach("sleep 1") for _, attach in FORMS[:4]]
    for order in (echoes + sleeps, sleeps + echoes):
        script = "cp report.csv exports/attendees" + "".join(order) + ".csv"
        parsed = subprocess.run([shell, "-n", "-c", script], capture_output=True, text=True)
        assert parsed.returncode == 0, (script, parsed.stderr)
