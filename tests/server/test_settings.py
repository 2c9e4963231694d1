"""The admin's settings: users and roles, webhooks (masked), schedules; admins only."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import httpx
from dashboard_store import PASSWORD

from apiward.server.webhooks import stored_urls
from apiward.store import open_store
from conftest import SignIn, csrf_of, login

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"


def _write(client: httpx.Client, method: str, path: str, **body: object) -> httpx.Response:
    return client.request(method, path, headers={"x-csrf-token": csrf_of(client)}, **body)  # type: ignore[arg-type]


def test_an_admin_adds_a_user_who_can_then_sign_in(dashboard: str, sign_in: SignIn) -> None:
    """The new user signs in with the password given; no hash is ever answered."""
    admin = sign_in("ada")
    made = _write(
        admin, "POST", "/api/users", json={"name": "una", "password": PASSWORD, "role": "triager"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "triager"
    with closing(login(dashboard, "una")) as una:
        assert una.get("/api/me").json()["role"] == "triager"
    short = _write(
        admin, "POST", "/api/users", json={"name": "x", "password": "short", "role": "viewer"}
    )
    assert short.status_code == 400
    listed = admin.get("/api/users").text
    assert "una" in listed
    assert "$argon2" not in listed
    assert "$argon2" not in admin.get("/settings").text


def test_a_role_change_applies_at_once_and_the_last_admin_stays(
    dashboard: str, sign_in: SignIn
) -> None:
    """vera becomes triager mid-session; ada, the only admin, cannot demote herself."""
    admin, vera = sign_in("ada"), sign_in("vera")
    users = {u["name"]: u["id"] for u in admin.get("/api/users").json()}
    changed = _write(admin, "PATCH", f"/api/users/{users['vera']}", json={"role": "triager"})
    assert changed.status_code == 200
    assert vera.get("/api/me").json()["role"] == "triager"
    last = _write(admin, "PATCH", f"/api/users/{users['ada']}", json={"role": "viewer"})
    assert last.status_code == 400
    assert "last admin" in last.json()["detail"]
    form = admin.post(
        f"/settings/users/{users['tom']}/role", data={"role": "viewer", "csrf": csrf_of(admin)}
    )
    assert form.status_code == 303
    assert {u["name"]: u["role"] for u in admin.get("/api/users").json()}["tom"] == "viewer"


def test_webhooks_are_shown_masked_and_reach_the_workers(
    dashboard: str, sign_in: SignIn, tmp_path: Path
) -> None:
    """The Slack path never comes back; a worker on the store reads the whole URL."""
    admin = sign_in("ada")
    added = _write(admin, "POST", "/api/webhooks", json={"url": SLACK})
    assert added.status_code == 201
    assert added.json()["url"] == "https://hooks.slack.com/…"
    assert "XXXXsecretXXXX" not in admin.get("/api/webhooks").text
    assert "XXXXsecretXXXX" not in admin.get("/settings").text
    bad = _write(admin, "POST", "/api/webhooks", json={"url": "file:///etc/passwd"})
    assert bad.status_code == 400
    engine = open_store(str(tmp_path / "store.db"))
    try:
        assert stored_urls(engine) == (SLACK,)
    finally:
        engine.dispose()
    gone = _write(admin, "DELETE", f"/api/webhooks/{added.json()['id']}")
    assert gone.status_code == 204
    assert admin.get("/api/webhooks").json() == []


def test_an_admin_sets_and_clears_a_schedule(dashboard: str, sign_in: SignIn) -> None:
    """A cron expression is checked; null clears it; the API page follows."""
    admin = sign_in("ada")
    set_ = _write(admin, "PUT", "/api/apis/1/schedule", json={"schedule": "15 4 * * 1-5"})
    assert set_.status_code == 200
    assert admin.get("/api/apis/1").json()["api"]["schedule"] == "15 4 * * 1-5"
    wrong = _write(admin, "PUT", "/api/apis/1/schedule", json={"schedule": "at dawn"})
    assert wrong.status_code == 400
    form = admin.post("/settings/schedules/1", data={"schedule": "", "csrf": csrf_of(admin)})
    assert form.status_code == 303
    assert admin.get("/api/apis/1").json()["next_slots"] == []


def test_only_admins_see_or_change_settings(dashboard: str, sign_in: SignIn) -> None:
    """A triager gets 403 on every settings page and operation, and no Settings link."""
    tom = sign_in("tom")
    assert tom.get("/settings").status_code == 403
    assert tom.get("/api/users").status_code == 403
    assert tom.get("/api/webhooks").status_code == 403
    assert _write(tom, "POST", "/api/webhooks", json={"url": SLACK}).status_code == 403
    assert _write(tom, "PUT", "/api/apis/1/schedule", json={"schedule": None}).status_code == 403
    assert 'href="/settings"' not in tom.get("/").text
