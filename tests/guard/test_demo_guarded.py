"""The vulnerable demo bank behind the guard with the shipped policy (apiward/demo/guard.yaml).

Every exploit of the demo's registry (tests/demo) runs over HTTP against real servers,
as middleware (``guarded_app()`` under uvicorn) and behind the gateway (``apiward
guard`` in its own process, its hooks reading the bank's SQLite read-only through
``APIWARD_BANK_DB``). Exactly the flaws in NOT_STOPPABLE get through; every other one
is refused. A change in either direction fails. Legitimate use keeps working.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

sys.path.insert(0, str(Path(__file__).parent.parent / "demo"))

from demo_exploits import EXPLOITS
from demo_target import Canary, Target

from apiward.demo import create_app, load_ground_truth, serving
from apiward.demo.guard_hooks import DB_ENV
from apiward.demo.guarded import GUARD_CONTRACT, GUARD_POLICY, SECRET_ENV, guarded_app, server
from apiward.demo.seed import USERS, account_ids
from apiward.demo.tokens import WEAK_SECRET
from apiward.guard.auditverify import verify_log

# The one list of planted flaws a runtime guard cannot stop (the README says the same).
NOT_STOPPABLE: dict[str, str] = {
    "jwt-weak-secret": "a token forged with the guessed secret is validly signed: the guard "
    "verifies with that same secret (the fix is a strong key in the bank)",
    "login-user-enumeration": "the contract declares both answers (404 unknown user, 401 wrong "
    "password); the guard does not rewrite declared statuses",
    "promo-code-reuse": "once-per-customer is business state in the bank's database",
    "sqli-transfer-search": "q is a plain string in the contract; a pattern there would be "
    "enforced by validate",
    "ssti-notification-preview": "the template is a plain string in the contract",
    "path-traversal-statement-download": "file is a plain string in the contract; a pattern "
    "or enum there would be enforced by validate",
    "missing-security-headers": "over plain HTTP only: nosniff and no-store are added, HSTS is "
    "sent over HTTPS only (RFC 6797 §7.2); over TLS it is stopped (test_tls_gateway_sends_hsts)",
}
# The brute-force exploit spends the login budget (20/minute): it runs last.
ORDER = sorted(EXPLOITS, key=lambda flaw_id: flaw_id == "login-no-brute-force-protection")
ALICE, BOB = account_ids("alice")[0], account_ids("bob")[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _served(app: Any) -> Iterator[str]:
    """The guarded bank under uvicorn (proxy headers off) in a thread on 127.0.0.1."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    running = server(app)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    running.should_exit = True
    thread.join(timeout=10)
    sock.close()


def gateway_process(
    tmp: Path, upstream: str, *extra: str, env: dict[str, str], scheme: str = "http"
) -> tuple[subprocess.Popen[bytes], str]:
    """``apiward guard`` with the shipped policy; audit events (stdout) go to tmp/audit.jsonl."""
    port = _free_port()
    command = [sys.executable, "-m", "apiward", "guard", "--policy", str(GUARD_POLICY)]
    command += ["--upstream", upstream, "--listen", f"127.0.0.1:{port}", *extra]
    with (tmp / "audit.jsonl").open("wb") as out, (tmp / "gateway.err").open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env={**os.environ, **env})
    return process, f"{scheme}://127.0.0.1:{port}"


def wait_until_up(url: str, process: subprocess.Popen[bytes], verify: Any = True) -> None:
    """Poll the public exchange-rate operation until the gateway answers."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{url}/api/v2/exchange-rates/USD", timeout=1, verify=verify)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(f"the gateway did not start (exit {process.poll()})")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a gateway process started by this test."""
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module", params=["middleware", "gateway"])
def bank(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Target, Path]]:
    """The vulnerable bank behind the shipped policy, as middleware or behind the gateway."""
    tmp = tmp_path_factory.mktemp(request.param)
    log = tmp / "audit.jsonl"
    with pytest.MonkeyPatch.context() as env, ExitStack() as stack:
        env.setenv(SECRET_ENV, WEAK_SECRET)
        if request.param == "middleware":
            app = guarded_app(data_dir=tmp, audit=str(log))
            url = stack.enter_context(_served(app))
        else:
            app = create_app(data_dir=tmp)
            upstream = stack.enter_context(serving(app))
            bank_db = str(tmp / "bank.sqlite3")
            process, url = gateway_process(tmp, upstream, env={DB_ENV: bank_db})
            stack.callback(stop, process)
            wait_until_up(url, process)
        canary = stack.enter_context(Canary().running())
        client = stack.enter_context(httpx.Client(base_url=url, timeout=30))
        yield Target(url=url, fixed=False, bank=app.state.bank, canary=canary, client=client), log


@pytest.mark.parametrize(
    ("who", "method", "path", "kwargs"),
    [
        ("alice", "GET", "/api/v2/me", {}),
        ("alice", "GET", f"/api/v2/accounts/{ALICE}", {}),
        ("alice", "GET", "/api/v2/statements", {"params": {"account_id": ALICE}}),
        ("alice", "GET", "/api/v2/cards/alice-visa", {}),
        ("admin", "GET", "/api/v2/admin/users", {}),
        ("sam", "GET", f"/api/v2/accounts/{ALICE}", {}),
    ],
    ids=["own-profile", "own-account", "own-statement", "own-card", "admin-lists", "support-reads"],
)
def test_legitimate_use_still_works(
    bank: tuple[Target, Path], who: str, method: str, path: str, kwargs: Any
) -> None:
    """Alice reaches her own data, an admin lists users, support reads accounts: 200."""
    t, _ = bank
    answer = t.send(method, path, who, **kwargs)
    assert answer.status_code == 200, answer.text[:200]
    assert "password_hash" not in answer.text


