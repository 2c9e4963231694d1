"""Whose data an undeclared field is: a person's, or a place's, an organisation's, an event's.

``excessive_data`` calls an undeclared ``city`` or ``email`` personal data (medium). On a
person (a user, a buyer, a patient) it is. On a venue, a shop, an organisation or an event
it is the address everybody is meant to find: the NestJS trial's public event page showed
its venue's ``city``, and was reported as a leak of personal data. The object a field sits
in is named by the nearest key above it that is no envelope (``venue`` in
``data.venue.city``), else by the operation's collection (``/v1/events/{slug}``).

A plain ``notes`` or ``comment`` is most often what the caller wrote on its own object (an
order's delivery note): only a note marked as someone else's (``internalNotes``,
``staff_comment``, ``adminNote``) is internal data.
"""

from __future__ import annotations

import re

from apiward.scan.envelope import is_meta
from apiward.scan.fields import tokens
from apiward.scan.resources import singular
from apiward.spec import Operation

_PLACES = frozenset(
    {
        "venue", "event", "store", "shop", "company", "organization", "organisation", "org",
        "branch", "office", "site", "warehouse", "building", "hotel", "restaurant", "place",
        "location", "facility", "school", "campus", "business", "merchant", "vendor",
        "supplier", "station", "airport", "clinic", "hospital", "space", "room", "show",
        "concert", "conference", "meetup", "workspace", "team", "tenant", "agency", "brand",
        "product", "listing", "property", "course", "class",
    }
)  # fmt: skip
_ENVELOPES = frozenset({"data", "items", "results", "result", "payload", "records", "rows"})
_NOTES = re.compile(r"note|comment", re.IGNORECASE)
_SOMEONE_ELSES = frozenset({"internal", "staff", "admin", "private", "moderator", "agent", "ops"})


def of_a_place(path: str, operation: Operation) -> bool:
    """True when the field at ``path`` sits in a place's, an organisation's or an event's object."""
    parts = [p.removesuffix("[]") for p in path.split(".")[:-1]]
    holder = next((p for p in reversed(parts) if p not in _ENVELOPES and not is_meta(p)), "")
    if not holder:
        segments = [s for s in operation.path.split("/") if s and not s.startswith("{")]
        holder = segments[-1] if segments else ""
    words = tokens(holder)
    return bool(words) and singular(words[-1].lower()) in _PLACES


def callers_note(name: str) -> bool:
    """True for a plain note or comment field, most often the caller's own words."""
    return bool(_NOTES.search(name)) and not set(tokens(name)) & _SOMEONE_ELSES
