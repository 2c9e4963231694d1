"""How long the jwt check's offline secret cracking takes: the whole dictionary, no match.

Run: .venv/bin/python benchmarks/jwt_crack.py
Prints the dictionary size, the time for one full pass (worst case: the secret is not in
it) per algorithm, and candidates per second, against a baseline of one bare HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from apiward.scan.checks import _jwt_tokens as tokens
from apiward.scan.checks import _weak_keys as weak_keys

ROUNDS = 200


def main() -> None:
    """Print the figures."""
    words = weak_keys.dictionary(["Acme Payments API"])
    claims = {"sub": "alice", "role": "customer", "exp": 2_000_000_000}
    started = time.perf_counter()
    for _ in range(ROUNDS * len(words)):
        hmac.new(b"k", b"x" * 60, hashlib.sha256).digest()
    bare = (time.perf_counter() - started) / (ROUNDS * len(words))
    print(f"dictionary: {len(words)} candidates; one bare HMAC-SHA256: {bare * 1e6:.2f} us")
    for alg in ("HS256", "HS384", "HS512"):
        token = tokens.parse(tokens.sign({"typ": "JWT"}, claims, b"not-in-any-list-9f2c", alg))
        if token is None:
            raise SystemExit("could not build the token")
        started = time.perf_counter()
        for _ in range(ROUNDS):
            weak_keys.guess(words, tokens.signs(token))
        one = (time.perf_counter() - started) / ROUNDS
        rate = len(words) / one
        print(
            f"{alg}: full pass {one * 1e3:.2f} ms, {rate:,.0f} candidates/s, "
            f"{one / (bare * len(words)):.2f}x the bare HMACs"
        )


if __name__ == "__main__":
    main()
