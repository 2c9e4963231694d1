"""Which path id names a parent of a collection: members of it may read and add to it.

``bola`` does not try, in such a slot, an object the attacker's own listing shows it (a
workspace it belongs to). A part of the object itself is no collection: ``PUT
/users/{username}/email`` changes that user (the zoo library's planted BOLA, missed while
every literal after a path id counted).
"""

from __future__ import annotations

from pathlib import Path

from apiward.scan.checks._parents import above
from apiward.scan.fitting import Slot
from apiward.scan.request import Where
from apiward.spec import load

CONTRACT = """
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /workspaces/{slug}/projects:
    get: {responses: {'200': {description: ok}}}
  /workspaces/{slug}/projects/{project_id}:
    get: {responses: {'200': {description: ok}}}
  /users/{username}/email:
    put: {responses: {'200': {description: ok}}}
"""


def _slot(name: str) -> Slot:
    return Slot(where=Where.PATH, name=name, schema={"type": "string"})


def test_a_parent_is_followed_by_a_collection_the_contract_keeps_items_in(tmp_path: Path) -> None:
    """``{slug}`` above ``/projects``; not ``{username}`` above ``/email``, nor the last id."""
    (tmp_path / "spec.yaml").write_text(CONTRACT)
    api = load(tmp_path / "spec.yaml")
    listing = api.operation("GET", "/workspaces/{slug}/projects")
    item = api.operation("GET", "/workspaces/{slug}/projects/{project_id}")
    email = api.operation("PUT", "/users/{username}/email")
    assert listing is not None
    assert item is not None
    assert email is not None
    assert above(api, listing, _slot("slug"))
    assert above(api, item, _slot("slug"))
    assert not above(api, item, _slot("project_id"))
    assert not above(api, email, _slot("username"))
