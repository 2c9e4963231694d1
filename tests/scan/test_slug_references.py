"""A booking as Django REST Framework takes it: its space by slug, its end after its start.

The DRF trial's ``POST /api/bookings/`` takes ``space`` as a ``SlugRelatedField`` (a string,
``"lovelace"``, the space's lookup field) and ``starts_at``/``ends_at`` as ``date-time``.
The scan sent ``"space": 2`` (the space's id) and ``ends_at`` equal to ``starts_at``: every
booking was refused, so nothing of the scan's own could be deleted across organisations,
and its DELETE BOLA was never tried. A field named by a collection's noun takes that
collection's item path parameter (``slug``) where it is not a bare id; an organisation's slug
(``acme``, another collection keyed the same way) does not fit it; an end comes after its
start whatever its declared format.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from harvest_support import operation, reply

from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply
from apiward.spec import Api, load

ALICE = Identity(name="alice", headers={"Authorization": "Bearer alice"})
SPEC = """
openapi: 3.0.3
info: {title: Deskhub, version: 1.0.0}
paths:
  /api/spaces/:
    get:
      responses: {'200': {description: spaces}}
  /api/spaces/{slug}/:
    get:
      parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: a space}}
  /api/organisations/:
    get:
      responses: {'200': {description: organisations}}
  /api/organisations/{slug}/:
    get:
      parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: an organisation}}
  /api/bookings/:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [space, title, starts_at, ends_at]
              properties:
                space: {type: string}
                title: {type: string, maxLength: 120}
                starts_at: {type: string, format: date-time}
                ends_at: {type: string, format: date-time}
      responses: {'201': {description: booked}}
"""


def _listing(rows: list[dict[str, Any]]) -> Reply:
    """A DRF page of ``rows``."""
    return reply(json.dumps({"count": len(rows), "next": None, "previous": None, "results": rows}))


def _harvested(tmp_path: Path) -> tuple[Api, Request]:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    api = load(path)
    synthesizer = Synthesizer(api, url="http://127.0.0.1:9/canary")
    harvest = Harvest(synthesizer)
    spaces = [{"id": 2, "slug": "lovelace", "name": "Lovelace room", "floor": 1}]
    organisations = [{"id": 1, "slug": "acme", "name": "Acme"}]
    harvest.record(ALICE, operation(api, "GET", "/api/spaces/"), _listing(spaces))
    harvest.record(ALICE, operation(api, "GET", "/api/organisations/"), _listing(organisations))
    booking = operation(api, "POST", "/api/bookings/")
    return api, harvest.baseline(synthesizer.request(booking), booking, ALICE)


def test_a_slug_related_field_takes_the_slug(tmp_path: Path) -> None:
    """``space`` is the space's slug: not its id, not an organisation's slug."""
    _, request = _harvested(tmp_path)
    assert isinstance(request.body, dict)
    assert request.body["space"] == "lovelace"


def test_a_booking_ends_after_it_starts(tmp_path: Path) -> None:
    """``ends_at`` (format date-time) comes after ``starts_at``."""
    _, request = _harvested(tmp_path)
    assert isinstance(request.body, dict)
    starts, ends = (datetime.fromisoformat(request.body[k]) for k in ("starts_at", "ends_at"))
    assert ends > starts
