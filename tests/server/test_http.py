"""The dashboard over HTTP: who may see and do what, and what the pages and API show."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
from dashboard_store import BOLA, PASSWORD, T0, TARGET, TOKEN

from apiward.core.findings import Finding, Severity
from apiward.report.model import Ran, Report, Skipped
from apiward.server import api, pages
from apiward.server.app import SECTIONS
from apiward.server.headers import SAFE
from apiward.server.schema import open_dashboard_store
from apiward.store import record_run
from conftest import SignIn, csrf_of

PAGES = [
    "/",
    "/findings",
    "/runs",
    "/runs/2",
    f"/findings/1/{BOLA.fingerprint}",
    "/guard",
    "/apis/1",
    "/apis/new",
    "/settings",
    "/settings/tokens",
]
API = [
    "/api/overview",
    "/api/findings",
    "/api/runs/2",
    f"/api/findings/1/{BOLA.fingerprint}",
    "/api/guard",
    "/api/apis",
    "/api/apis/1",
    "/api/users",
    "/api/webhooks",
    "/api/tokens",
]


def _writes() -> list[str]:
    """Every state-changing route of the app, with placeholders filled."""
    found = []
    routers = [pages.router, api.router]
    routers += [r for section in SECTIONS for r in (section.page_router, section.api_router)]
    for route in [route for router in routers for route in router.routes]:
        methods = getattr(route, "methods", None) or set()
        for method in methods - SAFE:
            path = route.path.replace("{fingerprint}", BOLA.fingerprint)  # type: ignore[attr-defined]
            for name in ("{api_id}", "{user_id}", "{webhook_id}", "{token_id}"):
                path = path.replace(name, "1")
            found.append(f"{method} {path}")
    return sorted(found)


DECISION = {"decision": "false-positive", "reason": "x"}


def _valid_body(path: str) -> dict[str, object]:
    """A body the guard lets through, so that the app's own checks are what answers."""
    if path == "/api/findings/triage":
        return {"json": {**DECISION, "findings": [{"api_id": 1, "fingerprint": BOLA.fingerprint}]}}
    bodies: dict[str, dict[str, object]] = {
        "/api/users": {"json": {"name": "una", "password": PASSWORD, "role": "viewer"}},
        "/settings/users": {"data": {"name": "una", "password": PASSWORD, "role": "viewer"}},
        "/api/users/1": {"json": {"role": "viewer"}},
        "/settings/users/1/role": {"data": {"role": "viewer"}},
        "/api/webhooks": {"json": {"url": "https://hooks.example/T0/B0/x"}},
        "/settings/webhooks": {"data": {"url": "https://hooks.example/T0/B0/x"}},
        "/api/apis/1/schedule": {"json": {"schedule": None}},
        "/api/tokens": {"json": {"name": "ci"}},
        "/settings/tokens": {"data": {"name": "ci"}},
    }
    if path in bodies:
        return bodies[path]
    if path in ("/apis", "/api/apis"):
        return {"json" if path.startswith("/api/") else "data": {"name": "billing"}}
    if path == "/findings/triage":
        return {"data": {**DECISION, "finding": f"1:{BOLA.fingerprint}"}}
    if not path.endswith("/triage"):
        return {}
    return {"json": DECISION} if path.startswith("/api/") else {"data": DECISION}


def test_signed_out_pages_lead_to_the_login_and_the_api_answers_401(dashboard: str) -> None:
    """No page or API operation shows anything without a session."""
    with httpx.Client(base_url=dashboard) as client:
        for page in PAGES:
            answer = client.get(page)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/login?next=")
        for path in API:
            assert client.get(path).status_code == 401
        for write in _writes():
            method, path = write.split(" ")
            if path not in ("/login", "/api/login"):
                answer = client.request(method, path, **_valid_body(path))  # type: ignore[arg-type]
                assert answer.status_code in (401, 403), write


def test_every_write_needs_the_sessions_csrf_token(dashboard: str, sign_in: SignIn) -> None:
    """A signed-in admin's state-changing request without its CSRF token is refused."""
    client = sign_in("ada")
    writes = [w for w in _writes() if w.split(" ")[1] not in ("/login", "/api/login")]
    assert writes
    for write in writes:
        method, path = write.split(" ")
        answer = client.request(method, path, **_valid_body(path))  # type: ignore[arg-type]
        assert answer.status_code == 403, write
        wrong = client.request(
            method,
            path,
            headers={"x-csrf-token": "not-the-token"},
            **_valid_body(path),  # type: ignore[arg-type]
        )
        assert wrong.status_code == 403, write
    assert client.get("/api/me").status_code == 200  # still signed in: logout was refused too


