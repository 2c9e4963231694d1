"""Traffic against the contract: shadow, zombie and unseen operations, as findings."""

from __future__ import annotations

import json
from pathlib import Path

from apiward.core.findings import Severity
from apiward.core.redact import Redactor
from apiward.inventory import State, take_inventory
from apiward.inventory.observation import Batch, Observation
from apiward.spec import Api, load

VERSIONED = {
    "openapi": "3.1.0",
    "info": {"title": "lender", "version": "2"},
    "paths": {
        "/api/v2/me": {"get": {"responses": {"200": {"description": "me"}}}},
        "/api/v2/accounts": {"get": {"responses": {"200": {"description": "accounts"}}}},
    },
}


def _run(api: Api, *seen: Observation) -> tuple[dict[str, State], dict[str, tuple[str, Severity]]]:
    result = take_inventory([Batch(source="t", format="har", observations=seen)], api)
    found = {f.operation or "": (f.check, f.severity) for f in result.findings}
    return dict(result.states), found


def _get(path: str, status: int = 200, body: str | None = None) -> Observation:
    return Observation(
        method="GET",
        path=path,
        status=status,
        response_body=body,
        response_content_type="application/json" if body else None,
        source="t:1",
    )


def test_an_undocumented_endpoint_that_answers_is_shadow(contract: Api) -> None:
    """A path the contract lacks, answered with 200, is shadow; named relative to the server base."""
    states, found = _run(contract, _get("/api/v2/debug/config"))
    assert states["GET /v2/debug/config"] is State.SHADOW
    assert found["GET /v2/debug/config"] == ("inventory.shadow", Severity.MEDIUM)


def test_an_undocumented_method_on_a_documented_path_is_shadow(contract: Api) -> None:
    """DELETE on a documented GET-only path is an undocumented operation."""
    seen = Observation(method="DELETE", path="/api/v2/users/3", status=204)
    states, _ = _run(contract, seen)
    assert states["DELETE /v2/users/{user_id}"] is State.SHADOW


def test_paths_that_only_ever_404_are_unrouted_not_shadow(contract: Api) -> None:
    """A scanner's misses are not endpoints: only-404 traffic makes no finding."""
    states, found = _run(contract, _get("/api/wp-admin.php", 404), _get("/api/.env", 404))
    assert set(states.values()) == {State.UNROUTED}
    assert not [c for c, _ in found.values() if c != "inventory.unseen"]


def test_a_deprecated_operation_still_answering_is_zombie(contract: Api) -> None:
    """GET /v1/orders is deprecated in the contract and still returns 200."""
    _, found = _run(contract, _get("/api/v1/orders"))
    assert found["GET /v1/orders"] == ("inventory.zombie", Severity.MEDIUM)


def test_a_retired_operation_answering_410_is_not_zombie(contract: Api) -> None:
    """Answering 410 Gone is what retiring looks like: no zombie finding."""
    states, found = _run(contract, _get("/api/v1/orders", 410))
    assert states["GET /v1/orders"] is State.DOCUMENTED
    assert "GET /v1/orders" not in found


def test_an_undocumented_old_version_path_is_zombie(contract: Api) -> None:
    """/v1/users/7 when /v2 exists is an old version still live, documented or not."""
    states, found = _run(contract, _get("/api/v1/users/7"))
    assert states["GET /v1/users/{id}"] is State.ZOMBIE
    assert found["GET /v1/users/{id}"][0] == "inventory.zombie"


def test_an_undocumented_newer_version_is_shadow_and_leaves_the_current_one_alone(
    tmp_path: Path,
) -> None:
    """Traffic to an undocumented /v3 is a shadow API; the documented /v2 stays documented."""
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(VERSIONED))
    states, found = _run(
        load(path), _get("/api/v2/me"), _get("/api/v2/accounts"), _get("/api/v3/beta/loans/7")
    )
    assert states["GET /api/v2/me"] is State.DOCUMENTED
    assert states["GET /api/v2/accounts"] is State.DOCUMENTED
    [(key, state)] = [(k, s) for k, s in states.items() if k.startswith("GET /api/v3")]
    assert state is State.SHADOW, key
    assert found[key][0] == "inventory.shadow"
    assert not [c for c, _ in found.values() if c == "inventory.zombie"]


def test_documented_operations_never_seen_are_info(contract: Api) -> None:
    """Documented operations without traffic are listed in one info finding on the contract."""
    result = take_inventory(
        [Batch(source="t", format="har", observations=(_get("/api/v2/orders"),))], contract
    )
    [unseen] = [f for f in result.findings if f.check == "inventory.unseen"]
    assert unseen.severity is Severity.INFO
    assert unseen.location is not None
    assert unseen.detail == (
        "3 of 4 documented operations had no request: "
        "GET /v1/orders, GET /v2/users/search, GET /v2/users/{user_id}."
    )
    assert result.unseen == ("GET /v1/orders", "GET /v2/users/search", "GET /v2/users/{user_id}")


def test_shadow_carrying_secrets_is_high_and_its_evidence_redactable(contract: Api) -> None:
    """Sensitive data in a shadow endpoint's traffic raises it to high; the writers can redact it."""
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWhlcmUtMTIz"
    body = json.dumps({"session_token": jwt, "owner": "a@b.example"})
    result = take_inventory(
        [Batch(source="t", format="har", observations=(_get("/api/v2/export", body=body),))],
        contract,
    )
    [shadow] = [f for f in result.findings if f.check == "inventory.shadow"]
    assert shadow.severity is Severity.HIGH
    assert shadow.owasp == "API9:2023"
    assert "jwt (response $.session_token)" in shadow.detail
    assert shadow.evidence[0].response is not None
    assert jwt in shadow.evidence[0].response.body
    redacted = Redactor().finding(shadow)
    assert redacted.evidence[0].response is not None
    assert jwt not in redacted.evidence[0].response.body
