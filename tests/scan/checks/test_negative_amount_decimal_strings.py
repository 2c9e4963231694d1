"""negative_amount on money written as a decimal string (``type: string, format: decimal``).

A bare WSGI expense desk (werkzeug's routing, no framework): staff file mileage claims
whose ``amount`` is a string of digits, as Django REST Framework writes a
``DecimalField``, and the desk refuses a JSON number there. The flawed desk files
``"-1.00"`` like any claim; the fixed one refuses amounts below zero.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from tests.conftest import scan_with_identities
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from serving import serving

AMOUNT = {"type": "string", "format": "decimal", "pattern": r"^-?\d{0,6}(?:\.\d{0,2})?$"}
CLAIM = {
    "type": "object",
    "required": ["purpose", "amount"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "purpose": {"type": "string", "maxLength": 60},
        "amount": AMOUNT,
    },
}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "expense desk", "version": "3"},
    "components": {"securitySchemes": {"staff": {"type": "http", "scheme": "basic"}}},
    "security": [{"staff": []}],
    "paths": {
        "/desk/claims": {
            "get": {"responses": {"200": {"description": "your claims"}}},
            "post": {
                "summary": "File a mileage claim",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": CLAIM}},
                },
                "responses": {
                    "201": {
                        "description": "filed",
                        "content": {"application/json": {"schema": CLAIM}},
                    }
                },
            },
        },
        "/desk/claims/{claim}": {
            "delete": {
                "parameters": [
                    {"name": "claim", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"204": {"description": "withdrawn"}},
            }
        },
    },
}
IDENTITIES = """\
identities:
  - name: ruth
    role: staff
    headers: {Authorization: Basic cnV0aDpydXRoLWRlc2stMzE=}
"""


class Desk:
    """Claims by their filer; ``flawed`` files negative amounts."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.claims: dict[int, dict[str, Any]] = {}
        self.serial = itertools.count(1)
        self.routes = Map(
            [
                Rule("/openapi.json", endpoint="on_contract"),
                Rule("/desk/claims", endpoint="on_claims"),
                Rule("/desk/claims/<int:claim>", endpoint="on_claim"),
            ]
        )

    def __call__(self, environ: dict[str, Any], start: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, args = self.routes.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(request, **args)
        except HTTPException as refused:
            response = refused.get_response()
        return response(environ, start)

    def on_contract(self, request: Request) -> Response:
        return _json(CONTRACT)

    def on_claims(self, request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != ("ruth", "ruth-desk-31"):
            return _json({"error": "sign in"}, 401)
        if request.method == "GET":
            return _json([c for c in self.claims.values() if c["filer"] == auth.username])
        body = request.get_json(silent=True) or {}
        amount = _amount(body.get("amount"))
        if amount is None or (amount < 0 and not self.flawed):
            return _json({"amount": ["A positive decimal string, please."]}, 400)
        claim = {"id": next(self.serial), "purpose": str(body.get("purpose", ""))[:60]}
        claim |= {"amount": f"{amount:.2f}", "filer": auth.username}
        self.claims[claim["id"]] = claim
        return _json(claim, 201)

    def on_claim(self, request: Request, claim: int) -> Response:
        if claim not in self.claims:
            raise NotFound
        del self.claims[claim]
        return Response(status=204)


def _amount(value: object) -> Decimal | None:
    """A decimal string in the contract's pattern, as a number; None for anything else."""
    if not isinstance(value, str) or not re.fullmatch(AMOUNT["pattern"].strip("^$"), value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _json(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_negative_decimal_string_amount_is_found_on_the_flawed_desk_only(
    flawed: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A ``format: decimal`` amount is an amount: ``"-1.00"`` filed is a finding, refused none."""
    desk = Desk(flawed=flawed)
    with serving(desk, wsgi=True) as url:
        folder = tmp_path_factory.mktemp("desk")
        result, report = scan_with_identities(
            url, IDENTITIES, folder, "--checks", "negative_amount"
        )
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    found = [f for f in report["findings"] if f["check"] == "negative_amount"]
    assert not desk.claims, "the scan left claims filed"
    if not flawed:
        assert not found, found
        return
    assert [f["title"] for f in found] == ["POST /desk/claims accepts a negative amount"]
    sent = json.loads(found[0]["evidence"][1]["request"]["body"])
    assert isinstance(sent["amount"], str), sent
    assert sent["amount"].startswith("-"), sent
