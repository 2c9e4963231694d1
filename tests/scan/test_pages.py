"""The next page of a listing, read off the answer: a link, an offset below a total, a page below the last."""

from __future__ import annotations

import json
from typing import Any

from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse
from apiward.scan.pages import following
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.spec import Operation, Parameter, ParameterLocation

BASE = "http://127.0.0.1:8000/api"
ROWS = [{"id": i} for i in range(5)]


def _listing(*query: tuple[str, dict[str, Any]]) -> Operation:
    return Operation(
        method="GET",
        path="/posts",
        parameters=tuple(
            Parameter(name=name, location=ParameterLocation.QUERY, schema=schema)
            for name, schema in query
        ),
    )


def _reply(body: Any, *query: tuple[str, str], status: int = 200) -> Reply:
    request = Request(method="GET", path="/posts", operation="GET /posts", query=query)
    exchange = Exchange(
        request=RecordedRequest(method="GET", url=f"{BASE}/posts", headers=()),
        response=RecordedResponse(status=status, headers=()),
    )
    return Reply(exchange=exchange, status=status, text=json.dumps(body), headers=(), sent=request)


NUMBER = {"type": "integer"}


def _next(op: Operation, reply: Reply) -> str | None:
    """Where the page after ``reply``'s is asked for (None: there is none)."""
    request = following(op, reply, BASE)
    return request.target if request is not None else None


def test_a_next_link_on_the_same_listing_is_followed_with_its_query() -> None:
    """DRF's absolute link, a path-relative one and HAL's href all name the next page."""
    plain = _listing(("cursor", {"type": "string"}))
    for link in (
        f"{BASE}/posts?cursor=abc",
        "/api/posts?cursor=abc",
        "?cursor=abc",
    ):
        assert _next(plain, _reply({"next": link, "results": ROWS})) == "/posts?cursor=abc", link
    hal = {"_embedded": ROWS, "_links": {"next": {"href": "/api/posts?page=2"}}}
    assert _next(plain, _reply(hal)) == "/posts?page=2"


def test_a_link_to_another_host_or_path_is_never_followed() -> None:
    """The link is the API's to write: it never sends the scan's credentials elsewhere."""
    plain = _listing()
    for link in (
        "http://evil.test/api/posts?cursor=abc",
        f"{BASE}/admin/users?cursor=abc",
        f"{BASE}/posts",  # the same page again
    ):
        assert _next(plain, _reply({"next": link, "results": ROWS})) is None, link


def test_an_offset_moves_by_the_rows_read_while_it_is_below_the_total() -> None:
    """Feathers' ``$skip`` into ``{"total", "limit", "skip", "data"}``."""
    op = _listing(("$skip", NUMBER), ("$limit", NUMBER))
    first = _reply({"total": 12, "limit": 5, "skip": 0, "data": ROWS})
    assert _next(op, first) == "/posts?%24skip=5"
    last = _reply({"total": 12, "limit": 5, "skip": 10, "data": ROWS[:2]}, ("$skip", "10"))
    assert _next(op, last) is None


def test_a_page_number_moves_on_while_the_answer_says_more_follow() -> None:
    """Laravel's ``meta.last_page``, or a ``has_more`` flag."""
    op = _listing(("page", NUMBER))
    laravel = {"data": ROWS, "meta": {"current_page": 1, "last_page": 3}}
    assert _next(op, _reply(laravel)) == "/posts?page=2"
    done = {"data": ROWS, "meta": {"current_page": 3, "last_page": 3}}
    assert _next(op, _reply(done, ("page", "3"))) is None
    assert _next(op, _reply({"has_more": True, "data": ROWS}, ("page", "4"))) == "/posts?page=5"


def test_nothing_is_guessed_where_the_answer_says_nothing() -> None:
    """A full page with no total, a date named ``start``, an error, an object: no next page."""
    offset = _listing(("offset", NUMBER))
    assert _next(offset, _reply({"data": ROWS})) is None
    dated = _listing(("start", {"type": "string", "format": "date"}))
    assert _next(dated, _reply({"total": 99, "data": ROWS})) is None
    assert _next(offset, _reply({"total": 99, "data": ROWS}, status=500)) is None
    assert _next(offset, _reply({"id": 7, "total": 99})) is None
