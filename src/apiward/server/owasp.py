"""The findings list's OWASP filter: each check's OWASP category, learnt once from the store.

A finding's OWASP id is in its recorded body, not in the tracked state the list reads,
and a check's id is the same on every finding it reports. So the filter is a set of
checks: the category's. Each check's category is read once per process, from one finding
of it (a 2019 id is read as the 2023 category that took it in, as reports show it), and
kept: the lookup runs again only when the store holds a check not seen before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from fastapi import Request
from sqlalchemy import Connection, func, select

from apiward.report.summary import category_name, category_of, category_order
from apiward.server.queries import Filters
from apiward.store.tables import findings, states


class CheckCategories:
    """Each check's 2023 OWASP category (``API1:2023``, ``Injection``, ``other``...), cached."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def of(self, connection: Connection, checks: Iterable[str]) -> dict[str, str]:
        """The category of each of ``checks`` (looked up in the store when not yet known)."""
        wanted = set(checks)
        with self._lock:
            missing = sorted(wanted - self._known.keys())
        if missing:
            found = _lookup(connection, missing)
            with self._lock:
                self._known.update(found)
        with self._lock:
            return {check: self._known[check] for check in wanted if check in self._known}


def choices(categories: dict[str, str]) -> list[tuple[str, str]]:
    """The categories present, in OWASP order, as ``(value, label)`` for the filter."""
    present = sorted(set(categories.values()), key=category_order)
    return [(cat, category_name(cat)) for cat in present]


def checks_in(categories: dict[str, str], category: str) -> tuple[str, ...]:
    """The checks whose category is ``category``, sorted."""
    return tuple(sorted(check for check, cat in categories.items() if cat == category))


def _lookup(connection: Connection, checks: list[str]) -> dict[str, str]:
    first = (
        select(func.min(findings.c.id))
        .where(findings.c.check.in_(checks))
        .group_by(findings.c.check)
        .scalar_subquery()
    )
    rows = connection.execute(
        select(findings.c.check, findings.c.body["owasp"].as_string()).where(
            findings.c.id.in_(first)
        )
    )
    return {check: category_of(owasp) for check, owasp in rows}


def narrowed(
    connection: Connection, categories: CheckCategories, filters: Filters, owasp: str
) -> Filters:
    """``filters`` narrowed to the checks of OWASP category ``owasp`` (unchanged when empty)."""
    if not owasp:
        return filters
    tracked = connection.execute(select(states.c.check).distinct()).scalars().all()
    return replace(filters, checks=checks_in(categories.of(connection, tracked), owasp))


def categories_of(request: Request) -> CheckCategories:
    """The app's cache of check categories."""
    found: CheckCategories = request.app.state.owasp
    return found
