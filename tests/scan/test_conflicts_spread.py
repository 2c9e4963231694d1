"""Creations refused for their time move on by days of their own, not all by one.

The DRF trial's checks made spare bookings of one desk at once: each was refused ("This
space is already booked at that time."), each moved one day on, and they collided again,
so no spare was made for the DELETE BOLA. A retry now moves on by days its own body picks
(its unique values differ), then a day more per retry.
"""

from __future__ import annotations

import asyncio

from harvest_support import reply

from apiward.scan import conflicts
from apiward.scan.request import BodyKind, Request
from apiward.scan.transport import Reply

TAKEN = '{"non_field_errors": ["This space is already booked at that time."]}'


def _booking(title: str) -> Request:
    return Request(
        method="POST",
        path="/api/bookings/",
        operation="POST /api/bookings/",
        body={
            "space": "fixed-desk-12",
            "title": title,
            "starts_at": "2026-01-15T10:00:00Z",
            "ends_at": "2026-01-15T11:00:00Z",
        },
        body_kind=BodyKind.JSON,
    )


def _days_tried(title: str) -> list[int]:
    tried: list[int] = []

    async def refused(retry: Request, days: int) -> Reply:
        tried.append(days)
        return reply(TAKEN, status=400)

    asyncio.run(conflicts.again(_booking(title), reply(TAKEN, status=400), refused))
    return tried


def test_two_spares_move_on_by_different_days() -> None:
    """Three retries each, a day apart, starting where each body puts them."""
    one, other = _days_tried("apiward5387578"), _days_tried("apiward5387579")
    assert len(one) == len(other) == conflicts.RETRIES
    assert one == list(range(one[0], one[0] + conflicts.RETRIES))
    assert not set(one) & set(other)


def test_the_moved_retry_that_gets_through_is_kept() -> None:
    """The first retry not refused for its time is the creation, its dates moved on."""
    sent: list[Request] = []

    async def free(retry: Request, days: int) -> Reply:
        sent.append(retry)
        return reply('{"id": 93}', status=201)

    request = _booking("apiward5387578")
    kept, answer = asyncio.run(conflicts.again(request, reply(TAKEN, status=400), free))
    assert answer.status == 201
    assert kept is sent[0]
    assert isinstance(kept.body, dict)
    assert kept.body["starts_at"] != "2026-01-15T10:00:00Z"
