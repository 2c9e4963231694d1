"""The guard-activity page and its JSON operation: refusals by rule, operation and client."""

from __future__ import annotations

from conftest import SignIn


def test_refusals_by_rule_count_each_refused_request_once(dashboard: str, sign_in: SignIn) -> None:
    """A week of the orders guard's log: two invalid, one unauthenticated, one rate-limited."""
    client = sign_in("vera")
    week = client.get("/api/guard", params={"api": "orders"}).json()
    assert week["bucket"] == "day"
    assert {r["rule"]: r["count"] for r in week["rules"]} == {
        "validate.invalid": 2,
        "authn.missing": 1,
        "ratelimit.exceeded": 1,
    }
    by_operation = {}
    for row in week["refusals"]:
        by_operation[row["operation"]] = by_operation.get(row["operation"], 0) + row["count"]
    assert by_operation == {"GET /orders/{order_id}": 2, "GET /orders": 2}


def test_a_short_window_goes_by_the_hour_and_leaves_older_refusals_out(
    dashboard: str, sign_in: SignIn
) -> None:
    """The last day holds only the rate-limited request of two hours ago."""
    client = sign_in("vera")
    day = client.get("/api/guard", params={"days": 1}).json()
    assert day["api"] is None
    assert day["bucket"] == "hour"
    assert [(r["rule"], r["count"]) for r in day["rules"]] == [("ratelimit.exceeded", 1)]


def test_the_clients_refused_most_come_first_with_how_many_rules(
    dashboard: str, sign_in: SignIn
) -> None:
    """198.51.100.7 was refused three times by two rules; 203.0.113.50 once; allowed ones never."""
    client = sign_in("vera")
    clients = client.get("/api/guard").json()["clients"]
    assert [(c["client"], c["count"], c["rules"]) for c in clients] == [
        ("198.51.100.7", 3, 2),
        ("203.0.113.50", 1, 1),
    ]


def test_the_page_draws_both_timelines_and_lists_rules_and_clients(
    dashboard: str, sign_in: SignIn
) -> None:
    """Two SVG charts with a legend each, the rules table and the clients table."""
    client = sign_in("vera")
    page = client.get("/guard", params={"api": "orders", "days": 7})
    assert page.status_code == 200
    text = page.text
    assert text.count("<svg") >= 2
    assert 'aria-label="refusals by rule"' in text
    assert 'aria-label="refusals by operation"' in text
    assert "validate.invalid" in text
    assert "GET /orders/{order_id}" in text
    assert "198.51.100.7" in text
    assert "<script" not in text


def test_an_unknown_api_is_404_and_a_window_past_a_year_is_refused(
    dashboard: str, sign_in: SignIn
) -> None:
    """Bad filters answer with an error, not an empty page."""
    client = sign_in("vera")
    assert client.get("/api/guard", params={"api": "nope"}).status_code == 404
    assert client.get("/guard", params={"api": "nope"}).status_code == 404
    assert client.get("/api/guard", params={"days": 400}).status_code in (400, 422)
