"""One request recorded by two sources is one request.

A HAR exported from the browser and the server's access log of the same hour hold the
same requests twice: counted as they are, every endpoint's calls doubled. Two records from
different files are the same request when method, path, query names and status agree and
their times are at most ``WITHIN`` seconds apart (an access log keeps whole seconds, and
the two clocks are not the same clock). Records pair in time order, each at most once with
each other file, so that ten real calls in one second stay ten. The request kept carries
what either record knew (the HAR's bodies, the log's client).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from apiward.inventory.observation import Batch, Observation

WITHIN = timedelta(seconds=2)

_Key = tuple[str, str, tuple[str, ...], int | None]


def once(batches: Sequence[Batch]) -> tuple[list[Observation], int]:
    """Every batch's observations with cross-file duplicates folded, and how many were folded."""
    kept = list(batches[0].observations) if batches else []
    folded = 0
    for batch in batches[1:]:
        kept, count = _fold(kept, batch.observations)
        folded += count
    return kept, folded


def _fold(kept: list[Observation], new: Sequence[Observation]) -> tuple[list[Observation], int]:
    """``kept`` with ``new``'s records of the same requests merged in, and the rest added."""
    earlier: dict[_Key, list[tuple[datetime, int]]] = defaultdict(list)
    for index, seen in enumerate(kept):
        if seen.time is not None:
            earlier[_key(seen)].append((seen.time, index))
    arriving: dict[_Key, list[tuple[datetime, int]]] = defaultdict(list)
    added = []
    for index, seen in enumerate(new):
        if seen.time is None:
            added.append(seen)
        else:
            arriving[_key(seen)].append((seen.time, index))
    merged, folded = list(kept), 0
    for key, records in arriving.items():
        candidates = sorted(earlier.get(key, []))
        at = 0
        for time, index in sorted(records):
            while at < len(candidates) and candidates[at][0] < time - WITHIN:
                at += 1
            if at < len(candidates) and candidates[at][0] <= time + WITHIN:
                twin = candidates[at][1]
                merged[twin] = _merged(merged[twin], new[index])
                folded += 1
                at += 1  # paired once
            else:
                added.append(new[index])
    return merged + added, folded


def _key(seen: Observation) -> _Key:
    return (seen.method, seen.path, seen.query, seen.status)


def _merged(first: Observation, second: Observation) -> Observation:
    """``first`` with what only ``second`` knew filled in."""
    gaps = {
        field.name: getattr(second, field.name)
        for field in dataclasses.fields(first)
        if getattr(first, field.name) in (None, "", ()) and getattr(second, field.name)
    }
    return dataclasses.replace(first, **gaps) if gaps else first
