"""jwt: forged, unsigned, re-signed and expired tokens, on the demo bank and on tiny apps of its own."""

import base64
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from auth_support import scan_demo_only, scan_only, user
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyCookie, HTTPBearer
from joserfc import jwt as jose
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from pydantic import BaseModel

from apiward.core.findings import Confidence, Severity
from apiward.demo import load_ground_truth, matches
from apiward.scan import Results
from apiward.scan.checks import _jwt_tokens as tokens
from apiward.scan.checks import _weak_keys as weak_keys
from apiward.scan.checks._bearer import swap
from apiward.scan.checks.jwt import JwtForgery
from apiward.scan.identities import Login
from apiward.scan.request import Request

PLANTED = {"jwt-alg-none", "jwt-weak-secret", "jwt-expiry-not-checked"}
USERS = {"alice": ("alice-pass-1", "user"), "root": ("root-pass-1", "admin")}


@pytest.fixture(scope="module")
def demo() -> Results:
    """The vulnerable demo bank scanned with jwt only."""
    return scan_demo_only([JwtForgery()], fixed=False)


@pytest.fixture(scope="module")
def demo_fixed() -> Results:
    """The fixed demo bank scanned with jwt only."""
    return scan_demo_only([JwtForgery()], fixed=True)


@pytest.mark.parametrize("flaw_id", sorted(PLANTED), ids=sorted(PLANTED))
def test_finds_the_planted_jwt_flaws(demo: Results, flaw_id: str) -> None:
    """Each planted JWT flaw has a matching finding (category and operation)."""
    flaw = next(f for f in load_ground_truth() if f.id == flaw_id)
    assert [f for f in demo.findings if matches(f, flaw)], [f.key for f in demo.findings]


def test_one_finding_per_attack_with_impersonation(demo: Results) -> None:
    """Attacks are reported once each; a forged token for another identity makes it critical."""
    keys = [f.key for f in demo.findings]
    assert len(keys) == len(set(keys))
    weak = next(f for f in demo.findings if f.key == "weak-hmac-secret")
    assert weak.severity is Severity.CRITICAL
    assert weak.confidence is Confidence.CONFIRMED
    assert "se… (6 characters)" in weak.detail
    assert '"secret"' not in weak.detail


def test_silent_on_the_fixed_bank(demo_fixed: Results) -> None:
    """No jwt finding of medium severity or above on the fixed bank, and no scan error."""
    assert [f.key for f in demo_fixed.findings if f.severity >= Severity.MEDIUM] == []
    assert demo_fixed.errors == []


def test_cracks_a_dictionary_secret_offline() -> None:
    """A token signed with a common secret is cracked without any request; a strong one is not."""
    claims = {"sub": "x"}
    weak = tokens.parse(tokens.sign({"typ": "JWT"}, claims, b"changeme", "HS256"))
    strong = tokens.parse(tokens.sign({"typ": "JWT"}, claims, b"k" * 40 + b"z", "HS512"))
    assert weak is not None
    assert strong is not None
    assert weak_keys.guess(weak_keys.dictionary(), tokens.signs(weak)) == "changeme"
    assert weak_keys.guess(weak_keys.dictionary(), tokens.signs(strong)) is None


@pytest.mark.parametrize(
    "secret",
    [
        "secretKey",  # NestJS's JWT recipe, older docs
        "DO NOT USE THIS VALUE. INSTEAD, CREATE A COMPLEX SECRET AND KEEP IT SAFE OUTSIDE OF THE SOURCE CODE.",
    ],
)
def test_cracks_framework_placeholders(secret: str) -> None:
    """Placeholders that framework docs print and apps ship are in the dictionary (the Nest trial's)."""
    token = tokens.parse(tokens.sign({"typ": "JWT"}, {"sub": "1"}, secret.encode(), "HS256"))
    assert token is not None
    assert weak_keys.guess(weak_keys.dictionary(), tokens.signs(token)) == secret


def test_dictionary_adds_the_api_name() -> None:
    """Variants of the API's title join the bundled secrets."""
    words = weak_keys.dictionary(["Acme Payments API"])
    assert {"acme-payments-api", "acmesecret", "your-256-bit-secret"} <= set(words)


