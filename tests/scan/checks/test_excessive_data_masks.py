"""excessive_data: a value shown whole beside its own masked form undoes the mask.

The Flask trial's ``GET /api/v2/renters`` used the payouts-export schema: every renter's
full ``iban`` beside ``iban_last4``, to maintenance staff too. Both fields were declared,
so nothing was undeclared and nothing was reported. The mask is the contract's word that
the whole value is not to be shown. The flawed twin below lists both; the fixed twin lists
the last four digits only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask
import pytest
from tests.conftest import scan_with_identities

from apiward.scan.checks._masks import unmasked
from serving import serving

IDENTITIES = """\
identities:
  - {name: max, role: maintenance, headers: {Authorization: Token rw-max}}
"""
RENTERS = [
    {"id": 1, "full_name": "Tom Becker", "iban": "DE89 3704 0044 0532 0130 00"},
    {"id": 2, "full_name": "Ada Lind", "iban": "NL91 ABNA 0417 1643 00"},
]
_RENTER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "full_name": {"type": "string"},
        "iban_last4": {"type": "string"},
        "iban": {"type": "string"},
    },
}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Rentwise", "version": "2"},
    "security": [{"token": []}],
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "paths": {
        "/api/v2/renters": {
            "get": {
                "summary": "Renters of your organisation",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "_embedded": {
                                            "type": "object",
                                            "properties": {
                                                "renters": {"type": "array", "items": _RENTER}
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


def app_of(*, flawed: bool) -> flask.Flask:
    """The API; ``flawed`` lists the whole IBAN beside its last four characters."""
    app = flask.Flask("rentwise")
    app.add_url_rule("/openapi.json", "spec", lambda: CONTRACT)

    @app.get("/api/v2/renters")
    def renters() -> Any:
        if flask.request.headers.get("Authorization") != "Token rw-max":
            return {"code": 401, "status": "Unauthorized"}, 401
        rows = [
            {
                "id": r["id"],
                "full_name": r["full_name"],
                "iban_last4": r["iban"].replace(" ", "")[-4:],
                **({"iban": r["iban"]} if flawed else {}),
            }
            for r in RENTERS
        ]
        return {"_embedded": {"renters": rows}, "total": len(rows)}

    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_the_whole_iban_beside_its_last_four_is_medium(tmp_path: Path, flawed: bool) -> None:
    """A medium finding naming ``iban`` in the flawed twin; none in the fixed one."""
    with serving(app_of(flawed=flawed), wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "excessive_data")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = [(f["severity"], f["title"]) for f in report["findings"]]
    expected = "GET /api/v2/renters exposes _embedded.renters[].iban"
    hits = [f for f in found if f[1].startswith(expected)]
    assert hits == ([("medium", hits[0][1])] if flawed else []), found


def test_a_mask_names_the_field_it_masks() -> None:
    """``cardLast4`` masks ``cardNumber``; a brand beside it, or a mask alone, is nothing."""
    card = {"cardLast4": "4242", "cardNumber": "4242 4242 4242 4242", "card_brand": "visa"}
    assert list(unmasked(card)) == [("cardNumber", "cardLast4")]
    assert list(unmasked({"card_last4": "4242", "card_brand": "visa"})) == []
    assert list(unmasked({"ssn_masked": "***-**-6789", "ssn": "123-45-6789"})) == [
        ("ssn", "ssn_masked")
    ]
