"""An API's page and its JSON operations: inventory, contract audit, runs, schedule."""

from __future__ import annotations

import httpx
from dashboard_store import NO_SECURITY, TOKEN

from apiward.server.apis import shown
from conftest import SignIn


def _endpoints(client: httpx.Client) -> dict[str, dict[str, str]]:
    detail = client.get("/api/apis/1").json()
    return {f"{e['method']} {e['template']}": e for e in detail["endpoints"]}


def test_the_inventory_joins_the_guards_traffic_and_the_contract(
    dashboard: str, sign_in: SignIn
) -> None:
    """Each endpoint: its state from traffic, its credentials and sensitive data from the contract."""
    client = sign_in("vera")
    endpoints = _endpoints(client)
    order = endpoints["GET /orders/{order_id}"]
    assert order["state"] == "documented"
    assert order["authentication"] == "bearer"
    assert order["sensitive"] == ["email"]
    assert order["exposure"] == "served"
    assert endpoints["GET /orders"]["exposure"] == "refused"
    assert endpoints["GET /health"]["state"] == "not seen"
    assert endpoints["GET /health"]["authentication"] == "none (public)"


def test_shadow_and_zombie_endpoints_carry_their_first_and_last_seen(
    dashboard: str, sign_in: SignIn
) -> None:
    """An undocumented path served is shadow; a deprecated operation served is zombie."""
    client = sign_in("vera")
    endpoints = _endpoints(client)
    shadow = endpoints["GET /internal/debug"]
    assert shadow["state"] == "shadow"
    assert shadow["authentication"] == "unknown (not in the contract)"
    assert shadow["first_seen"] is not None
    zombie = endpoints["DELETE /orders/{order_id}"]
    assert zombie["state"] == "zombie"
    assert zombie["last_seen"] >= zombie["first_seen"]
    page = client.get("/apis/1").text
    assert "2 endpoint(s) served that should not be" in page
    assert "GET /internal/debug" in page


def test_the_page_shows_the_latest_contract_audit_runs_and_schedule(
    dashboard: str, sign_in: SignIn
) -> None:
    """Run 3 audited the contract; both scans are listed; the cron gives three next slots."""
    client = sign_in("vera")
    detail = client.get("/api/apis/1").json()
    assert detail["contract"] == "read"
    assert detail["audit"]["id"] == 3
    assert [f["check"] for f in detail["audit_findings"]] == [NO_SECURITY.check]
    assert [r["id"] for r in detail["runs"]] == [3, 2, 1]
    assert detail["api"]["schedule"] == "0 3 * * *"
    assert len(detail["next_slots"]) == 3
    assert all(slot.endswith(("03:00:00Z", "03:00:00+00:00")) for slot in detail["next_slots"])
    page = client.get("/apis/1")
    assert page.status_code == 200
    assert NO_SECURITY.title in page.text
    assert "<code>0 3 * * *</code>" in page.text
    assert "<script" not in page.text


def test_the_api_list_gives_no_identities_path_and_no_secret(
    dashboard: str, sign_in: SignIn
) -> None:
    """The identities file is only said to exist; no token appears anywhere."""
    client = sign_in("vera")
    listed = client.get("/api/apis")
    assert [a["name"] for a in listed.json()] == ["orders"]
    assert listed.json()[0]["identities"] is False
    for path in ("/api/apis", "/api/apis/1", "/apis/1"):
        assert TOKEN not in client.get(path).text


def test_an_unknown_api_is_404(dashboard: str, sign_in: SignIn) -> None:
    """No such API: 404 on the page and in the API."""
    client = sign_in("vera")
    assert client.get("/api/apis/99").status_code == 404
    assert client.get("/apis/99").status_code == 404


def test_urls_are_shown_without_credentials_or_query() -> None:
    """A contract URL's user, password and query (where tokens ride) are not shown."""
    assert shown("https://bot:s3cret@api.example:8443/v1/openapi.json?token=abc#x") == (
        "https://api.example:8443/v1/openapi.json"
    )
    assert shown("http://[::1]:9/spec") == "http://[::1]:9/spec"
    assert shown("/srv/specs/orders.yaml") == "/srv/specs/orders.yaml"
    assert shown(None) is None