# --- tiny apps of its own: RS256 with a JWKS (confused or strict), HS256 in a cookie ---


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(claims: dict[str, Any], secret: bytes) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = f"{head}.{_b64(json.dumps(claims).encode())}"
    return f"{body}.{_b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())}"


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Credentials(BaseModel):
    """A login body."""

    username: str
    password: str


def _app(
    issue: Callable[[dict[str, Any]], str],
    verify: Callable[[str], dict[str, Any]],
    *,
    cookie: bool,
    expires: bool = True,
    restless: str = "",
) -> FastAPI:
    """``restless``: a user whose motto someone else rewrites once any token was refused."""
    app = FastAPI()
    refused: Counter[str] = Counter()
    scheme = APIKeyCookie(name="session") if cookie else HTTPBearer()

    def caller(credential: Annotated[Any, Depends(scheme)]) -> dict[str, Any]:
        token = credential if cookie else credential.credentials
        try:
            claims = verify(token)
        except (JoseError, ValueError, KeyError) as error:
            refused["tokens"] += 1
            raise HTTPException(401, "invalid token") from error
        # Like most JWT libraries: exp is checked when present, and nothing demands it.
        expired = "exp" in claims and claims["exp"] < time.time()
        if expired and not getattr(app.state, "ignore_exp", False):
            raise HTTPException(401, "expired")
        return claims

    @app.post("/login")
    def login(body: Credentials) -> dict[str, str]:
        if USERS.get(body.username, ("",))[0] != body.password:
            raise HTTPException(401, "bad credentials")
        role = USERS[body.username][1]
        claims: dict[str, Any] = {"sub": body.username, "role": role}
        if expires:
            claims["exp"] = int(time.time()) + 600
        return {"access_token": issue(claims)}

    @app.get("/profile")
    def profile(claims: Annotated[dict[str, Any], Depends(caller)]) -> dict[str, Any]:
        motto = f"{claims['sub']}'s motto"
        if claims["sub"] == restless and refused["tokens"]:
            motto = " ".join(f"rewritten-{i}" for i in range(60))
        return {"username": claims["sub"], "role": USERS[claims["sub"]][1], "motto": motto}

    return app


def _rsa_app(*, confused: bool) -> FastAPI:
    key = RSAKey.generate_key(2048)
    pem = key.as_pem(private=False)

    def verify(token: str) -> dict[str, Any]:
        head, body, signature = token.split(".")
        if confused and json.loads(_unb64(head))["alg"] == "HS256":
            mac = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(mac, _unb64(signature)):
                raise ValueError("bad signature")
            return dict(json.loads(_unb64(body)))
        return dict(jose.decode(token, key, algorithms=["RS256"]).claims)

    app = _app(lambda c: jose.encode({"alg": "RS256"}, c, key), verify, cookie=False)
    app.state.ignore_exp = confused

    @app.get("/.well-known/jwks.json", include_in_schema=False)
    def jwks() -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False)]}

    return app


def _hs_cookie_app(secret: bytes, *, expires: bool = True, restless: str = "") -> FastAPI:
    def verify(token: str) -> dict[str, Any]:
        head, body, signature = token.split(".")
        if json.loads(_unb64(head))["alg"] != "HS256":
            raise ValueError("unexpected alg")
        mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, _unb64(signature)):
            raise ValueError("bad signature")
        return dict(json.loads(_unb64(body)))

    return _app(
        lambda c: _hs256(c, secret), verify, cookie=True, expires=expires, restless=restless
    )


def _bearer_users() -> tuple[Any, ...]:
    return (user("alice", "alice-pass-1"), user("root", "root-pass-1", role="admin"))


def _cookie_users() -> tuple[Any, ...]:
    def in_cookie(name: str, password: str, role: str) -> Any:
        identity = user(name, password, role=role)
        login = identity.login
        cookie = Login(
            method=login.method,
            path=login.path,
            body=login.body,
            header="Cookie",
            prefix="session=",
        )
        return type(identity)(name=name, role=role, login=cookie)

    return (in_cookie("alice", "alice-pass-1", "user"), in_cookie("root", "root-pass-1", "admin"))


