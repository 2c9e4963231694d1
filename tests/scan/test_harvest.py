"""Harvesting: ids fit slots by name, resource and path structure; ownership excludes peers and the public."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.resources import collection_of, resource_of
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation, load

SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /projects:
    get: {responses: {'200': {description: ok}}}
  /projects/{pid}:
    get:
      parameters: [{name: pid, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
  /reports:
    get:
      parameters: [{name: project_id, in: query, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
  /badges/{badge_ref}:
    get:
      parameters: [{name: badge_ref, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """A contract with a listing and three kinds of consumers."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


def _reply(body: str) -> Reply:
    request = Request(method="GET", path="/projects")
    exchange = Exchange(
        request=RecordedRequest(method="GET", url="http://127.0.0.1/projects"),
        response=RecordedResponse(status=200, body=body),
    )
    return Reply(exchange=exchange, status=200, text=body, headers=(), sent=request)


def _op(api: Api, method: str, path: str) -> Operation:
    op = api.operation(method, path)
    assert op is not None
    return op


ALICE = Identity(name="alice", role="user", headers={"X": "a"})
BOB = Identity(name="bob", role="user", headers={"X": "b"})


@pytest.fixture
def harvest(api: Api) -> Harvest:
    """Alice sees projects 1 and 3; Bob sees 2 and 3; anonymous sees 9."""
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    listing = _op(api, "GET", "/projects")
    harvest.record(ALICE, listing, _reply('[{"id": 1, "badge_ref": "bob-1"}, {"id": 3}]'))
    harvest.record(BOB, listing, _reply('{"items": [{"id": 2}, {"id": 3}]}'))
    harvest.record(None, listing, _reply('[{"id": 9}]'))
    return harvest


@pytest.mark.parametrize(
    ("path", "resource"),
    [
        ("/api/v2/accounts", ("accounts", "account")),
        ("/policies/{id}/entries", ("entries", "entry")),
        ("/users/v1", ("users", "user")),
        ("/users/v1/{username}", ("users", "user")),
        ("/rest/api/latest/issues", ("issues", "issue")),
        ("/books/v2.1/", ("books", "book")),
    ],
    ids=["prefixed", "nested", "version-after", "version-before-param", "rest-api", "dotted"],
)
def test_resource_names(path: str, resource: tuple[str, str]) -> None:
    """The last noun segment, singular: versions and prefixes are never the resource."""
    assert resource_of(path) == resource


@pytest.mark.parametrize(
    ("path", "collection"),
    [
        ("/users/v1/{username}", "users"),
        ("/api/v3/pets/{petId}", "pets"),
        ("/v2/{id}", None),
        ("/shops/{shop}/items/{item}", "items"),
    ],
    ids=["version-between", "version-before", "version-only", "nested"],
)
def test_collection_before_a_parameter_skips_versions(path: str, collection: str | None) -> None:
    """The collection of {x} is the noun segment before it, versions skipped."""
    assert collection_of(path, path.rsplit("{", 1)[1].rstrip("}")) == collection


