"""Where a creation's answer says the new object lives: its ``Location`` header, its self link.

An item path keyed by something other than the object's id (``/properties/{property_id}/
units/{unit_number}``, ``/workspaces/{workspaceSlug}``) names the object by a field the
answer calls otherwise (``number``, ``slug``), or by none at all; the object's id (``22``)
there answers 404. The Flask trial's units and the Fastify trial's workspaces were
deleted, and read back, by their ids: each answered 404, so they stayed while the report
called them deleted. The answer often gives the very path: the ``Location`` header, HAL's
``_links.self.href``, JSON:API's ``links.self``. The value at the parameter's place in it
is the object's key there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from apiward.scan.envelope import OBJECT_KEYS


def key_in_links(item: str, name: str, data: Any, location: str | None) -> str | None:
    """The value of ``{name}`` in the path of item path ``item`` that the answer links to.

    ``data`` is the creation's answer, ``location`` its ``Location`` header. The link's
    path must end with the item path, its literal segments as they are (a base path, such
    as ``/api/v2``, may come before them).
    """
    pattern = _template(item, name)
    if pattern is None:
        return None
    for link in _links(data, location):
        found = pattern.search(urlsplit(link).path)
        if found is not None and found.group("key"):
            return unquote(found.group("key"))
    return None


def _template(item: str, name: str) -> re.Pattern[str] | None:
    segments = item.strip("/").split("/")
    if "{" + name + "}" not in segments:
        return None
    parts = [
        "(?P<key>[^/]+)"
        if s == "{" + name + "}"
        else "[^/]+"
        if s.startswith("{")
        else re.escape(s)
        for s in segments
    ]
    return re.compile("(?:^|/)" + "/".join(parts) + "/?$")


def _links(data: Any, location: str | None) -> Iterator[str]:
    """The Location header, then the object's own self links (HAL, JSON:API, a bare ``self``)."""
    if location:
        yield location
    bodies = [data] if isinstance(data, dict) else []
    bodies += [data[e] for e in OBJECT_KEYS if bodies and isinstance(data.get(e), dict)]
    for body in bodies:
        for links in (body.get("_links"), body.get("links")):
            if isinstance(links, dict):
                yield from _hrefs(links.get("self"))
        yield from _hrefs(body.get("self"))


def _hrefs(link: Any) -> Iterator[str]:
    if isinstance(link, str) and link:
        yield link
    elif isinstance(link, dict) and isinstance(link.get("href"), str):
        yield link["href"]