def test_finds_key_confusion_through_the_jwks(serve: Any) -> None:
    """An RS256 API that verifies HS256 with its published public key is forged for the admin."""
    server = serve(_rsa_app(confused=True))
    results = scan_only(server.url, [JwtForgery()], _bearer_users())
    found = {f.key: f for f in results.findings}
    assert found["key-confusion"].severity is Severity.CRITICAL
    assert found["expiry-not-checked"].confidence is Confidence.CONFIRMED


def test_silent_on_a_strict_rs256_api(serve: Any) -> None:
    """The same API pinned to RS256 and checking exp yields nothing."""
    server = serve(_rsa_app(confused=False))
    results = scan_only(server.url, [JwtForgery()], _bearer_users())
    assert results.findings == []
    assert results.errors == []


def test_finds_a_weak_secret_in_a_cookie_token(serve: Any) -> None:
    """An HS256 token in a cookie with a dictionary secret is cracked and forged; exp holds."""
    server = serve(_hs_cookie_app(b"changeme"))
    results = scan_only(server.url, [JwtForgery()], _cookie_users())
    assert {f.key for f in results.findings} == {"weak-hmac-secret"}


def test_impersonation_holds_when_the_victims_data_changed_meanwhile(serve: Any) -> None:
    """The victim's data changed since its baseline (other traffic): still critical, every scan."""
    server = serve(_hs_cookie_app(b"changeme", restless="root"))
    results = scan_only(server.url, [JwtForgery()], _cookie_users())
    found = {f.key: f for f in results.findings}
    assert found["weak-hmac-secret"].severity is Severity.CRITICAL


def test_silent_on_a_strong_secret_in_a_cookie(serve: Any) -> None:
    """With a random secret the cookie API yields nothing."""
    server = serve(_hs_cookie_app(b"q8Zr1vX0-random-but-fixed-for-this-test-3e9"))
    results = scan_only(server.url, [JwtForgery()], _cookie_users())
    assert results.findings == []


def test_finds_a_token_issued_without_expiry(serve: Any) -> None:
    """A strong-secret API whose tokens carry no exp: one medium CWE-613 finding, no new traffic."""
    server = serve(_hs_cookie_app(b"q8Zr1vX0-random-but-fixed-for-this-test-3e9", expires=False))
    results = scan_only(server.url, [JwtForgery()], _cookie_users())
    found = {f.key: f for f in results.findings}
    assert set(found) == {"no-expiry"}
    assert (found["no-expiry"].severity, found["no-expiry"].cwe) == (Severity.MEDIUM, "CWE-613")


def test_swap_never_leaves_a_valid_token_in_place() -> None:
    """Replacing a token the request does not carry is an error, never a silent no-op."""
    request = Request(method="GET", path="/me", headers=(("Authorization", "Bearer old.tok.en"),))
    assert swap(request, "old.tok.en", "new").headers == (("Authorization", "Bearer new"),)
    with pytest.raises(ValueError, match="does not carry"):
        swap(request, "renewed.tok.en", "new")


def _alg_none_app(secret: bytes) -> FastAPI:
    """A strong HS256 secret, but ``alg: none`` tokens are taken unverified, exp and all."""

    def verify(token: str) -> dict[str, Any]:
        head, body, signature = token.split(".")
        claims = dict(json.loads(_unb64(body)))
        if json.loads(_unb64(head))["alg"].lower() == "none":
            return {**claims, "exp": time.time() + 60}  # the unverified path never checks exp
        mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, _unb64(signature)):
            raise ValueError("bad signature")
        return claims

    return _app(lambda c: _hs256(c, secret), verify, cookie=False)


def test_an_expired_unsigned_token_is_no_second_finding(serve: Any) -> None:
    """alg none is found; an expired unsigned token taken too only repeats it (no expiry finding)."""
    server = serve(_alg_none_app(b"q8Zr1vX0-random-but-fixed-for-this-test-3e9"))
    results = scan_only(server.url, [JwtForgery()], _bearer_users())
    keys = {f.key for f in results.findings}
    assert "alg-none" in keys
    assert "expiry-not-checked" not in keys
