"""A creation sent into another tenant: the caller's tenant reference set to another's.

What a member makes carries its tenant, the value its own record holds (``company_id: 1``
in a recruiter's ``GET /me``, and on the job it posts). Identifiers are never privilege
candidates (``checks._creation``), so a creation that takes that field from its body was
never tried with another tenant's value: the Rails trial's recruiter posted jobs into
another company (``company_id``), the Go trial's dispatcher shipments into another
organisation (``orgId``), and neither was found. A top-level field of the control's new
object is such a reference when

* its name says identifier (``company_id``, ``orgId``) or is the bare noun of a collection
  whose items have a path (``"organisation": 2``, as Django REST Framework writes it),
* the caller's own record (``checks._recipients.own_values``) holds the very value the
  object got there, and
* another identity's own record holds another value under that name: its tenant.

A field naming the object's owner (``owner_id``, ``user_id``: ``scan.fields.names_owner``)
holding the caller's own ``id`` is one too, moved to another identity's ``id``: the Tornado
trial's ``POST /api/v2/devices`` took ``owner_id`` from its body and registered a device in
another user's fleet, and the probe had been skipped as "none in what it makes".

The probe is the control naming that other value; ``checks._creation`` sends it, reads the
new object back and deletes it. Never under ``--safe``: until the restore deletes it, the
object is in another tenant's records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiward.scan.checks._recipients import own_values
from apiward.scan.context import Context
from apiward.scan.fields import names_owner
from apiward.scan.fitting import IDLIKE, KEYS, item_nouns
from apiward.scan.identities import Identity
from apiward.scan.resources import norm
from apiward.scan.values import rank


@dataclass(frozen=True, slots=True, kw_only=True)
class Move:
    """A tenant reference of the caller's new object, and another identity's value for it."""

    name: str
    mine: str | int
    theirs: str | int
    owner: str
    """The identity whose own record holds ``theirs``."""


def moves(ctx: Context, caller: Identity, made: Mapping[str, Any]) -> list[Move]:
    """The tenant references of ``made`` (the caller's new object), each with another's value."""
    if ctx.safe:
        return []
    nouns = item_nouns(ctx.api)
    mine = own_values(ctx, caller)
    others = sorted(
        (i for i in ctx.identities if i.name != caller.name),
        key=lambda i: (rank(i.role), i.rank or 0),
    )
    found: list[Move] = []
    for name, value in made.items():
        if not _reference(name, value, nouns) or str(_own(mine, name)) != str(value):
            continue
        for other in others:
            theirs = _own(own_values(ctx, other), name)
            if theirs is not None and str(theirs) != str(value):
                found.append(Move(name=name, mine=value, theirs=theirs, owner=other.name))
                break
    return found


def names(ctx: Context) -> frozenset[str]:
    """The references two identities' own records hold with different values: what a
    creation may be moved by (none under ``--safe``)."""
    if ctx.safe:
        return frozenset()
    nouns = item_nouns(ctx.api)
    values: dict[str, set[str]] = {}
    for identity in ctx.identities:
        for name, value in own_values(ctx, identity).items():
            if _reference(name, value, nouns):
                values.setdefault(name, set()).add(str(value))
    return frozenset(name for name, seen in values.items() if len(seen) > 1)


def owners_differ(ctx: Context) -> bool:
    """True when two identities' own ids differ: an owner field may be moved (not ``--safe``)."""
    ids = {str(v) for i in ctx.identities if (v := own_values(ctx, i).get("id")) is not None}
    return not ctx.safe and len(ids) > 1


def _own(values: Mapping[str, str | int], name: str) -> str | int | None:
    """An identity's value for ``name``: under that name, else its own ``id`` for an owner."""
    if name in values:
        return values[name]
    return values.get("id") if names_owner(name) else None


def _reference(name: str, value: Any, nouns: Mapping[str, str]) -> bool:
    """True for a field that names another object: an id-like name or a collection's noun,
    never an object's own key (``id``)."""
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return False
    if name.lower() in KEYS:
        return False
    return bool(IDLIKE.search(name)) or norm(name) in nouns
