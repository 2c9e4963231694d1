"""Answers and operations for harvest and withhold tests that feed a harvest by hand."""

from __future__ import annotations

from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation


def reply(body: str, *, status: int = 200, location: str = "") -> Reply:
    """A JSON answer as the transport would give it, with ``Location`` when given."""
    headers = (("location", location),) if location else ()
    exchange = Exchange(
        request=RecordedRequest(method="GET", url="http://127.0.0.1/x"),
        response=RecordedResponse(status=status, body=body),
    )
    return Reply(
        exchange=exchange,
        status=status,
        text=body,
        headers=headers,
        sent=Request(method="GET", path="/x"),
    )


def operation(api: Api, method: str, path: str) -> Operation:
    """The contract's ``method`` on ``path``, which must be there."""
    op = api.operation(method, path)
    assert op is not None
    return op