def test_cross_site_writes_are_refused_before_any_route(dashboard: str, sign_in: SignIn) -> None:
    """A form posted from another site is refused, even with the right token."""
    client = sign_in("ada")
    answer = client.post(
        f"/api/findings/1/{BOLA.fingerprint}/triage",
        json={"decision": "false-positive", "reason": "x"},
        headers={"x-csrf-token": csrf_of(client), "origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert client.get(f"/api/findings/1/{BOLA.fingerprint}").json()["finding"]["triage"] is None


def test_login_form_needs_its_own_token_and_wrong_passwords_are_throttled(dashboard: str) -> None:
    """A login without the form's token is refused; past five failures the right one is too."""
    with httpx.Client(base_url=dashboard) as client:
        forged = client.post("/login", data={"name": "ada", "password": PASSWORD, "csrf": "x"})
        assert forged.status_code == 403
        for _ in range(5):
            answer = client.post("/api/login", json={"name": "ada", "password": "wrong guess"})
            assert answer.status_code == 401
        throttled = client.post("/api/login", json={"name": "ada", "password": PASSWORD})
        assert throttled.status_code == 429
        other = client.post("/api/login", json={"name": "tom", "password": PASSWORD})
        assert other.status_code == 200


def test_session_cookie_is_httponly_samesite_and_secure_under_tls(dashboard: str) -> None:
    """The cookie is HttpOnly and SameSite=Lax; Secure when a local TLS proxy forwards https."""
    with httpx.Client(base_url=dashboard) as client:
        plain = client.post("/api/login", json={"name": "vera", "password": PASSWORD})
        cookie = plain.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" not in cookie
        tls = client.post(
            "/api/login",
            json={"name": "vera", "password": PASSWORD},
            headers={"x-forwarded-proto": "https"},
        )
        assert "secure" in tls.headers["set-cookie"].lower()


def test_pages_carry_a_csp_without_scripts_and_no_secret(dashboard: str, sign_in: SignIn) -> None:
    """Every page: a CSP with no script source, no <script>, no token, no password hash."""
    client = sign_in("ada")
    for page in PAGES:
        answer = client.get(page)
        assert answer.status_code == 200, page
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy
        assert "unsafe-inline" not in policy
        assert answer.headers["cache-control"] == "no-store"
        assert "<script" not in answer.text
        assert TOKEN not in answer.text
        assert "$argon2id$" not in answer.text
    for path in API:
        text = client.get(path).text
        assert TOKEN not in text
        assert "$argon2" not in text


def test_a_viewer_reads_but_cannot_triage(dashboard: str, sign_in: SignIn) -> None:
    """The viewer sees the finding without a triage form; a triage request is refused (403)."""
    client = sign_in("vera")
    page = client.get(f"/findings/1/{BOLA.fingerprint}")
    assert page.status_code == 200
    assert "/triage" not in page.text
    csrf = csrf_of(client)
    answer = client.post(
        f"/api/findings/1/{BOLA.fingerprint}/triage",
        json={"decision": "false-positive", "reason": "public"},
        headers={"x-csrf-token": csrf},
    )
    assert answer.status_code == 403
    form = client.post(
        f"/findings/1/{BOLA.fingerprint}/triage",
        data={"decision": "false-positive", "reason": "public", "csrf": csrf},
    )
    assert form.status_code == 403


def test_a_triager_marks_a_false_positive_and_it_leaves_the_open_list(
    dashboard: str, sign_in: SignIn
) -> None:
    """Triage through the form is recorded by the signed-in user and hides the finding."""
    client = sign_in("tom")
    before = client.get("/api/findings").json()
    assert BOLA.fingerprint in {f["fingerprint"] for f in before["items"]}
    answer = client.post(
        f"/findings/1/{BOLA.fingerprint}/triage",
        data={"decision": "false-positive", "reason": "orders are public", "csrf": csrf_of(client)},
    )
    assert answer.status_code == 303
    detail = client.get(f"/api/findings/1/{BOLA.fingerprint}").json()
    assert detail["finding"]["triage"]["by"] == "tom"
    assert detail["decisions"][0]["reason"] == "orders are public"
    after = client.get("/api/findings").json()
    assert BOLA.fingerprint not in {f["fingerprint"] for f in after["items"]}
    assert after["total"] == before["total"] - 1
    triaged = client.get("/api/findings", params={"triage": "triaged"}).json()
    assert [f["fingerprint"] for f in triaged["items"]] == [BOLA.fingerprint]
    assert triaged["total"] == 1
    every = client.get("/api/findings", params={"triage": "all"}).json()
    assert every["total"] == before["total"]


def test_an_accepted_risk_without_expiry_is_refused_with_its_reason(
    dashboard: str, sign_in: SignIn
) -> None:
    """The store's own rule comes back as a 400 saying what is missing."""
    client = sign_in("tom")
    answer = client.post(
        f"/api/findings/1/{BOLA.fingerprint}/triage",
        json={"decision": "accepted-risk", "reason": "WAF rule"},
        headers={"x-csrf-token": csrf_of(client)},
    )
    assert answer.status_code == 400
    assert "expires" in answer.json()["detail"]


def test_findings_filter_by_severity_state_and_check(dashboard: str, sign_in: SignIn) -> None:
    """Filters narrow the list on the page and in the API alike."""
    client = sign_in("vera")
    api = client.get("/api/findings", params={"severity": "medium"}).json()
    assert [f["check"] for f in api["items"]] == ["cors"]
    fixed = client.get("/api/findings", params={"state": "fixed"}).json()
    assert [f["check"] for f in fixed["items"]] == ["sqli"]
    page = client.get("/findings", params={"check": "bola"}).text
    assert "bob reads alice&#39;s order" in page
    assert "any origin may read" not in page


def test_run_page_shows_the_diff_and_the_skips(dashboard: str, sign_in: SignIn) -> None:
    """Run 2 against run 1: CORS appeared, SQLi fixed (tested again); SSRF skipped and why."""
    client = sign_in("vera")
    run = client.get("/api/runs/2").json()
    assert run["diff"]["previous"] == 1
    assert [f["check"] for f in run["diff"]["appeared"]] == ["cors"]
    assert [(g["finding"]["check"], g["tested"]) for g in run["diff"]["disappeared"]] == [
        ("sqli", True)
    ]
    assert run["skipped"] == [
        {
            "check": "ssrf",
            "operation": "POST /webhooks",
            "reason": "no harvested id",
            "detail": "no order listed",
        }
    ]
    page = client.get("/runs/2").text
    assert "appeared" in page
    assert "fixed" in page
    assert "no harvested id" in page


def test_a_long_run_diff_comes_a_page_at_a_time(
    dashboard: str, sign_in: SignIn, tmp_path: Path
) -> None:
    """120 findings appear and 2 go: the page lists 100 with a next link; the API windows."""
    engine = open_dashboard_store(str(tmp_path / "store.db"))
    many = [
        Finding(check="bola", title=f"order {n}", severity=Severity.LOW, operation=f"GET /o{n}")
        for n in range(120)
    ]
    ran = Ran(check="bola", operation="GET /orders/{order_id}")
    report = Report(
        tool="scan",
        target=TARGET,
        started=T0 + timedelta(days=2),
        finished=T0 + timedelta(days=2),
        findings=tuple(many),
        ran=(ran,),
        complete=True,
    )
    run = record_run(engine, report, api="orders").run.id
    engine.dispose()
    client = sign_in("vera")
    first = client.get(f"/runs/{run}").text
    assert "120 appeared, 2 disappeared, 0 changed" in first
    assert first.count('<td class="state-new">appeared</td>') == 100
    assert 'href="?page=2">next<' in first
    second = client.get(f"/runs/{run}", params={"page": 2}).text
    assert second.count('<td class="state-new">appeared</td>') == 20
    assert second.count("state-fixed") == 2
    assert 'href="?page=1">previous<' in second
    window = client.get(f"/api/runs/{run}", params={"offset": 119, "limit": 2}).json()["diff"]
    assert window["size"] == {"appeared": 120, "disappeared": 2, "changed": 0}
    assert [f["title"] for f in window["appeared"]] == [
        sorted(many, key=lambda f: (f.operation or "", f.fingerprint))[-1].title
    ]
    assert [g["finding"]["check"] for g in window["disappeared"]] == ["bola"]


def test_run_page_folds_skips_by_reason_with_counts(
    dashboard: str, sign_in: SignIn, tmp_path: Path
) -> None:
    """Hundreds of skips show as one folded group per reason, the commonest first, counted."""
    engine = open_dashboard_store(str(tmp_path / "store.db"))
    many = [
        Skipped(check="bola", operation=f"GET /o{n}", reason="no harvested id", detail=f"o{n}")
        for n in range(300)
    ]
    skipped = (*many, Skipped(check="ssrf", operation="POST /hooks", reason="excluded by --safe"))
    when = T0 + timedelta(days=2)
    report = Report(tool="scan", target=TARGET, started=when, finished=when, skipped=skipped)
    run = record_run(engine, report, api="orders").run.id
    engine.dispose()
    page = sign_in("vera").get(f"/runs/{run}").text
    groups = re.findall(r"<details class=\"skipped\">\s*<summary>([^<]*)</summary>", page)
    assert groups == ["no harvested id (300)", "excluded by --safe (1)"]
    assert "<script" not in page


def test_finding_page_shows_redacted_evidence_reproduction_and_history(
    dashboard: str, sign_in: SignIn
) -> None:
    """The exchange is shown with its token masked and whole ms; both runs are listed."""
    client = sign_in("vera")
    page = client.get(f"/findings/1/{BOLA.fingerprint}").text
    assert "GET http://127.0.0.1:9/orders/ord_1" in page
    assert "HTTP 200 (61 ms)" in page
    assert "authorization: Bearer" in page
    assert "curl -H" in page
    assert re.search(r'href="/runs/1">#1<', page)
    assert re.search(r'href="/runs/2">#2<', page)


def test_overview_counts_open_findings_and_draws_svg(dashboard: str, sign_in: SignIn) -> None:
    """One API with one high, one medium and one low open; the charts are inline SVG."""
    client = sign_in("vera")
    overview = client.get("/api/overview").json()
    assert overview["totals"] == {"critical": 0, "high": 1, "medium": 1, "low": 1, "info": 0}
    assert overview["apis"][0]["last_run"]["id"] == 3
    assert overview["apis"][0]["risk"] == 32  # 1 - 0.75 x 0.92 x 0.98
    # Of the guard's log, only the 429 two hours ago is a refusal inside the last day.
    assert overview["apis"][0]["refused_24h"] == 1
    page = client.get("/").text
    assert page.count("<svg") == 2
    assert "1 request in the last 24 hours" in page
    assert 'aria-label="open findings by severity"' in page


def test_overview_leaves_out_what_was_triaged_away(dashboard: str, sign_in: SignIn) -> None:
    """A false positive no longer counts as open; the other severities are untouched."""
    client = sign_in("tom")
    answer = client.post(
        f"/api/findings/1/{BOLA.fingerprint}/triage",
        json={"decision": "false-positive", "reason": "orders are public"},
        headers={"x-csrf-token": csrf_of(client)},
    )
    assert answer.status_code == 200
    overview = client.get("/api/overview").json()
    assert overview["totals"] == {"critical": 0, "high": 0, "medium": 1, "low": 1, "info": 0}
    assert overview["apis"][0]["open"] == {"medium": 1, "low": 1}
    assert overview["apis"][0]["risk"] == 10


def test_openapi_documents_every_api_operation(dashboard: str) -> None:
    """/api/openapi.json lists each JSON operation and no HTML page; no Swagger UI is served."""
    with httpx.Client(base_url=dashboard) as client:
        spec = client.get("/api/openapi.json").json()
        assert client.get("/docs").status_code in (303, 404)
    assert set(spec["paths"]) == {
        "/api/login",
        "/api/logout",
        "/api/me",
        "/api/overview",
        "/api/findings",
        "/api/findings/{api_id}/{fingerprint}",
        "/api/findings/{api_id}/{fingerprint}/triage",
        "/api/runs/{run_id}",
        "/api/guard",
        "/api/apis",
        "/api/apis/{api_id}",
        "/api/findings/triage",
        "/api/apis/{api_id}/scan",
        "/api/findings/{api_id}/{fingerprint}/retest",
        "/api/users",
        "/api/users/{user_id}",
        "/api/webhooks",
        "/api/webhooks/{webhook_id}",
        "/api/apis/{api_id}/schedule",
        "/api/tokens",
        "/api/tokens/{token_id}",
    }


def test_login_never_redirects_off_site(dashboard: str) -> None:
    """`next` pointing at another site lands on the overview instead."""
    with httpx.Client(base_url=dashboard) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        answer = client.post(
            "/login",
            data={
                "name": "vera",
                "password": PASSWORD,
                "csrf": token.group(1),
                "next": "//evil.example/",
            },
        )
    assert answer.headers["location"] == "/"


def test_favicon_is_the_shield_for_anyone_and_may_be_cached(dashboard: str) -> None:
    """/favicon.ico, which browsers ask for beside /api/openapi.json, is an icon, signed out."""
    with httpx.Client(base_url=dashboard) as client:
        assert client.get("/api/openapi.json").status_code == 200
        icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/vnd.microsoft.icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "no-store" not in icon.headers.get("cache-control", "")
