"""A creation refused for its slot in time is made again with its dates moved on.

A booking takes a desk and a day (``{"deskId": 2, "date": "2026-12-21"}``, the contract's
example); when that day is taken (by a seeded booking, or by another identity's
legitimate request a moment earlier), every identity's creation answers ``409 Desk
already booked`` and nothing that needs one of its own is tested. Unique names are
already new in every request (``scan.values.Fresh``); what collides then is a slot in
time. :func:`moved` shifts each ISO date of the body by whole days, so a retry asks for
the next free day, keeping the example's form (``2026-12-22``, ``2026-12-22T09:00:00Z``).
A refusal for its time is a 409, or a 400 or 422 that says so: Django REST Framework's
``{"non_field_errors": ["This space is already booked at that time."]}`` (the DRF trial,
where no booking of the scan's own was made, and no DELETE of one tried).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from apiward.scan.request import Request
from apiward.scan.transport import Reply

RETRIES = 3
"""Retries at most, each a day later than the last."""
SPREAD = 28
"""Days a first retry may move on beyond the first: one request's, not every request's."""
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?=$|T| )")
_TAKEN = re.compile(
    r"already (?:booked|reserved|taken|scheduled|in use)|overlap|clash|conflict|double.?book"
    r"|not available|unavailable",
    re.IGNORECASE,
)


def clashed(reply: Reply) -> bool:
    """True for a refusal of a slot in time: a 409, or a 400/422 saying it is taken."""
    said = reply.status in {400, 422} and _TAKEN.search(reply.text[:2000]) is not None
    return reply.status == 409 or said


async def again(
    request: Request, reply: Reply, send: Callable[[Request, int], Awaitable[Reply]]
) -> tuple[Request, Reply]:
    """``request`` and ``reply``, or the first retry with its dates moved on that was not
    refused for its time (``send(retry, days)`` sends one), at most ``RETRIES``.

    Each request moves on by days of its own (a checksum of its body, whose unique values
    differ): spares made at once for several checks all moved one day on, and collided
    again (the DRF trial's bookings of one desk)."""
    spread = zlib.crc32(json.dumps(request.body, sort_keys=True, default=str).encode()) % SPREAD
    for days in range(spread + 1, spread + RETRIES + 1):
        later = moved(request, days) if clashed(reply) else None
        if later is None:
            break
        reply = await send(later, days)
        if not clashed(reply):
            return later, reply
    return request, reply


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
