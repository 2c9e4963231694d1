"""How much of a long value the terminal and HTML show, and what they say about the rest.

A scan records bodies up to the transport's cap and a ``curl`` reproduction repeats the
request body, so one write padded to 2 MB once made the terminal print 3,000 lines of
``xxxx``. People read the terminal and the HTML page: there every evidence body, header
value, reproduction and detail is cut to the limits below, and each cut says how big the
value really was and where to get it whole. The files meant for tools (JSON, SARIF) keep
bodies up to the transport's cap (:data:`FILE_BODY`), never more, and reproductions
and details up to :data:`FILE_TEXT`.

Limits are in characters; sizes reported in a cut are the payload's real size in bytes
(a request's ``Content-Length`` when it says more than the recorded, capped body).
"""

from __future__ import annotations

from apiward.core.findings import MAX_RECORDED_BODY, Finding, Message

BODY = 8_000
"""An evidence body shown in the HTML page (the terminal shows none)."""
CI_BODY = 2_000
"""An evidence body in JUnit's ``system-out``: CI pages are not made for megabytes."""
HEADER = 500
"""One header value or request URL shown in the HTML page or JUnit."""
REPRODUCTION = 1_000
"""A reproduction (``curl …``) shown in the terminal, the HTML page and JUnit."""
TEXT = 2_000
"""A finding's detail, a skip's detail or a note shown in the terminal, HTML or JUnit."""
LINE = 240
"""One line of a summary: a skip detail in the terminal's coverage, a collapsed HTML cell."""
FILE_BODY = MAX_RECORDED_BODY
"""An evidence body in JSON and SARIF: what the scan's transport records, never more."""
FILE_TEXT = 2 * FILE_BODY
"""A reproduction or detail in JSON and SARIF: a recorded body and room for the command."""


def cut(text: str, limit: int, *, size: str | None = None) -> str:
    """``text`` when it fits ``limit``, else its start and ``… [SIZE, truncated]``."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{size or characters(len(text))}, truncated]"


def characters(count: int) -> str:
    """``count`` as a reader's size: ``64,000 characters``."""
    return f"{count:,} characters"


def payload_bytes(message: Message) -> int:
    """The body's real size: its ``Content-Length`` when larger than the recorded body."""
    recorded = len(message.body.encode())
    declared = [
        int(value)
        for name, value in message.headers
        if name.lower() == "content-length" and value.strip().isdigit()
    ]
    return max([recorded, *declared])


def body(message: Message, limit: int) -> str:
    """``message``'s body cut to ``limit``, the cut naming the payload's size in bytes."""
    if len(message.body) <= limit:  # the common case: no need to measure the payload
        return message.body
    return cut(message.body, limit, size=f"{payload_bytes(message):,} bytes")


def reproduction(finding: Finding) -> str:
    """The finding's reproduction as people are shown it (empty when it has none).

    Checks build the reproduction from the last exchange's request, so when it is cut,
    the size given is that request's body in bytes (the reproduction's own length when
    the request had no body).
    """
    text = finding.reproduction or ""
    last = finding.evidence[-1].request if finding.evidence else None
    size = f"{payload_bytes(last):,} bytes" if last is not None and last.body else None
    return cut(text, REPRODUCTION, size=size)


def regenerate(finding: Finding, tool: str) -> str:
    """Where more of a cut request or body is, and how to send it again."""
    more = (
        f"more in the JSON report's evidence (--json keeps bodies up to {FILE_BODY:,} characters)"
    )
    if tool != "scan":
        return more
    operation = f" ({finding.operation})" if finding.operation else ""
    return f"{more}; to send it again: apiward scan … --checks {finding.check}{operation}"
