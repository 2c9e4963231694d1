"""login on APIs written by others: failures answered 200, lockouts by message, timing leaks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from auth_support import scan_only, user
from login_support import LOCK_AFTER, message_app, timing_app
from zoo_apps import APPS

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Results, ScanConfig, load_identities, scan
from apiward.scan.check import AnyCheck, SkipReason
from apiward.scan.checks._timing import slower_p
from apiward.scan.checks.login import BURST, PAIRS, LoginFlaws
from apiward.spec import load
from serving import serving


def _users() -> tuple[Any, ...]:
    return tuple(
        user(name, f"{name}-pass-1", path="/api/v1/login", token="auth_token")
        for name in ("alice", "bob")
    )


def _keys(results: Results) -> set[str]:
    return {f.key for f in results.findings}


def test_u_test_tells_separated_samples_from_mixed_ones() -> None:
    """The exact U test gives a tiny p for fully separated samples and a large one for mixed."""
    assert slower_p([50.0 + i for i in range(8)], [1.0 + i for i in range(8)]) < 1e-4
    assert slower_p([1.0, 3.0, 5.0, 7.0], [2.0, 4.0, 6.0, 8.0]) > 0.5
    assert slower_p([1.0, 2.0], [3.0, 4.0]) == 1.0


def test_finds_enumeration_by_message_when_failures_answer_200() -> None:
    """A 200 {"status": "fail"} is a failed login: the two messages and the missing lockout show
    (under --aggressive: with no sign-up, the guesses go to a real user)."""
    app, failures = message_app(careful=False)
    with serving(app, wsgi=True) as url:
        results = scan_only(url, [LoginFlaws()], _users(), aggressive=True)
    assert _keys(results) == {"user-enumeration:username", "no-brute-force-protection:password"}
    enumeration = next(f for f in results.findings if f.key.startswith("user-enumeration"))
    assert enumeration.cwe == "CWE-204"
    assert failures["alice"] == 0, "the first identity got wrong passwords"
    assert failures["bob"] >= BURST


def test_a_200_lockout_message_is_protection() -> None:
    """One message for every failure and a lockout said in a 200 body: no finding at all
    (under --aggressive, which lets the guesses go to a real user)."""
    app, failures = message_app(careful=True)
    with serving(app, wsgi=True) as url:
        results = scan_only(url, [LoginFlaws()], _users(), aggressive=True)
    assert results.findings == []
    assert results.errors == []
    assert failures["bob"] == LOCK_AFTER, "it kept guessing after the lockout"


@pytest.mark.parametrize("attempt", range(3), ids=lambda a: f"run-{a}")
def test_finds_a_password_hash_only_for_real_users_by_timing(attempt: int) -> None:
    """Same message, but only real users' passwords are hashed: a timing enumeration finding
    (under --aggressive: with no sign-up, the samples are a real user's wrong passwords)."""
    app, failures = timing_app(careful=False)
    with serving(app, wsgi=True) as url:
        results = scan_only(url, [LoginFlaws()], _users(), aggressive=True)
    found = [f for f in results.findings if f.key == "user-enumeration:username"]
    assert found, [f.detail for f in results.findings]
    assert found[0].severity == Severity.LOW
    assert "time" in found[0].detail
    assert failures["bob"] <= PAIRS + BURST
    assert failures["alice"] == 0


@pytest.mark.parametrize("attempt", range(3), ids=lambda a: f"run-{a}")
def test_silent_when_unknown_users_hash_a_dummy_password(attempt: int) -> None:
    """Unknown users cost the same hash as real ones: no enumeration finding."""
    app, _ = timing_app(careful=True)
    with serving(app, wsgi=True) as url:
        results = scan_only(url, [LoginFlaws()], _users(), aggressive=True)
    assert [f.detail for f in results.findings if f.key.startswith("user-enumeration")] == []


@pytest.mark.parametrize("safe", [True, False], ids=["safe", "default"])
def test_a_real_user_is_spared_the_timing_samples_and_the_burst(safe: bool) -> None:
    """With no sign-up, the identity gets two wrong passwords, no more: timing and the burst are
    skipped, and say so (a lockout after five would shut a real user out)."""
    app, failures = timing_app(careful=False)
    with serving(app, wsgi=True) as url:
        results = scan_only(url, [LoginFlaws()], _users(), safe=safe)
    assert results.findings == []
    assert failures["bob"] == 2
    spared = [s.detail for s in results.skipped if s.reason == SkipReason.LOCKOUT.value]
    assert any("timing" in d for d in spared), results.skipped
    assert any("brute-force burst" in d for d in spared), results.skipped


def _scan_zoo(name: str, *, secure: bool) -> Results:
    """The zoo app ``name`` scanned with its identities file and ``login`` only."""
    app = next(a for a in APPS if a.name == name)
    with app.running(secure=secure) as url:
        api = load(app.spec_location(url), allow_private=True)
        identities = load_identities(str(app.identities))
        config = ScanConfig(target=url, identities=identities)
        registry = Registry[AnyCheck]("check", [("login", LoginFlaws())])
        return asyncio.run(scan(api, config, registry))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # its planted flaw
def test_finds_the_zoo_library_login_flaws_and_not_on_its_secure_twin() -> None:
    """The Flask library's 200-failing login: enumeration and no lockout; its twin: nothing."""
    keys = {(f.operation, f.cwe) for f in _scan_zoo("library", secure=False).findings}
    assert keys >= {("POST /users/v1/login", "CWE-204"), ("POST /users/v1/login", "CWE-307")}
    secure = _scan_zoo("library", secure=True)
    assert [f.key for f in secure.findings if f.severity >= Severity.MEDIUM] == []


def test_a_login_in_the_query_string_is_attacked_too() -> None:
    """FastAPI's plain login parameters travel in the query: its missing lockout is found."""
    found = {(f.operation, f.cwe) for f in _scan_zoo("shop", secure=False).findings}
    assert ("POST /auth/login", "CWE-307") in found
    assert _scan_zoo("shop", secure=True).findings == []
