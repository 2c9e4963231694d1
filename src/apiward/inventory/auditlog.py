"""The guard's audit log (JSONL of :class:`~apiward.core.events.AuditEvent`) as traffic.

Only ``request`` events that reached the API become observations: ``decision`` and
``alert`` events describe a request already logged, and a request the guard refused, or a
CORS preflight it answered itself, says nothing of what the API serves (a refused
``/projects/../admin/users`` is no endpoint); a note counts them. Events carry query
parameter *names* and no bodies, so the sensitive-data map gets nothing from this source
but the contract. The hash chain's links are checked on the way, and its hashes when the
log is unkeyed (a keyed log's need the key: ``apiward guard verify-log --key``); an edited
log is worth a note, not a refusal to read it.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from apiward.core.events import GENESIS, AuditEvent
from apiward.inventory.observation import Batch, Observation, media_type, parse_iso

NAME = "audit"


def sniff(head: str) -> bool:
    """Whether the file starts like an audit log: a JSON object with the event's keys."""
    first = next((line for line in head.splitlines() if line.strip()), "")
    try:
        data = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(data, dict) and {"ts", "kind", "method", "path"} <= data.keys()


def read(path: Path, source: str) -> Batch:
    """Every request event of the log, with junk lines counted and the chain checked."""
    observations: list[Observation] = []
    skipped: list[int] = []
    broken: list[int] = []
    guarded = 0
    keyed: bool | None = None
    previous = GENESIS
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            event = _event(line)
            if event is None:
                skipped.append(number)
                continue
            verified = keyed or event.verify()
            if keyed is None:  # the first event says whether its hashes can be checked here
                keyed, verified = not verified, True
            if event.prev != previous or not verified:
                broken.append(number)
            previous = event.hash
            if event.kind != "request":
                continue
            if event.outcome == "refused" or event.extra.get("cors") == "preflight":
                guarded += 1
                continue
            observations.append(observation(event, f"{source}:{number}"))
    return Batch(
        source=source,
        format=NAME,
        observations=tuple(observations),
        skipped=len(skipped),
        first_skipped=skipped[0] if skipped else None,
        notes=(*_chain_note(source, broken, bool(keyed)), *_guard_note(source, guarded)),
    )


def _event(line: bytes) -> AuditEvent | None:
    try:
        return AuditEvent.from_json(line)
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return None


def observation(event: AuditEvent, where: str) -> Observation:
    """A request event as the observation inventory clusters."""
    return Observation(
        method=event.method.upper(),
        path=event.path,
        query=tuple(event.query),
        status=event.status,
        time=parse_iso(event.ts),
        request_content_type=media_type(event.request_content_type),
        response_content_type=media_type(event.response_content_type),
        client=event.client or None,
        route=event.route,
        source=where,
    )


def _chain_note(source: str, broken: list[int], keyed: bool) -> tuple[str, ...]:
    if broken:
        return (
            f"{source}:{broken[0]}: the audit log's hash chain is broken "
            f"({len(broken)} event(s) do not link to the one before): it was edited or truncated",
        )
    if keyed:
        return (
            f"{source}: the audit log is keyed: its links were checked, its hashes need the "
            "key (apiward guard verify-log --key)",
        )
    return ()


def _guard_note(source: str, guarded: int) -> tuple[str, ...]:
    if not guarded:
        return ()
    return (
        f"{source}: {guarded} request(s) the guard refused or answered itself (CORS "
        "preflights) are left out: they never reached the API",
    )
