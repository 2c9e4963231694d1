"""mass_assignment: properties outside the request schema, accepted and read back changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI, Header, HTTPException
from ownership_support import key, scan_app, scan_demo_with
from pydantic import BaseModel

from apiward.core.findings import Confidence, Severity
from apiward.demo import load_ground_truth
from apiward.scan import Results
from apiward.scan.checks._readback import (
    candidate_fields,
    changed_value,
    changes,
    fields,
    with_field,
)
from apiward.scan.checks.mass_assignment import MassAssignment, _current
from apiward.scan.request import BodyKind, Request

PLANTED = [f for f in load_ground_truth() if f.id.startswith("mass-assignment")]


@pytest.fixture(scope="module")
def vulnerable() -> Results:
    """The vulnerable bank scanned with mass_assignment alone."""
    return scan_demo_with(MassAssignment(), fixed=False)


@pytest.fixture(scope="module")
def fixed() -> Results:
    """The fixed bank scanned with mass_assignment alone."""
    return scan_demo_with(MassAssignment(), fixed=True)


def _found(results: Results) -> dict[tuple[str, str], Any]:
    return {(f.operation or "", f.key): f for f in results.findings if f.check == "mass_assignment"}


@pytest.mark.parametrize("flaw", PLANTED, ids=[f.id for f in PLANTED])
def test_finds_every_planted_mass_assignment(vulnerable: Results, flaw: Any) -> None:
    """Each planted flaw is a high, confirmed finding on its operation and property."""
    finding = _found(vulnerable).get((flaw.operation, f"body:{flaw.parameter.name}"))
    assert finding is not None, sorted(_found(vulnerable))
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.CONFIRMED)
    assert len(finding.evidence) == 3


def test_restores_what_it_changed_on_an_identity(vulnerable: Results) -> None:
    """A property changed on a scanning identity's own record is put back, and the finding says so."""
    finding = _found(vulnerable)[("PATCH /api/v2/me", "body:transfer_limit")]
    assert "It was restored." in finding.detail


def test_silent_on_the_fixed_bank(fixed: Results) -> None:
    """The fixed bank ignores extra properties: no finding at all."""
    assert _found(fixed) == {}


class _Rename(BaseModel):
    nickname: str


def _vault(*, vulnerable: bool) -> FastAPI:
    """Accounts by id behind an API key; PUT takes a nickname, GET shows more."""
    app = FastAPI()
    accounts = {
        "key-ann": {"id": 7, "nickname": "ann", "verified": False, "overdraft": 100},
        "key-ben": {"id": 8, "nickname": "ben", "verified": False, "overdraft": 100},
    }

    def mine(account_id: int, api_key: str | None) -> dict[str, Any]:
        account = accounts.get(api_key or "")
        if account is None or account["id"] != account_id:
            raise HTTPException(404, "no such account")
        return account

    @app.get("/accounts")
    def listing(x_api_key: str | None = Header(None)) -> list[dict[str, Any]]:
        return [a for k, a in accounts.items() if k == x_api_key]

    @app.get("/accounts/{account_id}")
    def show(account_id: int, x_api_key: str | None = Header(None)) -> dict[str, Any]:
        return mine(account_id, x_api_key)

    @app.put("/accounts/{account_id}")
    def rename(
        account_id: int, body: dict[str, Any], x_api_key: str | None = Header(None)
    ) -> dict[str, Any]:
        account = mine(account_id, x_api_key)
        account.update(body if vulnerable else {"nickname": str(body.get("nickname"))})
        return account

    original = app.openapi

    def contract() -> dict[str, Any]:
        spec = original()
        put = spec["paths"]["/accounts/{account_id}"]["put"]
        put["requestBody"]["content"]["application/json"]["schema"] = _Rename.model_json_schema()
        return spec

    app.openapi = contract  # type: ignore[method-assign]
    return app


@pytest.mark.parametrize(
    ("vulnerable", "expected"), [(True, 2), (False, 0)], ids=["vulnerable", "safe"]
)
def test_same_path_read_back_on_a_small_api(
    serve: Callable[[Any], Any], vulnerable: bool, expected: int
) -> None:
    """A PUT that copies its body onto the record is caught (flag flipped, number raised); one that binds fields is not."""
    server = serve(_vault(vulnerable=vulnerable))
    results = scan_app(server.url, MassAssignment(), (key("ann", "user"), key("ben", "user")))
    found = _found(results)
    assert len(found) == expected, found
    assert results.errors == []
    if vulnerable:
        assert set(found) == {
            ("PUT /accounts/{account_id}", "body:verified"),
            ("PUT /accounts/{account_id}", "body:overdraft"),
        }


