"""login: user enumeration and missing brute-force protection, on the demo bank and tiny apps."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from auth_support import scan_demo_only, scan_only, user
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from apiward.core.findings import Severity
from apiward.demo import load_ground_truth, matches
from apiward.scan import Results
from apiward.scan.checks.login import BURST, LoginFlaws

PLANTED = ["login-user-enumeration", "login-no-brute-force-protection"]


@pytest.fixture(scope="module")
def demo() -> Results:
    """The vulnerable demo bank scanned with login only."""
    return scan_demo_only([LoginFlaws()], fixed=False)


@pytest.mark.parametrize("flaw_id", PLANTED, ids=PLANTED)
def test_finds_the_planted_login_flaws(demo: Results, flaw_id: str) -> None:
    """Each planted login flaw has a matching finding (category and operation)."""
    flaw = next(f for f in load_ground_truth() if f.id == flaw_id)
    assert [f for f in demo.findings if matches(f, flaw)], [f.key for f in demo.findings]


def test_silent_on_the_fixed_bank() -> None:
    """No login finding of medium severity or above on the fixed bank, and no scan error."""
    results = scan_demo_only([LoginFlaws()], fixed=True)
    assert [f.key for f in results.findings if f.severity >= Severity.MEDIUM] == []
    assert results.errors == []


def test_safe_mode_tests_the_demo_login_on_its_own_sign_up() -> None:
    """Under --safe the bank's sign-up gives the scan an account of its own: both flaws found."""
    results = scan_demo_only([LoginFlaws()], fixed=False, safe=True)
    keys = {f.key.split(":")[0] for f in results.findings}
    assert keys == {"user-enumeration", "no-brute-force-protection"}
    assert len(results.errors) == 0


# --- tiny apps: one leaking by message (no sign-up), one careful (sign-up, lockout) ---


class Credentials(BaseModel):
    """A login or sign-up body."""

    username: str
    password: str


def _app(*, careful: bool, signup: bool | None = None) -> tuple[FastAPI, Counter[str]]:
    app = FastAPI()
    accounts = {"alice": "alice-pass-1", "root": "root-pass-1"}
    failures: Counter[str] = Counter()

    @app.post("/session")
    def session(body: Credentials) -> JSONResponse:
        if careful and failures[body.username] >= 5:
            return JSONResponse(
                {"error": "slow down"}, status_code=429, headers={"Retry-After": "60"}
            )
        if accounts.get(body.username) == body.password:
            return JSONResponse({"access_token": f"tok-{body.username}"})
        failures[body.username] += 1
        known = body.username in accounts
        message = "invalid credentials" if careful or not known else "wrong password"
        return JSONResponse(
            {"error": message if known or careful else "no such account"}, status_code=401
        )

    if careful if signup is None else signup:

        @app.post("/signup", status_code=201)
        def signup(body: Credentials) -> dict[str, str]:
            accounts[body.username] = body.password
            return {"username": body.username}

    return app, failures


def _users() -> tuple[Any, ...]:
    return (
        user("alice", "alice-pass-1", path="/session"),
        user("root", "root-pass-1", path="/session"),
    )


def test_finds_enumeration_by_message_and_no_lockout(serve: Any) -> None:
    """Same status, different messages, no throttling: both findings, under --aggressive on the
    last identity (no sign-up to make an account of the scan's own)."""
    app, failures = _app(careful=False)
    results = scan_only(serve(app).url, [LoginFlaws()], _users(), aggressive=True)
    assert {f.key for f in results.findings} == {
        "user-enumeration:username",
        "no-brute-force-protection:password",
    }
    assert failures["alice"] == 0, "the first identity got wrong passwords"
    assert failures["root"] >= BURST


def test_silent_on_a_careful_login_and_spares_real_users(serve: Any) -> None:
    """One message for all failures and a lockout: nothing found; a throwaway took the guesses."""
    app, failures = _app(careful=True)
    results = scan_only(serve(app).url, [LoginFlaws()], _users())
    assert results.findings == []
    assert results.errors == []
    assert failures["alice"] == failures["root"] == 0
    assert any(name.startswith("apiward") for name in failures)


def test_safe_mode_bursts_only_against_a_throwaway_sign_up(serve: Any) -> None:
    """Under --safe, with a sign-up: the burst lands on the scan's own account, none of the users'."""
    app, failures = _app(careful=False, signup=True)
    results = scan_only(serve(app).url, [LoginFlaws()], _users(), safe=True)
    assert "no-brute-force-protection:password" in {f.key for f in results.findings}
    assert failures["alice"] == failures["root"] == 0
    assert any(name.startswith("apiward") and n >= BURST for name, n in failures.items())


def test_safe_mode_without_a_sign_up_spares_real_users_the_burst(serve: Any) -> None:
    """Under --safe, with no account of its own to lock: no burst, the last identity takes two."""
    app, failures = _app(careful=False)
    results = scan_only(serve(app).url, [LoginFlaws()], _users(), safe=True)
    assert "no-brute-force-protection:password" not in {f.key for f in results.findings}
    assert failures["root"] <= 2
