"""One record behind two paths (``/me`` and ``/admin/users/alice``): how to tell, and what it was.

The ledger snapshots each path before its first write. When probes wrote a record
through one path before the other was read, the second snapshot holds their values;
the first was taken before any of them, so for the fields those writes named it is the
record as found.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from apiward.scan._objects import ROW_IDS, VOLATILE
from apiward.scan.resources import collection_of, singular

if TYPE_CHECKING:
    from apiward.scan.entries import Snapshot


def same_record(
    one: Mapping[str, Any],
    other: Mapping[str, Any],
    named: Collection[str],
    *,
    paths: tuple[str, str],
    written: Collection[str],
) -> bool:
    """Two reads that show one record: a value either path names is in both, and they agree.

    ``named`` are the two paths' values (``alice``), ``paths`` their templates and
    ``written`` the fields probes wrote through the first. Ids repeat from table to table
    (an organisation 1 and its customer 1), so: a path and one under it are parent and
    child, never one record; two paths that both name an object must name one of the
    same collection (``/users/{id}``, ``/admin/users/{name}``); the named value must sit
    in the same field of both (``username: alice``); they must share at least half the
    fields of the smaller, so that ``/accounts/1`` is never ``/users/1`` because both
    hold ``id: 1``; and every field they share agrees, but those written and those the
    target changes itself (``updated_at``).
    """
    if _parent_and_child(*paths) or _collections_differ(*paths):
        return False
    shared = one.keys() & other.keys()
    if 2 * len(shared) < min(len(one), len(other)):
        return False
    kept = {k for k in shared if k not in written and not VOLATILE.search(k)}
    if any(one[k] != other[k] for k in kept):
        return False
    return any(str(one[k]) in named and one[k] == other[k] for k in shared if _scalar(one[k]))


def _parent_and_child(one: str, other: str) -> bool:
    first, second = one.rstrip("/"), other.rstrip("/")
    return second.startswith(first + "/") or first.startswith(second + "/")


def _collections_differ(one: str, other: str) -> bool:
    kinds = [_collection(path) for path in (one, other)]
    return None not in kinds and kinds[0] != kinds[1]


def _collection(path: str) -> str | None:
    """The singular collection of the object ``path`` names by its last segment, if it does."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if not (last.startswith("{") and last.endswith("}")):
        return None
    found = collection_of(path.rstrip("/"), last[1:-1])
    return singular(found) if found is not None else None


def as_found(later: dict[str, Any], earlier: Mapping[str, Any], written: Collection[str]) -> None:
    """Set in ``later`` the fields ``written`` through the other path to their ``earlier`` values."""
    for name in set(written) & earlier.keys() & later.keys():
        later[name] = earlier[name]


def _scalar(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def inherit(snapshot: Snapshot, earlier: Iterable[Snapshot]) -> None:
    """Take, from an earlier snapshot of the same record, the fields its writes named."""
    before = snapshot.before
    if not isinstance(before, dict):
        return
    for other in earlier:
        if not (other.writes and isinstance(other.before, dict)):
            continue
        named = {str(v) for s in (other, snapshot) for v in s.read.item.path_params.values()}
        written = {k for w, _ in other.writes if isinstance(w.body, dict) for k in w.body}
        paths = (other.read.item.path, snapshot.read.item.path)
        if _one_own(other, snapshot) or same_record(
            other.before, before, named, paths=paths, written=written
        ):
            as_found(before, other.before, written)


def _one_own(one: Snapshot, other: Snapshot) -> bool:
    """One path that names no object (``/team``: each caller's own), read by two identities
    whose answers hold the same id: one record, whatever else moved between the reads.

    The Express trial's team, read by each of its four members in turn, was snapshotted by
    the last after probes had renamed it as the first, and the restore wrote the probe's
    name back.
    """
    first, second = one.read.item, other.read.item
    if first.target != second.target or first.path_params or first.query:
        return False
    ids = [k for k in ROW_IDS if _scalar(one.before.get(k))]
    return bool(ids) and all(one.before[k] == other.before.get(k) for k in ids)