@pytest.mark.parametrize("account_id", [str(1 << 63), str(1 << 70)])
def test_an_id_beyond_64_bits_is_refused_not_an_outage(
    bank: tuple[Target, Path], account_id: str
) -> None:
    """The bank's hooks cannot look such an id up: 403 like any account not hers, never 503."""
    t, _ = bank
    answer = t.send("GET", f"/api/v2/accounts/{account_id}", "alice")
    assert answer.status_code == 403, answer.text[:200]
    assert answer.json()["type"].endswith("/authz.owner")


def test_alice_sends_money_from_her_own_account(bank: tuple[Target, Path]) -> None:
    """A transfer from alice's account to bob's goes through (201) and moves the money."""
    t, _ = bank
    before = t.balance("alice")
    body = {"from_account_id": ALICE, "to_account_id": BOB, "amount": 1.0}
    assert t.send("POST", "/api/v2/transfers", "alice", json=body).status_code == 201
    assert t.balance("alice") == before - 1.0


@pytest.mark.parametrize("flaw_id", ORDER, ids=ORDER)
def test_exploit_outcome_is_the_documented_one(bank: tuple[Target, Path], flaw_id: str) -> None:
    """Refused unless the flaw is in NOT_STOPPABLE; those (and only those) get through."""
    t, _ = bank
    outcome = EXPLOITS[flaw_id](t)
    expected = flaw_id in NOT_STOPPABLE
    verdict = "got through the guard" if outcome.worked else "was stopped"
    assert outcome.worked == expected, f"{flaw_id} {verdict}: {outcome.evidence}"


def test_the_audit_log_of_the_run_is_intact(bank: tuple[Target, Path]) -> None:
    """Everything above left an intact hash chain with refusals of several stages in it."""
    _, log = bank
    assert verify_log(log).intact
    reasons = {e.get("reason") for e in map(json.loads, log.read_text().splitlines())}
    assert {"authz.owner", "authz.role", "authn.invalid-credentials"} <= reasons


# Last of the tests on the served bank: it spends the client's login budget for a minute,
# and every test above logs in.
def test_the_oauth2_token_login_is_rate_limited_like_the_json_one(
    bank: tuple[Target, Path],
) -> None:
    """30 wrong passwords at /auth/token, then the right one: the guard stops the guessing."""
    t, _ = bank
    statuses = [
        t.client.post(
            "/api/v2/auth/token", data={"username": "alice", "password": f"guess-{n}"}
        ).status_code
        for n in range(30)
    ]
    right = t.client.post(
        "/api/v2/auth/token", data={"username": "alice", "password": USERS["alice"][1]}
    )
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    assert right.status_code == 429


def test_every_planted_flaw_has_an_exploit_here() -> None:
    """The run covers the whole ground truth, and NOT_STOPPABLE names only planted flaws."""
    planted = {flaw.id for flaw in load_ground_truth()}
    assert set(ORDER) == planted
    assert set(NOT_STOPPABLE) < planted


def test_shipped_contract_is_the_banks_own() -> None:
    """bank-openapi.json next to the policy equals the bank's /openapi.json (regenerate if not)."""
    shipped = json.loads(GUARD_CONTRACT.read_text())
    assert shipped == create_app().openapi(), (
        "regenerate: python -c 'import json; from apiward.demo import create_app; "
        "print(json.dumps(create_app().openapi(), indent=2))' > src/apiward/demo/bank-openapi.json"
    )


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (IP SAN) and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The vulnerable bank behind the gateway serving HTTPS (--tls-cert/--tls-key)."""
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = _self_signed(tmp)
    app = create_app(data_dir=tmp)
    with ExitStack() as stack:
        upstream = stack.enter_context(serving(app))
        env = {SECRET_ENV: WEAK_SECRET, DB_ENV: str(tmp / "bank.sqlite3")}
        extra = ("--tls-cert", str(cert), "--tls-key", str(key))
        process, url = gateway_process(tmp, upstream, *extra, env=env, scheme="https")
        stack.callback(stop, process)
        verify = ssl.create_default_context(cafile=str(cert))
        wait_until_up(url, process, verify=verify)
        canary = stack.enter_context(Canary().running())
        client = stack.enter_context(httpx.Client(base_url=url, timeout=30, verify=verify))
        yield Target(url=url, fixed=False, bank=app.state.bank, canary=canary, client=client)


def test_tls_gateway_sends_hsts(tls_bank: Target) -> None:
    """Over HTTPS (certificate verified) alice's profile comes with HSTS, nosniff and no-store."""
    answer = tls_bank.get("/api/v2/me", "alice")
    assert answer.status_code == 200
    assert answer.json()["username"] == "alice"
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    assert not EXPLOITS["missing-security-headers"](tls_bank).worked


def test_tls_gateway_refuses_an_unverified_certificate(tls_bank: Target) -> None:
    """A client that checks certificates against the system store does not trust the test one."""
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{tls_bank.url}/api/v2/exchange-rates/USD", timeout=5)


def test_tls_gateway_still_stops_bola(tls_bank: Target) -> None:
    """Bob reading alice's account is refused over HTTPS too."""
    assert not EXPLOITS["bola-account-by-id"](tls_bank).worked
