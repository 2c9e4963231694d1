"""Audit events: JSONL round trip and a hash chain that shows tampering."""

from __future__ import annotations

import dataclasses

from apiward.core.events import GENESIS, AuditEvent


def _event(n: int) -> AuditEvent:
    return AuditEvent(
        ts=f"2026-11-29T06:00:0{n}Z",
        kind="request",
        request_id=f"r{n}",
        method="GET",
        path=f"/api/v2/accounts/{1000 + n}",
        route="/api/v2/accounts/{account_id}",
        client="127.0.0.1",
        outcome="allowed",
        status=200,
        query=("limit",),
    )


def _chain(count: int) -> list[AuditEvent]:
    events, prev = [], GENESIS
    for n in range(count):
        event = _event(n).chained(prev)
        events.append(event)
        prev = event.hash
    return events


def test_event_round_trips_through_jsonl() -> None:
    """An event written as a JSONL line reads back equal."""
    event = _chain(1)[0]
    assert AuditEvent.from_json(event.to_json()) == event


def test_chain_links_each_event_to_the_one_before() -> None:
    """Each event's prev is the previous hash, and every hash verifies."""
    events = _chain(3)
    assert events[0].prev == GENESIS
    assert [e.prev for e in events[1:]] == [e.hash for e in events[:-1]]
    assert all(e.verify() for e in events)


def test_an_edited_event_no_longer_verifies() -> None:
    """Changing any field after hashing breaks the event's own hash."""
    event = _chain(1)[0]
    assert not dataclasses.replace(event, status=403).verify()
    assert not dataclasses.replace(event, prev="f" * 64).verify()


def test_unknown_keys_are_ignored_when_reading() -> None:
    """A newer writer's extra keys do not stop an older reader."""
    line = _chain(1)[0].to_json().replace(b'{"client"', b'{"future":1,"client"')
    assert AuditEvent.from_json(line).request_id == "r0"
