"""error_disclosure on PHP's and Sinatra's development output, and on its careful twin.

The apiary (a bare WSGI app, :mod:`apiary_app`) answers malformed input the way a PHP
server with ``display_errors=1`` and a Sinatra app in development do; the twin answers
plain JSON errors naming the field. Both echo a rejected note, a Python traceback the
beekeeper pasted, back to her: that is her input, not the API's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from apiary_app import apiary
from ownership_support import key, scan_app

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan.checks.errors import ErrorDisclosure

KEEPERS = (key("maja", "beekeeper"), key("willi", "beekeeper"))


def _findings(serve: Callable[..., Any], *, careless: bool) -> dict[str, Finding]:
    server = serve(apiary(careless=careless), wsgi=True)
    # --aggressive: nothing deletes an inspection or a note, so a default scan sends none.
    results = scan_app(server.url, ErrorDisclosure(), KEEPERS, aggressive=True)
    assert results.errors == []
    return {f.operation: f for f in results.findings}


def test_php_and_ruby_output_on_malformed_input_is_found(serve: Callable[..., Any]) -> None:
    """A PHP warning before a 200, PHP's uncaught error, Ruby's backtrace and debug page, SQLite's error."""
    found = _findings(serve, careless=True)
    titles = {operation: f.title.rsplit(" leaks a ", 1)[1] for operation, f in found.items()}
    assert titles == {
        "GET /hives": "PHP error on malformed input",
        "GET /hives/{hiveId}": "PHP error on malformed input",
        "POST /hives/{hiveId}/inspections": "Ruby stack on malformed input",
        "PATCH /beekeepers/me": "debug page on malformed input",
        "GET /inspections/search": "SQL error on malformed input",
    }
    assert {(f.severity, f.confidence) for f in found.values()} == {
        (Severity.MEDIUM, Confidence.CONFIRMED)
    }


def test_a_php_warning_in_a_200_is_keyed_by_the_parameter(serve: Callable[..., Any]) -> None:
    """The 200 answer with the warning is the evidence, and the finding names ``minFrames``."""
    finding = _findings(serve, careless=True)["GET /hives"]
    assert finding.key == "minFrames"
    answer = finding.evidence[-1].response
    assert answer is not None
    assert answer.status == 200
    assert "on line <b>212</b>" in answer.body


@pytest.mark.parametrize("careless", [False, True], ids=["careful", "careless"])
def test_an_echoed_traceback_the_user_typed_is_no_finding(
    serve: Callable[..., Any], careless: bool
) -> None:
    """The 422 that echoes the note (a Python traceback the scan sent) leaks nothing."""
    assert "POST /hives/{hiveId}/notes" not in _findings(serve, careless=careless)


def test_the_careful_twin_has_no_finding(serve: Callable[..., Any]) -> None:
    """Plain JSON errors naming the field, a 404, an empty search: nothing."""
    assert _findings(serve, careless=False) == {}