def test_the_reproduction_replays_the_write_not_the_read_back(
    serve: Callable[[Any], Any],
) -> None:
    """The curl line sends the PUT that set the property, not the GET that showed it took."""
    server = serve(_vault(vulnerable=True))
    results = scan_app(server.url, MassAssignment(), (key("ann", "user"), key("ben", "user")))
    findings = [f for f in results.findings if f.check == "mass_assignment"]
    assert findings
    for finding in findings:
        assert finding.evidence[-1].request.method == "GET"
        assert (finding.reproduction or "").startswith("curl -i -X PUT"), finding.reproduction


@pytest.mark.parametrize(
    ("name", "schema", "current", "expected"),
    [
        ("role", {"enum": ["user", "support", "admin"]}, "user", "admin"),
        ("tier", {"enum": ["free", "pro", "team"]}, "free", "team"),
        ("verified", {"type": "boolean"}, False, True),
        ("limit", {"type": "number"}, 1000.0, 10000.0),
        ("credits", {"type": "integer", "maximum": 50}, 10, 50),
    ],
    ids=["enum-admin", "enum-last", "flag", "number", "bounded"],
)
def test_changed_value_is_type_correct_and_different(
    name: str, schema: dict[str, Any], current: Any, expected: Any
) -> None:
    """The value tried is valid for the schema and unlike the current one."""
    assert changed_value(name, schema, current) == expected


def test_nothing_to_change_for_plain_text() -> None:
    """A free-text field that is not privileged has no 'higher' value: it is not tried."""
    assert not changes(changed_value("nickname", {"type": "string"}, "ann"))


def test_no_invented_role_for_a_plain_string() -> None:
    """A role with no enum and no observed value is not set to a made-up 'admin' (it used to be:
    an app that did not know 'admin' then failed every request of that user)."""
    assert not changes(changed_value("role", {"type": "string"}, "user"))
    assert changed_value("role", {"type": "string"}, "Customer", ["Customer", "Chef"]) == "Chef"


def test_candidates_skip_identifiers_and_secrets() -> None:
    """Ids, usernames, hashes and timestamps are never candidates; privileged names come first."""
    data = {
        "id": 1,
        "username": "a",
        "password_hash": "x",
        "created_at": "t",
        "bio": "b",
        "role": "u",
    }
    assert candidate_fields(data, {"bio"}) == ["role"]


def test_nested_fields_are_candidates_by_dotted_path() -> None:
    """A role inside a nested profile is a candidate named profile.role; ids deep down are not."""
    data = {"id": 1, "name": "a", "profile": {"role": "Customer", "team": {"id": 4}}}
    assert candidate_fields(data, {"name"}) == ["profile.role"]
    assert fields(data) == {"id": 1, "name": "a", "profile.role": "Customer", "profile.team.id": 4}


def test_privilege_fields_the_contract_calls_writable_are_still_candidates() -> None:
    """is_admin and role stay candidates when writable; a writable nickname does not."""
    data = {"nickname": "a", "is_admin": False, "role": "Customer", "card_limit": 100}
    writable = {"nickname", "is_admin", "role", "card_limit"}
    assert candidate_fields(data, writable) == ["is_admin", "role"]


def test_a_flag_that_lets_the_account_in_is_never_a_candidate() -> None:
    """is_active, locked: set on one's own record they lock the caller out (the Ninja trial)."""
    data = {"is_active": True, "role": "user", "profile": {"locked": False, "plan": "free"}}
    assert candidate_fields(data, set()) == ["role", "profile.plan"]


def test_a_dotted_field_is_sent_as_the_nested_structure() -> None:
    """profile.role is set inside the body's profile object, keeping its other fields."""
    request = Request(
        method="PATCH",
        path="/me",
        operation="PATCH /me",
        body={"name": "a", "profile": {"bio": "b"}},
        body_kind=BodyKind.JSON,
    )
    sent = with_field(request, "profile.role", "Chef")
    assert sent.body == {"name": "a", "profile": {"bio": "b", "role": "Chef"}}
    assert request.body == {"name": "a", "profile": {"bio": "b"}}


def test_the_control_sets_current_values_and_drops_unshown_privilege_fields() -> None:
    """The no-op control carries the object's current values, never a privilege it does not show."""
    request = Request(
        method="PATCH",
        path="/me",
        operation="PATCH /me",
        body={"name": "x", "is_admin": True, "profile": {"bio": "y", "role": "admin"}},
        body_kind=BodyKind.JSON,
    )
    data = {"name": "Ann", "profile": {"bio": "hi"}}
    writable = {"name", "is_admin", "profile.bio", "profile.role"}
    control = _current(request, data, writable)
    assert control.body == {"name": "Ann", "profile": {"bio": "hi"}}
