"""Huge payloads: the terminal and HTML stay small and say how big and where whole."""

from __future__ import annotations

import io
import json
from functools import cache

import pytest
from rich.console import Console
from tests.report.samples import bola_finding, full_report, padded_finding

from apiward.core.findings import RecordedRequest
from apiward.core.redact import Redactor
from apiward.report import FORMATS, clip, render_terminal

PADDED_BODY = padded_finding().evidence[-1].request.body
PADDED_SIZE = f"{len(PADDED_BODY):,} bytes, truncated]"


@cache
def _padded(name: str) -> str:
    """The report holding a 2 MB payload in format ``name``, rendered once per test run."""
    report = full_report(padded_finding(), bola_finding())
    if name != "terminal":
        return FORMATS.get(name)(report, Redactor())
    console = Console(width=80, color_system=None, file=io.StringIO())
    console.print(render_terminal(report, Redactor()))
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def test_terminal_output_stays_small_with_a_2_mb_payload() -> None:
    """A finding with a 2 MB body, header and curl line prints well under 100 lines."""
    text = _padded("terminal")
    assert len(text.splitlines()) < 100
    assert len(text.encode()) < 12_000


def test_terminal_reproduction_says_the_payload_size_and_how_to_regenerate() -> None:
    """The cut curl line ends with the payload's real size; the next line says where it is."""
    text = " ".join(_padded("terminal").split())
    assert PADDED_SIZE in text
    assert "--json keeps bodies up to 64,000 characters" in text
    assert "apiward scan … --checks resource_limits (POST /api/v2/notes)" in text


def test_html_stays_small_with_a_2_mb_payload() -> None:
    """The page shows a cut body, header, detail and curl line: tens of kilobytes, not megabytes."""
    html = _padded("html")
    assert len(html.encode()) < 80_000
    assert PADDED_SIZE in html
    assert f"First 8,000 characters of {len(PADDED_BODY):,} bytes shown" in html
    assert "t" * clip.HEADER + "… [100,000 characters, truncated]" in html


@pytest.mark.parametrize("name", ["json", "sarif"])
def test_files_keep_bodies_up_to_what_the_transport_records(name: str) -> None:
    """JSON and SARIF keep each body and header to FILE_BODY characters, text to FILE_TEXT."""
    text = _padded(name)
    # Two bodies, a header, a URL (~8 KB), a curl line and a detail; SARIF repeats nothing big.
    assert len(text.encode()) < 3 * clip.FILE_BODY + clip.FILE_TEXT + 40_000
    assert PADDED_SIZE in text


def test_json_keeps_a_recorded_body_whole() -> None:
    """A body the transport recorded (at most FILE_BODY characters) is in the JSON whole."""
    document = json.loads(FORMATS.get("json")(full_report(bola_finding()), Redactor()))
    body = document["findings"][0]["evidence"][1]["response"]["body"]
    assert body == '{"id": 2, "owner": "alice", "balance": 1200}'


def test_a_cut_body_gives_the_size_the_request_declared() -> None:
    """A body the transport cut still reports its real size, from Content-Length."""
    request = RecordedRequest(
        method="POST", url="http://x/", headers=(("Content-Length", "2097152"),), body="x" * 64_000
    )
    assert clip.body(request, 10) == "x" * 10 + "… [2,097,152 bytes, truncated]"


def test_a_short_value_is_never_cut() -> None:
    """A value within its limit is shown exactly as it is."""
    assert clip.cut("abc", 3) == "abc"
    assert clip.cut("abcd", 3) == "abc… [4 characters, truncated]"
