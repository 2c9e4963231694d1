"""One record behind two paths (``/me`` and ``/admin/users/alice``): how to tell, and what it was.

The ledger snapshots each path before its first write. When probes wrote a record
through one path before the other was read, the second snapshot holds their values;
the first was taken before any of them, so for the fields those writes named it is the
record as found.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any


def same_record(one: Mapping[str, Any], other: Mapping[str, Any], named: Collection[str]) -> bool:
    """Two reads that show one record: a value either path names is in both, and they mostly agree.

    ``named`` are the two paths' values (``alice``). The named value must sit in the same
    field of both (``username: alice``); they must share at least half the fields of the
    smaller, so that ``/accounts/1`` is never ``/users/1`` because both hold ``id: 1``;
    and an ``id`` they both have must agree.
    """
    if "id" in one and "id" in other and one["id"] != other["id"]:
        return False
    shared = one.keys() & other.keys()
    if 2 * len(shared) < min(len(one), len(other)):
        return False
    return any(str(one[k]) in named and one[k] == other[k] for k in shared if _scalar(one[k]))


def as_found(later: dict[str, Any], earlier: Mapping[str, Any], written: Collection[str]) -> None:
    """Set in ``later`` the fields ``written`` through the other path to their ``earlier`` values."""
    for name in set(written) & earlier.keys() & later.keys():
        later[name] = earlier[name]


def _scalar(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)
