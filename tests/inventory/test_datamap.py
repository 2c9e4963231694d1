"""The sensitive-data map: fields of traffic bodies and of the contract, by kind."""

from __future__ import annotations

import json

from apiward.core.sensitive import DataClass
from apiward.inventory.cluster import cluster
from apiward.inventory.datamap import Place, sensitive_map, walk
from apiward.inventory.observation import Observation
from apiward.spec import Api


def _fields(
    observations: list[Observation], api: Api | None = None
) -> dict[tuple[str, str, str], dict[str, int]]:
    return {
        (f.operation, str(f.place), f.name): {str(c): f.observed.get(c, 0) for c in f.classes}
        for f in sensitive_map(cluster(observations, api), api)
    }


def test_json_bodies_are_walked_field_by_field() -> None:
    """Nested objects and arrays give field paths; values and names are both classified."""
    body = {
        "owner": {"email": "a@b.example"},
        "cards": [{"pan": "4111111111111111"}, {"pan": "4111111111111000"}],
    }
    found = sorted(walk(body))
    assert found == [
        ("$.cards[].pan", DataClass.CARD),
        ("$.cards[].pan", DataClass.CARD),
        ("$.owner.email", DataClass.EMAIL),
    ]


def test_an_order_id_that_fails_luhn_is_not_a_card() -> None:
    """A 16-digit order number under a neutral name is not reported at all."""
    assert list(walk({"order_id": 4111111111111000, "ref": "4111111111111000"})) == []


def test_csv_bodies_are_classified_by_column() -> None:
    """A CSV export's columns are fields: names and values both count."""
    csv = "username,email,password_hash\nalice,alice@x.example,abc$def\nbob,bob@x.example,ghi$jkl\n"
    seen = [
        Observation(
            method="GET",
            path="/export",
            status=200,
            response_body=csv,
            response_content_type="text/plain",
        )
    ]
    fields = _fields(seen)
    assert fields[("GET /export", "response", "$[].email")] == {"email": 2}
    assert fields[("GET /export", "response", "$[].password_hash")] == {"password": 2}


def test_query_names_and_email_path_segments_are_classified() -> None:
    """A query parameter named like a key, and an email in the path, are both mapped."""
    seen = [
        Observation(method="GET", path="/users/a@b.example", query=("api_key",), status=200),
    ]
    fields = _fields(seen)
    assert fields[("GET /users/{email}", "query", "api_key")] == {"api_key": 1}
    assert fields[("GET /users/{email}", "path", "email")] == {"email": 1}


def test_contract_names_and_formats_are_declared(contract: Api) -> None:
    """Without traffic bodies, the contract's names and formats still map the data."""
    declared = {(f.operation, f.place, f.name): f.declared for f in sensitive_map((), contract)}
    assert declared[("GET /v2/users/{user_id}", Place.RESPONSE, "$.email")] == (DataClass.EMAIL,)
    assert declared[("GET /v2/users/{user_id}", Place.RESPONSE, "$.ssn")] == (
        DataClass.NATIONAL_ID,
    )
    assert declared[("GET /v2/users/search", Place.QUERY, "api_key")] == (DataClass.API_KEY,)
    assert ("GET /v2/users/{user_id}", Place.RESPONSE, "$.nickname") not in declared


def test_traffic_and_contract_meet_in_one_field(contract: Api) -> None:
    """A field both declared and observed is one entry with both sources."""
    body = json.dumps({"email": "x@y.example", "nickname": "x"})
    seen = [
        Observation(
            method="GET",
            path="/api/v2/users/1",
            status=200,
            response_body=body,
            response_content_type="application/json",
        )
    ]
    [field] = [f for f in sensitive_map(cluster(seen, contract), contract) if f.name == "$.email"]
    assert field.observed == {DataClass.EMAIL: 1}
    assert field.declared == (DataClass.EMAIL,)
