"""One request recorded by two traffic files is one request; real repeats stay repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apiward.inventory.observation import Batch, Observation
from apiward.inventory.overlap import once

NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _seen(path: str, at: float, **extra: object) -> Observation:
    return Observation(
        method="GET", path=path, status=200, time=NOON + timedelta(seconds=at), **extra
    )


def _batch(name: str, *observations: Observation) -> Batch:
    return Batch(source=name, format=name, observations=observations)


def test_a_record_pairs_with_one_of_another_file_and_keeps_what_both_knew() -> None:
    """In time order, within 2 s; the HAR's body and the log's client end up on the one request."""
    log = _batch("log", _seen("/a", 0, client="10.0.0.1"), _seen("/a", 5, client="10.0.0.1"))
    har = _batch("har", _seen("/a", 4.6, response_body='{"id": 1}'))
    kept, folded = once([log, har])
    assert folded == 1
    assert [(o.time, o.client, o.response_body) for o in kept] == [
        (NOON, "10.0.0.1", None),
        (NOON + timedelta(seconds=5), "10.0.0.1", '{"id": 1}'),
    ]


def test_repeats_within_one_file_or_beyond_the_window_stay_apart() -> None:
    """Ten calls in one second in one file are ten; one file's ten against another's three
    fold three; a record three seconds away, another status, or no time never folds."""
    log = _batch("log", *(_seen("/a", 0) for _ in range(10)))
    har = _batch(
        "har",
        *(_seen("/a", 0.5) for _ in range(3)),
        _seen("/a", 3.5),
        Observation(method="GET", path="/a", status=500, time=NOON),
        Observation(method="GET", path="/a", status=200),
    )
    kept, folded = once([log, har])
    assert (len(kept), folded) == (13, 3)
    assert once([log]) == (list(log.observations), 0)


def test_three_files_of_one_request_are_one_request() -> None:
    """An access log, a HAR and the guard's audit log of the same call."""
    files = [_batch(name, _seen("/a", at)) for name, at in (("log", 0), ("har", 0.4), ("audit", 1))]
    kept, folded = once(files)
    assert (len(kept), folded) == (1, 2)
