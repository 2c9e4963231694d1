"""The authentication figures of guard_overhead.py: JWT verification per algorithm and guards.

JWT verify is measured on the guard's own verifier (joserfc underneath, parsed key
objects cached): uncached (signature + claims every time) for RS256, ES256 and
HS256, and cached (the verified-token cache: a SHA-256 and a dictionary lookup).
The guard lines run the benchmark contract with a bearer scheme added, HS256 tokens
from a secret in the environment, and the token cache warm — the issue's "cached JWT".
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from apiward.guard import AuditPolicy, Guard, Policy
from apiward.guard.authn.config import JwtConfig, authn_policy
from apiward.guard.authn.jwks import pinned
from apiward.guard.authn.jwt import JwtVerifier
from apiward.spec import Api, load

SECRET = "benchmark-secret-" + "x" * 32
os.environ.setdefault("APIWARD_BENCH_JWT_SECRET", SECRET)
CLAIMS = {"sub": "alice", "roles": ["customer"], "scope": "read", "iss": "https://idp.bench"}
AUTHN = authn_policy(
    {
        "schemes": {
            "bearer": {
                "jwt": {
                    "secret_env": "APIWARD_BENCH_JWT_SECRET",
                    "algorithms": ["HS256"],
                    "issuer": "https://idp.bench",
                }
            }
        }
    }
)


def secured_api(contract: Path) -> Api:
    """The benchmark contract with every operation requiring a bearer token."""
    raw = yaml.safe_load(contract.read_text())
    raw.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"}
    }
    raw["security"] = [{"bearer": []}]
    path = Path(tempfile.mkdtemp()) / "secured.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load(path)


def _token() -> str:
    claims = {**CLAIMS, "exp": int(time.time()) + 3600}
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(SECRET.encode()))


def with_token(app: Any) -> Any:
    """The app called with an Authorization header (what a real client sends)."""
    header = (b"authorization", f"Bearer {_token()}".encode())

    async def call(scope: Any, receive: Any, send: Any) -> None:
        scope["headers"] = [*scope["headers"], header]
        await app(scope, receive, send)

    return call


def guards(
    contract: Path, off: dict[str, Any], full: dict[str, Any], authz: Any, app: Any, log: Path
) -> dict[str, Any]:
    """The authn lines: authentication alone, and the full policy with authn and authz."""
    api = secured_api(contract)
    alone = Policy(**off, authentication=AUTHN)
    whole = Policy(**full, audit=AuditPolicy(sink=str(log / "authn.jsonl")))
    whole = Policy(**{**_sections(whole), "authentication": AUTHN, "authorization": authz})
    return {
        "+ authn (cached JWT)": with_token(Guard(app, policy=alone, api=api)),
        "full + authn + authz": with_token(Guard(app, policy=whole, api=api)),
    }


def _sections(policy: Policy) -> dict[str, Any]:
    names = ("transport", "ratelimit", "validate", "ssrf", "response", "audit")
    return {name: getattr(policy, name) for name in names}


def _verifiers() -> dict[str, tuple[JwtVerifier, str]]:
    now = int(time.time())
    claims = {**CLAIMS, "aud": "api://bench", "exp": now + 3600}
    result: dict[str, tuple[JwtVerifier, str]] = {}
    for alg, key in (
        ("RS256", RSAKey.generate_key(2048, parameters={"kid": "r"})),
        ("ES256", ECKey.generate_key("P-256", parameters={"kid": "e"})),
    ):
        config = JwtConfig(
            jwks_url="http://127.0.0.1:9/jwks",
            issuer=CLAIMS["iss"],
            audiences=("api://bench",),
            algorithms=(alg,),
        )
        verifier = JwtVerifier(config)
        if verifier.source is not None:  # keys as a JWKS fetch would leave them: parsed once
            verifier.source.keys = {key.kid: pinned(key, (alg,))}
            verifier.source.fetched_at = time.monotonic()
        result[alg] = (verifier, jwt.encode({"alg": alg, "kid": key.kid}, claims, key))
    hs = JwtConfig(
        secret_env="APIWARD_BENCH_JWT_SECRET",  # noqa: S106 - a variable name, not a secret
        algorithms=("HS256",),
        audiences=("api://bench",),
    )
    token = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(SECRET.encode()))
    result["HS256"] = (JwtVerifier(hs), token)
    return result


async def _time(call: Any, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - start) / n * 1e6


def jwt_figures(n: int) -> None:
    """µs per JWT verification: uncached per algorithm, and the cached path."""
    n = max(200, n // 10)
    print(f"\nJWT verify in the authentication stage: µs per token (median of 5 × {n})")
    for alg, (verifier, token) in _verifiers().items():
        uncached = statistics.median(
            asyncio.run(_time(lambda v=verifier, t=token: v._verify(t), n)) for _ in range(5)
        )
        cached = statistics.median(
            asyncio.run(_time(lambda v=verifier, t=token: v.verify(t), n)) for _ in range(5)
        )
        print(f"  {alg}   uncached {uncached:7.1f} µs   cached {cached:5.1f} µs")
