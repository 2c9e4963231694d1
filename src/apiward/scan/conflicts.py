"""A creation refused as a conflict (409) is made again with its dates moved on.

A booking takes a desk and a day (``{"deskId": 2, "date": "2026-12-21"}``, the contract's
example); when that day is taken (by a seeded booking, or by another identity's
legitimate request a moment earlier), every identity's creation answers ``409 Desk
already booked`` and nothing that needs one of its own is tested. Unique names are
already new in every request (``scan.values.Fresh``); what collides then is a slot in
time. :func:`moved` shifts each ISO date of the body by whole days, so a retry asks for
the next free day, keeping the example's form (``2026-12-22``, ``2026-12-22T09:00:00Z``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from apiward.scan.request import Request

RETRIES = 3
"""Days moved on at most, one per retry."""
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?=$|T| )")


def moved(request: Request, days: int) -> Request | None:
    """``request`` with every ISO date of its JSON body ``days`` later; None when it has none."""
    if not isinstance(request.body, dict):
        return None
    body = {name: _later(value, days) for name, value in request.body.items()}
    if body == request.body:
        return None
    return dataclasses.replace(request, body=body)


def _later(value: Any, days: int) -> Any:
    if not isinstance(value, str):
        return value
    found = _DATE.match(value)
    if found is None:
        return value
    try:
        day = dt.date(*map(int, found.groups())) + dt.timedelta(days=days)
    except ValueError:
        return value  # not a calendar day after all (2026-13-45)
    return day.isoformat() + value[found.end() :]
