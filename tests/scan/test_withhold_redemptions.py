"""A code everybody sees is redeemed by the scan's own user only; the code itself is never written."""

from __future__ import annotations

from pathlib import Path

import pytest
from harvest_support import operation, reply

from apiward.scan.fields import tally
from apiward.scan.flows import redeems
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.synthesis import Synthesizer
from apiward.scan.withhold import withheld
from apiward.spec import Api, Operation, load

SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
components:
  parameters:
    code: {name: code, in: path, required: true, schema: {type: string}}
paths:
  /coupons:
    get: {security: [], responses: {'200': {description: ok}}}
  /me/coupons:
    get: {responses: {'200': {description: mine}}}
  /coupons/{code}:
    parameters: [{$ref: '#/components/parameters/code'}]
    patch:
      requestBody: {content: {application/json: {schema: {type: object, properties: {title: {type: string}}}}}}
      responses: {'200': {description: ok}}
  /coupons/{code}/redeem:
    parameters: [{$ref: '#/components/parameters/code'}]
    post: {responses: {'200': {description: credited}}}
  /coupons/{code}/retire:
    parameters: [{$ref: '#/components/parameters/code'}]
    post: {responses: {'200': {description: retired for everyone}}}
"""
ANN = Identity(name="ann", role="shopper", headers={"X": "a"})
BEN = Identity(name="ben", role="shopper", headers={"X": "b"})
MADE = Identity(name="apiward-made-1", role="shopper", headers={"X": "m"})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """Coupons anyone lists by code; each shopper's own coupons at ``/me/coupons``."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


def _harvest(api: Api) -> Harvest:
    """Everyone, anonymous included, lists SPRING10; only ann's own list shows ANN-GIFT."""
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    for who in (ANN, BEN, None):
        harvest.record(who, operation(api, "GET", "/coupons"), reply('[{"code": "SPRING10"}]'))
    harvest.record(ANN, operation(api, "GET", "/me/coupons"), reply('[{"code": "ANN-GIFT"}]'))
    return harvest


def _why(api: Api, who: Identity, method: str, path: str, code: str, *, own: bool) -> str | None:
    request = Request(method=method, path=path, body={"title": "x"} if method == "PATCH" else None)
    request = request.with_param(Where.PATH, "code", code)
    return withheld(_harvest(api), operation(api, method, path), who, request, own=own)


def test_the_scans_own_user_redeems_a_code_everybody_sees(api: Api) -> None:
    """Its credit is the scan's: sent."""
    assert _why(api, MADE, "POST", "/coupons/{code}/redeem", "SPRING10", own=True) is None


def test_a_file_identity_never_redeems_it(api: Api) -> None:
    """Ann's credit would be for good: withheld, as before."""
    why = _why(api, ANN, "POST", "/coupons/{code}/redeem", "SPRING10", own=False)
    assert why is not None
    assert "names a parent others share" in why


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("PATCH", "/coupons/{code}", "SPRING10"),
        ("POST", "/coupons/{code}/retire", "SPRING10"),
        ("POST", "/coupons/{code}/redeem", "ANN-GIFT"),
    ],
    ids=["write-the-code", "action-for-everyone", "anothers-code"],
)
def test_the_scans_own_user_still_never_changes_the_code_or_takes_anothers(
    api: Api, method: str, path: str, code: str
) -> None:
    """The shared code itself, an action on it for everybody, a code only ann holds: withheld."""
    assert _why(api, MADE, method, path, code, own=True) is not None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/promos/{code}/redeem", True),
        ("/vouchers/{code}:claim", True),
        ("/coupons/{code}/redemptions", True),
        ("/promos/{code}/retire", False),
        ("/promos/{code}", False),
        ("/vouchers/redeem/{code}", False),
    ],
)
def test_a_redemption_is_named_by_its_own_segment(path: str, expected: bool) -> None:
    """Redeem, claim, redemptions as the action's own word; not another action, not an item."""
    assert redeems(Operation(method="POST", path=path)) is expected


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ({"code": "SPRING10", "title": "Spring", "credit_cents": 1000}, ""),
        ({"code": "SPRING10", "uses_left": 3}, "uses_left"),
        ({"code": "SPRING10", "claimed_by": None}, "claimed_by"),
        ({"code": "SPRING10", "status": "open"}, "status"),
        ({"code": "SPRING10", "max_redemptions": 100}, "max_redemptions"),
    ],
)
def test_a_code_that_tallies_what_it_hands_out(shown: dict[str, object], expected: str) -> None:
    """Uses, redemptions, who took it, a state: a redemption would move them for everybody."""
    assert tally(shown) == expected
