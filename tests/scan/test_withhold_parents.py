"""A public parent, or one the caller lists itself, does not make its own child another's; nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from harvest_support import operation, reply

from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.synthesis import Synthesizer
from apiward.scan.withhold import withheld
from apiward.spec import Api, load

SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
components:
  parameters:
    slug: {name: slug, in: path, required: true, schema: {type: string}}
    pass_id: {name: pass_id, in: path, required: true, schema: {type: integer}}
paths:
  /galleries:
    get: {security: [], responses: {'200': {description: ok}}}
  /galleries/{slug}:
    parameters: [{$ref: '#/components/parameters/slug'}]
    get: {security: [], responses: {'200': {description: ok}}}
    patch:
      requestBody: {content: {application/json: {schema: {type: object, properties: {title: {type: string}}}}}}
      responses: {'200': {description: ok}}
  /galleries/{slug}/passes:
    parameters: [{$ref: '#/components/parameters/slug'}]
    get: {responses: {'200': {description: ok}}}
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {visitors: {type: integer}}}}}}
      responses: {'201': {description: made}}
  /galleries/{slug}/passes/{pass_id}:
    parameters: [{$ref: '#/components/parameters/slug'}, {$ref: '#/components/parameters/pass_id'}]
    get: {responses: {'200': {description: ok}}}
    patch:
      requestBody: {content: {application/json: {schema: {type: object, properties: {visitors: {type: integer}}}}}}
      responses: {'200': {description: ok}}
    delete: {responses: {'204': {description: gone}}}
  /galleries/{slug}/passes/{pass_id}/redeem:
    parameters: [{$ref: '#/components/parameters/slug'}, {$ref: '#/components/parameters/pass_id'}]
    post: {responses: {'200': {description: redeemed}}}
  /galleries/{slug}/gifts:
    parameters: [{$ref: '#/components/parameters/slug'}]
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {visitors: {type: integer}}}}}}
      responses: {'201': {description: made}}
"""
ANN = Identity(name="ann", role="visitor", headers={"X": "a"})
BEN = Identity(name="ben", role="visitor", headers={"X": "b"})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """Galleries anyone lists by slug; passes a visitor buys under one, by integer id."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


def _harvest(api: Api, *, anonymous: bool) -> Harvest:
    """Both visitors (and, when ``anonymous``, a request without credentials) list the galleries;
    ann owns pass 5 under the first."""
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    galleries = reply('[{"slug": "north-wing", "title": "North"}]')
    for who in (ANN, BEN, None) if anonymous else (ANN, BEN):
        harvest.record(who, operation(api, "GET", "/galleries"), galleries)
    created = reply('{"id": 5, "gallery_slug": "north-wing", "visitors": 2}')
    harvest.record(ANN, operation(api, "POST", "/galleries/{slug}/passes"), created, created=True)
    return harvest


def _write(method: str, path: str, **params: object) -> Request:
    request = Request(method=method, path=path, body={"visitors": 2})
    for name, value in params.items():
        request = request.with_param(Where.PATH, name, value)
    return request


CASES = [
    ("PATCH", "/galleries/{slug}/passes/{pass_id}", {"pass_id": 5}, None),
    ("DELETE", "/galleries/{slug}/passes/{pass_id}", {"pass_id": 5}, None),
    ("POST", "/galleries/{slug}/passes", {}, None),
    ("PATCH", "/galleries/{slug}", {}, "its path 'slug' names another's object"),
]


@pytest.mark.parametrize(
    ("method", "path", "params", "why"), CASES, ids=["patch", "delete", "create", "parent"]
)
def test_the_callers_own_child_of_a_public_parent_is_sent(
    api: Api, method: str, path: str, params: dict[str, object], why: str | None
) -> None:
    """Ann's pass under the public gallery may be written, a new one made there; the gallery never."""
    request = _write(method, path, slug="north-wing", **params)
    assert (
        withheld(_harvest(api, anonymous=True), operation(api, method, path), ANN, request) == why
    )


def test_a_parent_the_caller_lists_itself_is_its_container(api: Api) -> None:
    """Seen by every identity but never anonymously (a shared tenant): ann's own pass there is sent."""
    path = "/galleries/{slug}/passes/{pass_id}"
    request = _write("PATCH", path, slug="north-wing", pass_id=5)
    assert (
        withheld(_harvest(api, anonymous=False), operation(api, "PATCH", path), ANN, request)
        is None
    )


def test_a_shared_parent_itself_is_never_written(api: Api) -> None:
    """The gallery ann and ben both list is a container, not ann's to rename."""
    request = _write("PATCH", "/galleries/{slug}", slug="north-wing")
    why = withheld(
        _harvest(api, anonymous=False), operation(api, "PATCH", "/galleries/{slug}"), ANN, request
    )
    assert why == "its path 'slug' names another's object"


def test_a_parent_known_only_from_another_identity_still_blocks(api: Api) -> None:
    """Ann's pass under a gallery only ben listed (another tenant's): withheld."""
    harvest = _harvest(api, anonymous=False)
    harvest.record(BEN, operation(api, "GET", "/galleries"), reply('[{"slug": "south-wing"}]'))
    path = "/galleries/{slug}/passes/{pass_id}"
    request = _write("PATCH", path, slug="south-wing", pass_id=5)
    why = withheld(harvest, operation(api, "PATCH", path), ANN, request)
    assert why == "its path 'slug' names another's object"


def test_a_parent_known_only_from_another_objects_field_still_blocks(api: Api) -> None:
    """A gallery ann saw only as her pass's ``gallery_slug``, never in the galleries: withheld."""
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    harvest.record(BEN, operation(api, "GET", "/galleries"), reply('[{"slug": "north-wing"}]'))
    created = reply('{"id": 5, "gallery_slug": "north-wing", "visitors": 2}')
    harvest.record(ANN, operation(api, "POST", "/galleries/{slug}/passes"), created, created=True)
    path = "/galleries/{slug}/passes/{pass_id}"
    request = _write("PATCH", path, slug="north-wing", pass_id=5)
    why = withheld(harvest, operation(api, "PATCH", path), ANN, request)
    assert why == "its path 'slug' names another's object"


def test_anothers_child_of_a_public_parent_is_never_sent(api: Api) -> None:
    """Ben may not write ann's pass, public gallery or not."""
    path = "/galleries/{slug}/passes/{pass_id}"
    request = _write("PATCH", path, slug="north-wing", pass_id=5)
    why = withheld(_harvest(api, anonymous=True), operation(api, "PATCH", path), BEN, request)
    assert why == "its path 'pass_id' names another's object"


UNDONE = "names a parent others share, and what it makes or does there could not be undone"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/galleries/{slug}/passes/{pass_id}/redeem", {"pass_id": 5}),
        ("/galleries/{slug}/gifts", {}),
    ],
    ids=["action", "undeletable-creation"],
)
def test_what_could_not_be_undone_under_a_shared_parent_is_withheld(
    api: Api, path: str, params: dict[str, object]
) -> None:
    """Redeeming ann's own pass, or making a gift nothing deletes, under a gallery others list."""
    request = _write("POST", path, slug="north-wing", **params)
    for anonymous in (True, False):
        why = withheld(
            _harvest(api, anonymous=anonymous), operation(api, "POST", path), ANN, request
        )
        assert why is not None
        assert UNDONE in why
