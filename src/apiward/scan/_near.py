"""Which of the objects an identity saw, but does not own, are nearest to it.

An identity that owns nothing a slot takes (a tenant's parent: the organisation a venue
is added under, ``POST /orgs/{orgId}/venues``) names what it saw there. An API shows a
member of one tenant the ids of others in many places: a public catalogue's ``orgId``,
a support listing it should not reach (``GET /admin/users``). Taking the first one seen
sent Blue Note's manager to create under Acme's organisation, where he was refused, so he
owned nothing there and no BOLA write had an object of his own to start from (the Nest
trial's). So the nearest come first:

0. what the identity's own record names (``orgId`` in its ``GET /me``);
1. what a listing it is entitled to shows it (``scan.listed``) and not every identity
   (its organisations, not a catalogue everybody lists);
2. the rest;
3. what it saw only in a listing the contract marks as a higher role's (a leak, not its own).

The sort is stable: within a rank, the order the sightings came in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from apiward.scan.fitting import Sighting
from apiward.scan.listed import Listed


def nearest_first(
    seen: Sequence[Sighting],
    record: Mapping[str, str | int],
    listed: Listed,
    people: Collection[str],
    beyond: Collection[Sighting],
) -> list[Sighting]:
    """``seen`` (one identity's sightings), nearest to that identity first.

    ``record``: its own record's values; ``people``: every identity's name; ``beyond``:
    sightings in listings above their viewer (``Harvest.record(beyond=True)``).
    """
    own = {str(v) for v in record.values()}

    def rank(s: Sighting) -> int:
        if s in beyond:
            return 3
        if str(s.value) in own:
            return 0
        if listed.has(s.identity, s.kind, s.value) and not all(
            listed.has(p, s.kind, s.value) for p in people
        ):
            return 1
        return 2

    return sorted(seen, key=rank)
