"""API tokens: made and revoked by their owner, sent as a bearer to /api/ only, shown once."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from dashboard_store import BOLA, build
from tests.conftest import run_apiward

from apiward.core.redact import API_TOKEN, Redactor
from apiward.server.app import create_app
from apiward.server.schema import open_dashboard_store
from apiward.server.tokens import create_token
from conftest import SignIn, csrf_of, login

TRIAGE = f"/api/findings/1/{BOLA.fingerprint}/triage"
SHOWN = re.compile(r'<code class="secret">(apiward_[A-Za-z0-9_-]+)</code>')
FALSE_POSITIVE = {"decision": "false-positive", "reason": "orders are public by design"}


def _make(client: httpx.Client, name: str = "ci", **body: Any) -> dict[str, Any]:
    made = client.post(
        "/api/tokens", json={"name": name, **body}, headers={"x-csrf-token": csrf_of(client)}
    )
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer


def _bearer(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, headers={"authorization": f"Bearer {token}"})


def test_a_token_reads_the_api_until_it_is_revoked(dashboard: str, sign_in: SignIn) -> None:
    """Made with a session, it reads findings with no cookie; once revoked it gets 401."""
    vera = sign_in("vera")
    made = _make(vera, "nightly")
    assert made["token"].startswith("apiward_")
    assert made["owner"] == "vera"
    assert made["expires"] is None
    with closing(_bearer(dashboard, made["token"])) as script:
        findings = script.get("/api/findings")
        assert findings.status_code == 200, findings.text
        assert BOLA.fingerprint in {f["fingerprint"] for f in findings.json()["items"]}
        assert script.get("/api/me").json()["name"] == "vera"
        listed = vera.get("/api/tokens").json()
        assert [t["name"] for t in listed] == ["nightly"]
        assert listed[0]["last_used"] is not None
        gone = vera.delete(f"/api/tokens/{made['id']}", headers={"x-csrf-token": csrf_of(vera)})
        assert gone.status_code == 204
        refused = script.get("/api/findings")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")


def test_a_token_acts_with_its_owners_role_as_it_is_now(dashboard: str, sign_in: SignIn) -> None:
    """A viewer's token cannot triage (403); a triager's can, until the admin demotes them."""
    viewer_token = _make(sign_in("vera"))["token"]
    triager_token = _make(sign_in("tom"))["token"]
    with closing(_bearer(dashboard, viewer_token)) as script:
        assert script.post(TRIAGE, json=FALSE_POSITIVE).status_code == 403
    admin = sign_in("ada")
    users = {u["name"]: u["id"] for u in admin.get("/api/users").json()}
    demote = admin.patch(
        f"/api/users/{users['tom']}",
        json={"role": "viewer"},
        headers={"x-csrf-token": csrf_of(admin)},
    )
    assert demote.status_code == 200
    with closing(_bearer(dashboard, triager_token)) as script:
        assert script.post(TRIAGE, json=FALSE_POSITIVE).status_code == 403
        assert script.get("/api/findings").status_code == 200


def test_an_expired_token_is_refused(tmp_path: Path, serve: Callable[[Any], Any]) -> None:
    """A token past its expiry answers 401 like an unknown one; one before it works."""
    engine = build(tmp_path / "store.db")
    url = serve(create_app(engine)).url
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    stale, _ = create_token(
        engine, "tom", "old", expires=an_hour_ago + timedelta(minutes=1), now=an_hour_ago
    )
    live, _ = create_token(engine, "tom", "new", expires=datetime.now(UTC) + timedelta(days=1))
    with closing(_bearer(url, stale)) as script:
        assert script.get("/api/findings").status_code == 401
    with closing(_bearer(url, live)) as script:
        assert script.get("/api/findings").status_code == 200
    engine.dispose()


def test_a_token_is_shown_once_and_never_again(dashboard: str, sign_in: SignIn) -> None:
    """After the answer that made it, no page and no JSON answer carries the token."""
    tom, admin = sign_in("tom"), sign_in("ada")
    by_api = _make(tom, "api")["token"]
    page = tom.post("/settings/tokens", data={"name": "page", "csrf": csrf_of(tom)})
    assert page.status_code == 201
    shown = SHOWN.search(page.text)
    assert shown is not None, page.text
    by_page = shown.group(1)
    with closing(_bearer(dashboard, by_page)) as script:
        assert script.get("/api/me").json()["name"] == "tom"
    answers = [
        tom.get("/settings/tokens").text,
        tom.get("/api/tokens").text,
        admin.get("/settings/tokens").text,
        admin.get("/api/tokens", params={"everyone": "true"}).text,
        tom.get("/").text,
    ]
    for text in answers:
        assert by_api not in text
        assert by_page not in text
    assert API_TOKEN.search("".join(answers)) is None  # nor any other token
    assert {t["name"] for t in admin.get("/api/tokens", params={"everyone": "true"}).json()} >= {
        "api",
        "page",
    }


def test_a_reloaded_token_form_makes_no_second_token(dashboard: str, sign_in: SignIn) -> None:
    """The form sent again (a reload of the page that showed the token) is refused, one line."""
    tom = sign_in("tom")
    form = {"name": "laptop", "csrf": csrf_of(tom)}
    assert tom.post("/settings/tokens", data=form).status_code == 201
    again = tom.post("/settings/tokens", data=form)
    assert again.status_code == 400
    assert "tom already has a token named &#39;laptop&#39;" in again.text
    assert SHOWN.search(again.text) is None
    assert [t["name"] for t in tom.get("/api/tokens").json()] == ["laptop"]


def test_a_name_is_free_again_once_its_token_is_revoked_or_expired(
    dashboard: str, sign_in: SignIn, tmp_path: Path
) -> None:
    """A user's live tokens never share a name; another user's, or a gone one, does not count."""
    tom, vera = sign_in("tom"), sign_in("vera")
    first = _make(tom, "ci")
    taken = tom.post("/api/tokens", json={"name": " ci "}, headers={"x-csrf-token": csrf_of(tom)})
    assert taken.status_code == 400
    assert taken.json()["detail"].startswith("tom already has a token named 'ci'")
    _make(vera, "ci")
    tom.delete(f"/api/tokens/{first['id']}", headers={"x-csrf-token": csrf_of(tom)})
    _make(tom, "ci")
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    engine = open_dashboard_store(str(tmp_path / "store.db"))  # the dashboard fixture's store
    create_token(engine, "vera", "old", expires=an_hour_ago + timedelta(minutes=1), now=an_hour_ago)
    engine.dispose()
    _make(vera, "old")


def test_a_double_click_makes_one_token(dashboard: str, sign_in: SignIn) -> None:
    """Requests for one name at the same moment: one token is made, the others are refused."""
    tom = sign_in("tom")
    headers = {"x-csrf-token": csrf_of(tom)}

    def make(name: str, start: threading.Barrier) -> int:
        start.wait()
        return tom.post("/api/tokens", json={"name": name}, headers=headers).status_code

    for round_ in range(5):
        start = threading.Barrier(4)
        with ThreadPoolExecutor(4) as pool:
            answers = sorted(pool.map(make, [f"ci-{round_}"] * 4, [start] * 4))
        assert answers == [201, 400, 400, 400]
    assert len(tom.get("/api/tokens").json()) == 5


def test_owners_and_admins_revoke_tokens_others_cannot(dashboard: str, sign_in: SignIn) -> None:
    """Another user's token is 404 to a non-admin; everyone's list needs the admin role."""
    tom, vera, admin = sign_in("tom"), sign_in("vera"), sign_in("ada")
    made = _make(tom)
    theirs = vera.delete(f"/api/tokens/{made['id']}", headers={"x-csrf-token": csrf_of(vera)})
    assert theirs.status_code == 404
    assert vera.get("/api/tokens", params={"everyone": "true"}).status_code == 403
    revoked = admin.post(f"/settings/tokens/{made['id']}/revoke", data={"csrf": csrf_of(admin)})
    assert revoked.status_code == 303
    assert tom.get("/api/tokens").json() == []


def test_a_token_needs_no_csrf_but_cannot_make_tokens(dashboard: str, sign_in: SignIn) -> None:
    """Bearer writes need no CSRF token; a token may revoke itself but never mint another."""
    made = _make(sign_in("tom"))
    with closing(_bearer(dashboard, made["token"])) as script:
        more = script.post("/api/tokens", json={"name": "successor"})
        assert more.status_code == 403
        assert script.delete(f"/api/tokens/{made['id']}").status_code == 204
        assert script.get("/api/me").status_code == 401


def test_a_token_is_for_the_api_alone_and_never_beside_a_cookie(
    dashboard: str, sign_in: SignIn
) -> None:
    """Pages ignore the bearer (login redirect); cookie and bearer together are refused (400)."""
    tom = sign_in("tom")
    token = _make(tom)["token"]
    with closing(_bearer(dashboard, token)) as script:
        page = script.get("/findings")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login")
    both = tom.get("/api/findings", headers={"authorization": f"Bearer {token}"})
    assert both.status_code == 400
    with httpx.Client(base_url=dashboard, timeout=30) as anonymous:
        in_url = anonymous.get("/api/findings", params={"access_token": token})
        assert in_url.status_code == 400
        assert "Authorization header" in in_url.json()["detail"]
        wrong = anonymous.get(
            "/api/findings", headers={"authorization": "Bearer apiward_" + "x" * 43}
        )
        assert wrong.status_code == 401
        basic = anonymous.get("/api/findings", headers={"authorization": "Basic dG9tOng="})
        assert basic.status_code == 401  # not a token: no session either
    proxied = tom.get("/api/findings", headers={"authorization": "Basic dG9tOng="})
    assert proxied.status_code == 200  # a proxy's Basic beside the cookie is not a token


def test_no_token_reaches_the_guards_audit_log(tmp_path: Path, serve: Callable[[Any], Any]) -> None:
    """Used as a bearer and (wrongly) in a URL, a token leaves no trace in the audit events."""
    engine = build(tmp_path / "store.db")
    audit = tmp_path / "audit.jsonl"
    url = serve(create_app(engine, guard_audit=str(audit))).url
    token, _ = create_token(engine, "tom", "ci")
    with closing(_bearer(url, token)) as script:
        assert script.get("/api/findings").status_code == 200
        assert script.post(TRIAGE, json=FALSE_POSITIVE).status_code == 200
    with httpx.Client(base_url=url, timeout=30) as anonymous:
        assert anonymous.get(f"/api/{token}").status_code == 400
        assert anonymous.get("/api/findings", params={token: ""}).status_code == 400
    logged = audit.read_text()
    assert '"path":"/api/findings"' in logged.replace(" ", "")
    assert token not in logged
    engine.dispose()


def test_the_contract_declares_the_bearer_beside_the_cookie(dashboard: str) -> None:
    """Every operation but the login takes the session cookie or an API token (either one)."""
    with httpx.Client(base_url=dashboard) as client:
        spec = client.get("/api/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["token"]["type"] == "http"
    assert schemes["token"]["scheme"] == "bearer"
    assert schemes["session"]["in"] == "cookie"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            wanted = [] if path == "/api/login" else [{"session": []}, {"token": []}]
            assert operation.get("security", []) == wanted, f"{method} {path}"


def test_the_redactor_masks_apiward_tokens_wherever_they_appear() -> None:
    """A leaked token in free text is masked without being told about it."""
    token = "apiward_" + "A1b2-C3d4_" * 4 + "xyz"
    text = f"curl -H 'Authorization: Bearer {token}' https://dash/api/findings; t={token}."
    masked = Redactor().text(text)
    assert token not in masked
    assert masked.count("[redacted]") == 2
    assert Redactor().text("apiward_demo is an API name") == "apiward_demo is an API name"


def test_a_ci_script_with_only_a_token_triages_a_finding(
    tmp_path: Path, serve: Callable[[Any], Any]
) -> None:
    """`apiward server create-token` prints a token; curl with nothing else triages a finding."""
    store = tmp_path / "store.db"
    engine = build(store)
    url = serve(create_app(engine)).url
    made = run_apiward("server", "create-token", "tom", "--name", "ci", "--store", str(store))
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("apiward_")
    assert token not in made.stderr
    script = (
        'curl -sf -H "Authorization: Bearer $APIWARD_TOKEN" -H "content-type: application/json" '
        f"-d '{json.dumps(FALSE_POSITIVE)}' \"$APIWARD_URL{TRIAGE}\""
    )
    done = subprocess.run(
        ["/bin/sh", "-c", script],
        env={"PATH": "/usr/bin:/bin", "APIWARD_URL": url, "APIWARD_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with closing(login(url, "ada")) as admin:
        triage = admin.get(f"/api/findings/1/{BOLA.fingerprint}").json()["finding"]["triage"]
    assert triage["by"] == "tom"
    assert triage["decision"] == "false-positive"
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nobody", "--name", "ci"], "no user named 'nobody'"),
        (["tom", "--name", "ci", "--expires", "soon"], "--expires 'soon'"),
        (["tom", "--name", "ci", "--expires", "2001-01-01"], "in the future"),
        (["vera", "--name", "taken"], "vera already has a token named 'taken'"),
    ],
    ids=["unknown-user", "bad-date", "past", "name-taken"],
)
def test_create_token_refuses_bad_input_in_one_line(
    tmp_path: Path, args: list[str], says: str
) -> None:
    """An unknown user, a bad or past date, a name the user's live tokens have: one line, exit 2."""
    store = tmp_path / "store.db"
    engine = build(store)
    create_token(engine, "vera", "taken")
    engine.dispose()
    done = run_apiward("server", "create-token", *args, "--store", str(store))
    assert done.returncode == 2, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr
