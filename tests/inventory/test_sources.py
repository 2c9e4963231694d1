"""Traffic files: each format read by content, junk counted, bad files one clear error."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from apiward.inventory import TrafficError, read_traffic
from apiward.inventory.auditlog import read as read_audit
from conftest import audit_lines, har_document

Write = Callable[[str, str], Path]

COMBINED = (
    '203.0.113.9 - - [29/Nov/2026:06:00:01 +0100] "GET /api/users/42?expand=orders&x=1 HTTP/1.1" '
    '200 512 "-" "curl/8.0 \\"quoted\\""'
)
COMMON = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "POST http://shop.example/orders HTTP/1.0" 201 -'


def test_audit_log_is_detected_and_its_request_events_read(write: Write) -> None:
    """Request events become observations with query names; decisions are not requests."""
    path = write(
        "log.jsonl",
        audit_lines(
            {"path": "/api/users/42", "query": ["expand"], "route": "/api/users/{id}"},
            {"kind": "decision", "path": "/api/users/42", "reason": "authn.expired"},
        ),
    )
    batch = read_traffic(path)
    assert batch.format == "audit"
    [seen] = batch.observations
    assert (seen.method, seen.path, seen.query, seen.route) == (
        "GET",
        "/api/users/42",
        ("expand",),
        "/api/users/{id}",
    )
    assert seen.source == f"{path}:1"
    assert batch.notes == ()


def test_audit_log_with_an_edited_event_is_read_with_a_note(write: Write) -> None:
    """An edited event breaks the hash chain: the log is still read, and the break noted."""
    text = audit_lines({"path": "/a"}, {"path": "/b"}).replace('"/b"', '"/c"')
    batch = read_audit(write("log.jsonl", text), "log.jsonl")
    assert [o.path for o in batch.observations] == ["/a", "/c"]
    assert "log.jsonl:2" in batch.notes[0]
    assert "hash chain is broken" in batch.notes[0]


def test_har_is_detected_and_read_with_its_bodies(write: Write) -> None:
    """HAR entries keep method, path, query names, status, content types and bodies."""
    encoded = base64.b64encode(b'{"ok": true}').decode()
    document = json.loads(
        har_document(
            {"method": "post", "url": "https://x.example/a/1?q=secret", "request": '{"n": 1}'},
            {"url": "https://x.example/b", "response": "ignored"},
        )
    )
    document["log"]["entries"][1]["response"]["content"].update(text=encoded, encoding="base64")
    document["log"]["entries"].append({"request": {"url": "no method"}})
    batch = read_traffic(write("s.har", json.dumps(document)))
    first, second = batch.observations
    assert (first.method, first.path, first.query, first.request_body) == (
        "POST",
        "/a/1",
        ("q",),
        '{"n": 1}',
    )
    assert second.response_body == '{"ok": true}'
    assert (batch.format, batch.skipped) == ("har", 1)


def test_access_log_lines_in_combined_and_common_format_are_read(write: Write) -> None:
    """Both formats parse: client, time in UTC, method, path, query names, status."""
    batch = read_traffic(write("access.log", f"{COMBINED}\n{COMMON}\n"))
    combined, common = batch.observations
    assert (combined.client, combined.path, combined.query, combined.status) == (
        "203.0.113.9",
        "/api/users/42",
        ("expand", "x"),
        200,
    )
    assert combined.time is not None
    assert combined.time.hour == 5
    assert (common.method, common.path, common.status) == ("POST", "/orders", 201)


def test_access_log_junk_lines_are_counted_never_fatal(write: Write) -> None:
    """Junk, a TLS handshake on the plain port and a truncated line are skipped and counted."""
    junk = [
        "garbage that is not a log line",
        '127.0.0.1 - - [29/Nov/2026:06:00:02 +0000] "\\x16\\x03\\x01\\x00\\xa5" 400 157 "-" "-"',
        COMBINED[:40],
    ]
    batch = read_traffic(write("access.log", "\n".join([COMBINED, *junk, "", COMBINED]) + "\n"))
    assert (len(batch.observations), batch.skipped, batch.first_skipped) == (2, 3, 2)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "notes.txt",
            "\n\nhello, this is not traffic\n",
            "notes.txt:3: not a known traffic format",
        ),
        ("empty.log", "  \n", "empty.log: the file is empty"),
        ("broken.har", '{\n  "log": {\n    "entries": [,]\n', "broken.har:3: not valid JSON"),
        ("nolog.har", '{"log": {"pages": []}}', "nolog.har (at /log): a HAR file needs"),
    ],
    ids=["unknown-format", "empty", "broken-har-json", "har-without-entries"],
)
def test_bad_traffic_files_end_in_one_error_with_where(
    write: Write, name: str, text: str, message: str
) -> None:
    """Each bad file is one TrafficError naming the file and the line or pointer."""
    path = write(name, text)
    with pytest.raises(TrafficError) as raised:
        read_traffic(path)
    assert str(raised.value).startswith(str(path.parent / message))


def test_unreadable_path_is_an_error(tmp_path: Path) -> None:
    """A missing file or a folder is an error naming it, not a traceback."""
    for path in (tmp_path / "missing.log", tmp_path):
        with pytest.raises(TrafficError, match="cannot read it"):
            read_traffic(path)


def test_forced_format_that_matches_no_line_names_the_first(write: Write) -> None:
    """--format access on a HAR file: no record, and the first line it tried is named."""
    path = write("s.har", har_document({"url": "https://x.example/a"}))
    with pytest.raises(TrafficError, match=r"s\.har:1: no line of it is a nginx"):
        read_traffic(path, "access")
    with pytest.raises(TrafficError, match="unknown traffic format 'pcap'"):
        read_traffic(path, "pcap")
