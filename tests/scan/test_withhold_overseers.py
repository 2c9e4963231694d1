"""An identity of a higher role seeing the caller's object does not make it another's.

Clerks own requisitions; a buyer (another role) lists every clerk's. A clerk's write to
its own requisition is sent; one a peer also sees, another identity created, an anonymous
request saw, or the clerk never saw stays withheld, and so does the buyer's write to a
clerk's requisition: seeing from above is one way only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harvest_support import operation, reply

from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply
from apiward.scan.withhold import withheld
from apiward.spec import Api, load

SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /requisitions:
    get: {responses: {'200': {description: ok}}}
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {note: {type: string}}}}}}
      responses: {'201': {description: made}}
  /requisitions/{req_no}:
    parameters: [{name: req_no, in: path, required: true, schema: {type: integer}}]
    get: {responses: {'200': {description: ok}}}
    patch:
      requestBody: {content: {application/json: {schema: {type: object, properties: {note: {type: string}}}}}}
      responses: {'200': {description: ok}}
"""
PATH = "/requisitions/{req_no}"
ANOTHERS = "its path 'req_no' names another's object"


def _people(*, ranked: bool) -> tuple[Identity, Identity, Identity]:
    low, high = (1, 5) if ranked else (None, None)
    return (
        Identity(name="uma", role="clerk", rank=low, headers={"X": "u"}),
        Identity(name="vic", role="clerk", rank=low, headers={"X": "v"}),
        Identity(name="wes", role="buyer", rank=high, headers={"X": "w"}),
    )


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """Requisitions by number."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


def _listed(numbers: list[int]) -> Reply:
    return reply("[" + ", ".join(f'{{"req_no": {n}, "note": "n"}}' for n in numbers) + "]")


def _harvest(api: Api, *, ranked: bool = True, extra: str = "") -> Harvest:
    """Uma sees 1 and 2, vic 3 (and 2 when ``extra`` is "shared"); the buyer sees them all.

    ``extra``: "made" — the buyer created 4, which uma also lists; "anonymous" — a request
    without credentials lists 1.
    """
    uma, vic, wes = _people(ranked=ranked)
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    listing = operation(api, "GET", "/requisitions")
    harvest.record(uma, listing, _listed([1, 2, 4] if extra == "made" else [1, 2]))
    harvest.record(vic, listing, _listed([2, 3] if extra == "shared" else [3]))
    harvest.record(wes, listing, _listed([1, 2, 3]))
    if extra == "made":
        made = reply('{"req_no": 4, "note": "n"}')
        harvest.record(wes, operation(api, "POST", "/requisitions"), made, created=True)
    if extra == "anonymous":
        harvest.record(None, listing, _listed([1]))
    return harvest


def _why(harvest: Harvest, api: Api, who: Identity, number: int) -> str | None:
    request = Request(method="PATCH", path=PATH, body={"note": "x"})
    request = request.with_param(Where.PATH, "req_no", number)
    return withheld(harvest, operation(api, "PATCH", PATH), who, request)


@pytest.mark.parametrize("ranked", [True, False], ids=["ranked", "by-view"])
def test_a_clerks_own_requisition_the_buyer_also_sees_is_sent(api: Api, ranked: bool) -> None:
    """Uma's 1 and vic's 3 are theirs though the buyer lists them: a higher role's view."""
    uma, vic, _ = _people(ranked=ranked)
    harvest = _harvest(api, ranked=ranked)
    assert _why(harvest, api, uma, 1) is None
    assert _why(harvest, api, vic, 3) is None


@pytest.mark.parametrize("ranked", [True, False], ids=["ranked", "by-view"])
def test_the_buyers_write_to_a_clerks_requisition_stays_withheld(api: Api, ranked: bool) -> None:
    """Seeing from above is one way: the clerk does not oversee the buyer."""
    _, _, wes = _people(ranked=ranked)
    assert _why(_harvest(api, ranked=ranked), api, wes, 1) == ANOTHERS


def test_a_requisition_the_clerk_never_saw_stays_withheld(api: Api) -> None:
    """Vic never saw uma's 1."""
    _, vic, _ = _people(ranked=True)
    assert _why(_harvest(api), api, vic, 1) == ANOTHERS


def test_a_requisition_a_peer_also_sees_stays_withheld(api: Api) -> None:
    """Uma and vic both list 2: a peer holds it, so it is neither one's own."""
    uma, vic, _ = _people(ranked=True)
    harvest = _harvest(api, extra="shared")
    assert _why(harvest, api, uma, 2) == ANOTHERS
    assert _why(harvest, api, vic, 2) == ANOTHERS


def test_a_requisition_another_created_stays_withheld(api: Api) -> None:
    """The buyer made 4: uma listing it does not make it hers, however high the buyer ranks."""
    uma, _, _ = _people(ranked=True)
    assert _why(_harvest(api, extra="made"), api, uma, 4) == ANOTHERS


def test_a_requisition_an_anonymous_request_saw_stays_withheld(api: Api) -> None:
    """Listed without credentials: not the clerk's own."""
    uma, _, _ = _people(ranked=True)
    assert _why(_harvest(api, extra="anonymous"), api, uma, 1) == ANOTHERS


def test_another_role_ranked_no_higher_does_not_oversee(api: Api) -> None:
    """An auditor ranked as the clerks, seeing uma's 1, keeps it withheld for uma."""
    uma = Identity(name="uma", role="clerk", rank=1, headers={"X": "u"})
    auditor = Identity(name="ada", role="auditor", rank=1, headers={"X": "a"})
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    listing = operation(api, "GET", "/requisitions")
    harvest.record(uma, listing, _listed([1]))
    harvest.record(auditor, listing, _listed([1, 2, 3]))
    assert _why(harvest, api, uma, 1) == ANOTHERS
