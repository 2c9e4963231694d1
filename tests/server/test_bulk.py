"""Bulk triage from the findings list and the JSON API, and the list's OWASP filter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from dashboard_store import BOLA, CORS, NO_SECURITY, SQLI

from apiward.server.bulk import MOST
from conftest import SignIn, csrf_of


def _open(client: httpx.Client) -> set[str]:
    items = client.get("/api/findings").json()["items"]
    return {f["fingerprint"] for f in items}


def test_a_triager_marks_several_findings_at_once_from_the_list(
    dashboard: str, sign_in: SignIn
) -> None:
    """Ticked findings get one decision, by the signed-in user, and leave the open list."""
    client = sign_in("tom")
    page = client.get("/findings", params={"severity": ["high", "medium"]}).text
    assert f'value="1:{BOLA.fingerprint}"' in page
    assert 'aria-label="select any origin may read with credentials"' in page
    back = re.search(r'name="back" value="([^"]+)"', page)
    assert back is not None
    answer = client.post(
        "/findings/triage",
        data={
            "csrf": csrf_of(client),
            "finding": [f"1:{BOLA.fingerprint}", f"1:{CORS.fingerprint}"],
            "decision": "false-positive",
            "reason": "the test orders are public",
            "back": back.group(1).replace("&amp;", "&"),
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/findings?severity=high&severity=medium"
    assert _open(client) == {NO_SECURITY.fingerprint}
    detail = client.get(f"/api/findings/1/{CORS.fingerprint}").json()
    assert detail["finding"]["triage"]["by"] == "tom"
    assert detail["finding"]["triage"]["reason"] == "the test orders are public"


def test_the_json_api_accepts_a_risk_on_several_findings_with_an_expiry(
    dashboard: str, sign_in: SignIn
) -> None:
    """Accepted risk until a date: the answer lists each finding as it now stands."""
    client = sign_in("tom")
    until = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    answer = client.post(
        "/api/findings/triage",
        json={
            "findings": [
                {"api_id": 1, "fingerprint": BOLA.fingerprint},
                {"api_id": 1, "fingerprint": NO_SECURITY.fingerprint},
            ],
            "decision": "accepted-risk",
            "reason": "WAF rule 1203 until the fix ships",
            "expires": until,
        },
        headers={"x-csrf-token": csrf_of(client)},
    )
    assert answer.status_code == 200, answer.text
    assert {(f["fingerprint"], f["triage"]["expires"]) for f in answer.json()} == {
        (BOLA.fingerprint, until),
        (NO_SECURITY.fingerprint, until),
    }
    assert _open(client) == {CORS.fingerprint}


def test_a_decision_that_does_not_hold_or_an_unknown_finding_triages_none(
    dashboard: str, sign_in: SignIn
) -> None:
    """No expiry on an accepted risk: 400; one unknown fingerprint: 404; nothing recorded."""
    client = sign_in("tom")
    csrf = {"x-csrf-token": csrf_of(client)}
    both = [{"api_id": 1, "fingerprint": BOLA.fingerprint}]
    no_expiry = client.post(
        "/api/findings/triage",
        json={"findings": both, "decision": "accepted-risk", "reason": "WAF"},
        headers=csrf,
    )
    assert no_expiry.status_code == 400
    assert "expires" in no_expiry.json()["detail"]
    unknown = client.post(
        "/api/findings/triage",
        json={
            "findings": [*both, {"api_id": 1, "fingerprint": "0" * 16}],
            "decision": "false-positive",
            "reason": "x",
        },
        headers=csrf,
    )
    assert unknown.status_code == 404
    assert BOLA.fingerprint in _open(client)
    form = client.post(
        "/findings/triage",
        data={"csrf": csrf["x-csrf-token"], "decision": "false-positive", "reason": "x"},
    )
    assert form.status_code == 400
    assert "tick at least one finding" in form.text


def test_a_refused_bulk_triage_shows_the_list_again_with_the_ticks_kept(
    dashboard: str, sign_in: SignIn
) -> None:
    """Accepted risk with no expiry: the list again, the error in the form's words, ticks kept."""
    client = sign_in("tom")
    answer = client.post(
        "/findings/triage",
        data={
            "csrf": csrf_of(client),
            "finding": [f"1:{BOLA.fingerprint}", f"1:{CORS.fingerprint}"],
            "decision": "accepted-risk",
            "reason": "WAF rule 1203",
            "back": "/findings?severity=high&severity=medium",
        },
    )
    assert answer.status_code == 400
    assert "An accepted-risk decision needs an Expires date." in answer.text
    assert "--expires" not in answer.text
    for picked in (BOLA, CORS):
        assert re.search(rf'value="1:{picked.fingerprint}"[^>]*checked', answer.text)
    assert 'value="WAF rule 1203"' in answer.text
    assert re.search(r'value="accepted-risk"\s+selected', answer.text)
    assert 'name="severity" value="high" checked' in answer.text
    assert _open(client) == {BOLA.fingerprint, CORS.fingerprint, NO_SECURITY.fingerprint}


def test_a_viewer_gets_no_selection_and_cannot_bulk_triage(dashboard: str, sign_in: SignIn) -> None:
    """No checkboxes for a viewer; the request itself is refused (403)."""
    client = sign_in("vera")
    page = client.get("/findings").text
    assert 'name="finding"' not in page
    answer = client.post(
        "/api/findings/triage",
        json={
            "findings": [{"api_id": 1, "fingerprint": BOLA.fingerprint}],
            "decision": "false-positive",
            "reason": "x",
        },
        headers={"x-csrf-token": csrf_of(client)},
    )
    assert answer.status_code == 403
    assert BOLA.fingerprint in _open(client)


def test_findings_filter_by_owasp_category_2019_ids_read_as_2023(
    dashboard: str, sign_in: SignIn
) -> None:
    """API1:2023 is BOLA; SQLi's API8:2019 counts as Injection, not API8:2023 misconfiguration."""
    client = sign_in("vera")
    every = {"state": ["new", "open", "regressed", "fixed"]}

    def checks(owasp: str) -> list[str]:
        answer = client.get("/api/findings", params={**every, "owasp": owasp}).json()
        return [f["check"] for f in answer["items"]]

    assert checks("API1:2023") == ["bola"]
    assert checks("Injection") == [SQLI.check]
    assert checks("API8:2023") == ["cors"]
    assert checks("API4:2023") == []
    page = client.get("/findings", params={"owasp": "API2:2023"}).text
    assert NO_SECURITY.title in page
    assert BOLA.title.replace("'", "&#39;") not in page
    assert ">API1:2023 Broken Object Level Authorization</option>" in page


def test_the_largest_bulk_body_the_contract_allows_passes_the_guard(
    dashboard: str, sign_in: SignIn
) -> None:
    """150 findings with long ids and a 2000-character reason fit the guard's 16 KiB."""
    client = sign_in("tom")
    picked = [{"api_id": 2**63 - 1 - n, "fingerprint": f"{n:032x}"} for n in range(MOST)]
    body = {"findings": picked, "decision": "false-positive", "reason": "x" * 2000}
    answer = client.post(
        "/api/findings/triage", json=body, headers={"x-csrf-token": csrf_of(client)}
    )
    assert answer.status_code == 404  # the app answered: none of them is in the store
    too_many = {**body, "findings": [*picked, picked[0]]}
    refused = client.post(
        "/api/findings/triage", json=too_many, headers={"x-csrf-token": csrf_of(client)}
    )
    assert refused.status_code in (413, 422)
