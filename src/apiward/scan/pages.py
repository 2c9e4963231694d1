"""The next page of a listing: where an answer says more rows remain, and how to ask for them.

A listing's first page is not all an identity may see. A public channel's messages that
bob's first page does not reach are still his to read, and taking them for alice's alone
made bob reading one a BOLA. APIs page three ways, each read off the answer itself:

* a ``next`` link (``{"count", "next", "results"}``, ``links.next``, HAL's
  ``_links.next.href``), followed only on the listing's own path;
* an offset the contract's query takes (``offset``, ``skip``, ``$skip``, ``start``) and a
  total the answer gives (``{"total", "limit", "skip", "data"}``): the next offset is this
  one plus the rows this page held, while it is below the total;
* a page number the query takes (``page``, ``pageNumber``) and an answer that says more
  pages follow (``total_pages``/``last_page`` above this page, ``has_more``/``hasNext``).

An answer that says none of this has no next page: nothing is guessed from a full page.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from apiward.scan._objects import Reader, state
from apiward.scan.envelope import objects
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation, ParameterLocation
from apiward.spec.model import json_types

HARVESTED = 5
"""Pages of one listing the harvest reads per identity, the first included."""
SOUGHT = 10
"""Pages of a listing read, the first included, to find one object picked from it."""
_OFFSET = re.compile(r"^\$?(offset|skip|start|start_?index)$", re.IGNORECASE)
_PAGE = re.compile(r"^(page|current_?page|page_?number|page_?index|page_?no|pg)$", re.IGNORECASE)
_TOTAL = re.compile(
    r"^(total|count|total_?count|total_?(items|results|elements|records)|totalItems)$",
    re.IGNORECASE,
)
_PAGES = re.compile(r"^(total_?pages|page_?count|last_?page|pages|num_?pages)$", re.IGNORECASE)
_MORE = re.compile(r"^(has_?more|has_?next(_?page)?|more)$", re.IGNORECASE)
_HOLDERS = re.compile(r"^(meta|metadata|pagination|paging|page_?info|links|_links)$", re.I)
"""Where an envelope keeps its paging facts besides its top level."""


def following(op: Operation, reply: Reply, base_url: str) -> Request | None:
    """The request for the page after ``reply``'s, or None when it was the last (or says nothing)."""
    data = reply.data
    rows = objects(data) if reply.ok else None
    if not rows or not isinstance(data, dict):
        return None
    facts = _facts(data)
    sent = reply.sent
    link = _link(facts.get("next"))
    if link is not None:
        return _same_listing(sent, link, base_url)
    offset = _query_name(op, _OFFSET)
    total = _number(_named(facts, _TOTAL))
    if offset is not None and total is not None:
        at = _number(sent.value(Where.QUERY, offset))
        at = at if at is not None else _number(_named(facts, _OFFSET)) or 0
        after = at + len(rows)
        return sent.with_param(Where.QUERY, offset, after) if after < total else None
    page = _query_name(op, _PAGE)
    if page is not None:
        this = _number(sent.value(Where.QUERY, page))
        this = this if this is not None else _number(_named(facts, _PAGE))
        last, more = _number(_named(facts, _PAGES)), _named(facts, _MORE)
        if this is not None and (more is True or (last is not None and this < last)):
            return sent.with_param(Where.QUERY, page, this + 1)
    return None


async def holding(
    api: Api,
    read: Reader,
    reply: Reply,
    base_url: str,
    send: Callable[[Request], Awaitable[Reply]],
) -> Reply:
    """``reply`` to ``read``, or, for a listing the object is picked from, the first page
    after it that holds the object (the last read when none does, ``SOUGHT`` pages in all).

    The Django Ninja trial's seeded users sat on its admin listing's first page when the
    scan began and on the second by the restore, behind the accounts the scan had made:
    they were called deleted.
    """
    listed = read.pick is not None and not read.one
    op = api.operation("GET", read.read.path) if listed else None
    for _ in range(SOUGHT - 1):
        found = state(read, reply) is not None
        request = None if op is None or found else following(op, reply, base_url)
        if request is None:
            break
        reply = await send(request)
    return reply


def _facts(data: Mapping[str, Any]) -> dict[str, Any]:
    """The answer's top-level scalars and those of its paging holders (``meta``, ``links``)."""
    facts = {k: v for k, v in data.items() if not isinstance(v, list | dict)}
    for key, value in data.items():
        if isinstance(value, dict) and _HOLDERS.match(key):
            for name, inner in value.items():
                facts.setdefault(name, inner)
    return facts


def _link(value: Any) -> str | None:
    """A next link: a string, or HAL's ``{"href": ...}``."""
    if isinstance(value, dict):
        value = value.get("href")
    return value if isinstance(value, str) and value else None


def _same_listing(sent: Request, link: str, base_url: str) -> Request | None:
    """``sent`` with the link's query, when the link names the same path on the same host."""
    where, base = urlsplit(link), urlsplit(base_url)
    here = sent.target.split("?")[0]
    path = where.path.removeprefix(base.path.rstrip("/")) if where.path else here
    if (where.netloc and where.netloc != base.netloc) or path != here:
        return None  # another host or another path: never followed
    query = tuple(parse_qsl(where.query))
    return dataclasses.replace(sent, query=query) if query != sent.query else None


def _query_name(op: Operation, pattern: re.Pattern[str]) -> str | None:
    """The query parameter of ``op`` that ``pattern`` names and that takes a number (a
    ``start`` date is no offset)."""
    for p in op.parameters:
        types = json_types(p.schema)
        numeric = not types or bool(types & {"integer", "number"})
        if p.location is ParameterLocation.QUERY and pattern.match(p.name) and numeric:
            return p.name
    return None


def _named(facts: Mapping[str, Any], pattern: re.Pattern[str]) -> Any:
    """The value of the first fact ``pattern`` names (None: none does)."""
    return next((v for k, v in facts.items() if pattern.match(k)), None)


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