ENVELOPED = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /users/v1:
    get: {responses: {'200': {description: ok}}}
  /users/v1/{uid}:
    get:
      parameters: [{name: uid, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
"""


@pytest.mark.parametrize(
    "body",
    [
        '{"status": "ok", "data": [{"id": 4, "tags": ["x"]}]}',
        '{"count": 1, "next": null, "results": [{"id": 4}]}',
        '{"data": {"result": [{"id": 4}]}}',
        '{"success": true, "payload": {"id": 4}}',
    ],
    ids=["status-data", "drf-page", "nested", "single-in-payload"],
)
def test_ids_are_found_inside_envelopes_and_fit_versioned_paths(tmp_path: Path, body: str) -> None:
    """A listing or object wrapped in an envelope yields its ids; /users/v1/{uid} takes them."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(ENVELOPED)
    api = load(spec)
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    harvest.record(ALICE, _op(api, "GET", "/users/v1"), _reply(body))
    op = _op(api, "GET", "/users/v1/{uid}")
    (slot,) = harvest.slots(op)
    assert [s.value for s in harvest.owned(ALICE, op, slot)] == [4]


@pytest.mark.parametrize(
    ("method", "path", "where", "name"),
    [
        ("GET", "/projects/{pid}", Where.PATH, "pid"),
        ("GET", "/reports", Where.QUERY, "project_id"),
    ],
    ids=["path-structure", "resource-and-field"],
)
def test_ids_fit_consumers(
    api: Api, harvest: Harvest, method: str, path: str, where: Where, name: str
) -> None:
    """Alice's project ids fit /projects/{pid} (structure) and ?project_id (name)."""
    op = _op(api, method, path)
    (slot,) = [s for s in harvest.slots(op) if s.name == name]
    assert slot.where is where
    assert [s.value for s in harvest.owned(ALICE, op, slot)] == [1]


def test_same_field_name_fits(api: Api, harvest: Harvest) -> None:
    """A field named like a path parameter (badge_ref) fits it, in a listing item or one's own record.

    Any field some slot of the API takes is recorded, not only the listing's primary key.
    """
    harvest.record(ALICE, _op(api, "GET", "/projects"), _reply('{"badge_ref": "alice-1"}'))
    op = _op(api, "GET", "/badges/{badge_ref}")
    (slot,) = harvest.slots(op)
    assert sorted(s.value for s in harvest.seen(ALICE, op, slot)) == ["alice-1", "bob-1"]
    assert harvest.seen(BOB, op, slot) == []


def test_shared_and_public_objects_are_nobodys(api: Api, harvest: Harvest) -> None:
    """Project 3 (seen by both peers) is not owned; Bob owns 2 only."""
    op = _op(api, "GET", "/projects/{pid}")
    (slot,) = harvest.slots(op)
    assert [s.value for s in harvest.owned(BOB, op, slot)] == [2]
    assert [s.value for s in harvest.seen(BOB, op, slot)] == [2, 3]


def test_baseline_fills_slots_with_own_ids(api: Api, harvest: Harvest) -> None:
    """The baseline request carries the identity's own id."""
    op = _op(api, "GET", "/reports")
    request = harvest.baseline(harvest.synthesizer.request(op), op, BOB)
    assert dict(request.query)["project_id"] == "2"


def test_what_a_listing_above_the_viewer_shows_is_kept_but_decides_nothing(
    api: Api, harvest: Harvest
) -> None:
    """Bob also sees 1 and 2 where only a higher role may look: both stay their peer's own.

    The values are kept (a check may send them); they neither take 1 from Alice nor make
    anything Bob's, shared, or listed to him by design.
    """
    listing = _op(api, "GET", "/projects")
    harvest.record(BOB, listing, _reply('[{"id": 1}, {"id": 2}, {"id": 5}]'), beyond=True)
    op = _op(api, "GET", "/projects/{pid}")
    (slot,) = harvest.slots(op)
    assert [s.value for s in harvest.owned(ALICE, op, slot)] == [1]
    assert [s.value for s in harvest.owned(BOB, op, slot)] == [2]
    assert sorted(str(s.value) for s in harvest.seen(BOB, op, slot)) == ["1", "2", "3", "5"]
    assert not harvest.mine(BOB, op, slot, 5)
    assert not harvest.lists.has("bob", "project", 1)


CODES = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /promos:
    get: {responses: {'200': {description: ok}}}
  /plots:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
                gateCode: {type: string}
                promo_code: {type: string}
                zip_code: {type: string}
                code: {type: string}
      responses: {'201': {description: made}}
"""


def test_a_code_or_key_names_an_object_only_when_the_api_has_that_noun(tmp_path: Path) -> None:
    """A plot's gateCode or zip_code is its own property; a promo_code names one of /promos."""
    path = tmp_path / "codes.yaml"
    path.write_text(CODES)
    api = load(path)
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    slots = {s.name for s in harvest.slots(_op(api, "POST", "/plots"))}
    assert slots == {"promo_code", "code"}
