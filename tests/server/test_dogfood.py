"""The dashboard's JSON API behind apiward's own guard, and apiward's scan of it."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from dashboard_store import BOLA, PASSWORD
from tests.conftest import run_apiward

from apiward.cli.demo import dashboard_hint
from apiward.core.findings import Severity
from apiward.guard.auditverify import verify_log
from apiward.server.app import create_app
from apiward.server.dogfood import CONTRACT
from apiward.server.schema import open_dashboard_store
from conftest import SignIn, csrf_of

PROBLEM = "application/problem+json"
IDENTITIES = """\
identities:
  - name: vera
    role: viewer
    rank: 1
    login:
      operation: POST /api/login
      json: {{name: vera, password: "{password}"}}
      token: csrf               # the session cookie is the credential; writes carry the CSRF token
      header: X-CSRF-Token
      prefix: ""
  - name: vic                 # two of each role: what one user sees, every user sees
    role: viewer
    rank: 1
    headers: {{Authorization: "Bearer {vic}"}}   # an API token, as a CI job scans it
  - name: tom
    role: triager
    rank: 2
    login:
      operation: POST /api/login
      json: {{name: tom, password: "{password}"}}
      token: csrf
      header: X-CSRF-Token
      prefix: ""
  - name: tess
    role: triager
    rank: 2
    headers: {{Authorization: "Bearer {tess}"}}
"""


def _token(client: httpx.Client) -> str:
    made = client.post(
        "/api/tokens", json={"name": "scan"}, headers={"x-csrf-token": csrf_of(client)}
    )
    token: str = made.json()["token"]
    return token


def test_the_shipped_contract_is_the_apps_own(tmp_path: Path) -> None:
    """openapi.json beside guard.yaml is what the app documents (regenerate it if not)."""
    from sqlalchemy import create_engine

    live = create_app(create_engine("sqlite://"), guarded=False).openapi()
    shipped = json.loads(CONTRACT.read_text())
    assert shipped == live, (
        "run: python -m apiward.server.contract > src/apiward/server/openapi.json"
    )


def test_the_guard_refuses_what_the_contract_does_not_allow(
    dashboard: str, sign_in: SignIn
) -> None:
    """Unknown operations, unknown query parameters and unknown properties never reach the app."""
    client = sign_in("tom")
    unknown = client.get("/api/secrets")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith(PROBLEM)
    assert unknown.json()["type"].endswith("/route.unknown")
    extra = client.get("/api/findings", params={"debug": "1"})
    assert extra.status_code == 400
    assert extra.json()["type"].endswith("/validate.unknown-parameter")
    smuggled = client.post(
        f"/api/findings/1/{BOLA.fingerprint}/triage",
        json={"decision": "false-positive", "reason": "x", "by": "ada"},
        headers={"x-csrf-token": csrf_of(client)},
    )
    assert smuggled.status_code == 422
    assert smuggled.json()["type"].endswith("/validate.invalid")
    # A row id past the database's integers is refused, not an overflow inside the app.
    assert client.get("/api/runs/99999999999999999999").status_code in (400, 422)
    assert client.get("/runs/99999999999999999999").status_code == 400
    # Pages are not operations of the contract: the guard leaves them to the app.
    assert client.get("/findings").status_code == 200


def test_logins_are_rate_limited_by_the_guard_right_passwords_too(dashboard: str) -> None:
    """Every login counts against the client (20 a minute), not only the failed ones."""
    with httpx.Client(base_url=dashboard, timeout=30) as client:
        statuses = [
            client.post("/api/login", json={"name": "vera", "password": PASSWORD}).status_code
            for _ in range(21)
        ]
        assert statuses[:20] == [200] * 20
        assert statuses[20] == 429
        refused = client.post("/api/login", json={"name": "vera", "password": PASSWORD})
        assert refused.json()["type"].endswith("/ratelimit.exceeded")
        assert "retry-after" in refused.headers


def test_apiward_scans_its_own_api_and_finds_nothing_medium_or_above(
    dashboard: str, sign_in: SignIn, tmp_path: Path
) -> None:
    """Two viewers and two triagers, by JSON login and by API token: nothing medium or above.

    Runs and findings are shared by every user: with one user of a role, the scanner
    would take every run that user sees for that user's own (none of its role saw it).
    """
    tokens = {name: _token(sign_in(name)) for name in ("vic", "tess")}
    identities = tmp_path / "identities.yaml"
    identities.write_text(IDENTITIES.format(password=PASSWORD, **tokens))
    out = tmp_path / "scan.json"
    done = run_apiward(
        "scan",
        "--spec",
        f"{dashboard}/api/openapi.json",
        "--target",
        dashboard,
        "--identities",
        str(identities),
        "--json",
        str(out),
        timeout=600,
    )
    report = json.loads(out.read_text())
    # The scan's login probes and re-logins pass the guard's 20 logins a minute per client:
    # its restore waits out the Retry-After, then deletes the API tokens it made as their
    # makers, and every login identity logs in again. The dashboard is left as found.
    for row in report["tables"].get("target_state", []):
        assert row["state"] in {"deleted", "restored"}, json.dumps(row)
    assert done.returncode in (0, 1), done.stderr
    logged_in = {note for note in report.get("notes", []) if "login" in str(note).lower()}
    assert not logged_in, logged_in
    for name, token in tokens.items():  # the scan revoked no token: its identities' still work
        me = httpx.get(
            f"{dashboard}/api/me", headers={"authorization": f"Bearer {token}"}, timeout=30
        )
        assert me.json()["name"] == name
    serious = [
        f"{f['severity']} {f['check']} {f['operation']}: {f['title']}"
        for f in report["findings"]
        if Severity(f["severity"]) >= Severity.MEDIUM
    ]
    assert serious == [], "\n".join(serious)


def test_the_demos_hint_names_a_login_that_opens_the_dashboard(
    serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """`apiward demo run` ends with the command and a login that works; each run a new one."""
    store = tmp_path / "store.db"
    first = dashboard_hint(str(store))
    hint = dashboard_hint(str(store))
    assert f"apiward server --store {store}" in hint
    found = re.search(r"sign in as (\S+) with the password (\S+) ", hint)
    assert found is not None, hint
    name, password = found.groups()
    assert password not in first  # the earlier password no longer works
    engine = open_dashboard_store(str(store))
    url = serve(create_app(engine)).url
    with httpx.Client(base_url=url, timeout=30) as client:
        signed_in = client.post("/api/login", json={"name": name, "password": password})
        assert signed_in.status_code == 200
        assert signed_in.json()["role"] == "triager"
        old = re.search(r"with the password (\S+) ", first)
        assert old is not None
        stale = client.post("/api/login", json={"name": name, "password": old.group(1)})
        assert stale.status_code == 401
    engine.dispose()


def test_the_guards_lifespan_runs_and_seals_its_audit_log(tmp_path: Path) -> None:
    """Start-up and shutdown reach the guard (not only HTTP): its audit log ends sealed."""
    audit = tmp_path / "audit.jsonl"
    engine = open_dashboard_store(f"sqlite:///{tmp_path / 'store.db'}")
    app = create_app(engine, guard_audit=str(audit))
    inbox = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return next(inbox)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send))
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    verdict = verify_log(audit)
    assert (verdict.intact, verdict.sealed) == (True, True)
    engine.dispose()
