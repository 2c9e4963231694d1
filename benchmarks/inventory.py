"""How fast ``apiward inventory`` gets through a large access log, stage by stage.

Run: ``.venv/bin/python benchmarks/inventory.py [LINES]`` (default 200,000). The log is
synthetic but shaped like the demo bank's traffic: its real contract, numeric account
ids, UUID transfer ids, card names, a few shadow and v1 paths, and 1% junk lines.

Baseline, measured in the same run: reading the same file line by line and splitting
each line on spaces, which any log reader pays; the ratio shows what the careful regex,
the timestamps and the observation records cost on top. Clustering and the diff are
timed separately, with the contract (templates matched first) and without it (all
inferred).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

from apiward.demo import create_app
from apiward.demo.seed import USERS
from apiward.inventory import read_traffic, take_inventory
from apiward.spec import load

LINE = '10.0.{a}.{b} - - [29/Nov/2026:06:{m:02d}:{s:02d} +0000] "{method} {path} HTTP/1.1" {status} 512 "-" "app/1.0"'


def _paths(rng: random.Random) -> list[tuple[str, str, int]]:
    names = list(USERS)
    return [
        ("GET", f"/api/v2/accounts/{rng.randint(1001, 1026)}", 200),
        ("GET", f"/api/v2/transfers/{uuid.UUID(int=rng.getrandbits(128), version=4)}", 200),
        ("GET", f"/api/v2/cards/{rng.choice(names)}-visa", 200),
        ("GET", "/api/v2/transfers?limit=20&offset=40", 200),
        ("POST", "/api/v2/auth/login", 200),
        ("GET", "/api/v2/me", 200),
        ("GET", f"/api/v1/users/{rng.choice(names)}", 200),
        ("GET", "/api/v2/debug/config", 200),
        ("GET", f"/api/v2/nothing/{rng.randint(1, 99)}", 404),
    ]


def _write_log(path: Path, lines: int) -> None:
    rng = random.Random(7)  # noqa: S311 (synthetic data, not security)
    with path.open("w") as out:
        for n in range(lines):
            if n % 100 == 99:
                out.write("\x16\x03\x01 junk from a TLS client on the plain port\n")
                continue
            method, target, status = rng.choice(_paths(rng))
            out.write(
                LINE.format(
                    a=n % 7,
                    b=n % 251,
                    m=(n // 60) % 60,
                    s=n % 60,
                    method=method,
                    path=target,
                    status=status,
                )
                + "\n"
            )


def _baseline(path: Path) -> float:
    started = time.perf_counter()
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line.split(" ")
    return time.perf_counter() - started


def main() -> None:
    """Write the log, then time reading, clustering with and without the contract."""
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as folder:
        log, spec = Path(folder) / "access.log", Path(folder) / "openapi.json"
        _write_log(log, lines)
        spec.write_text(json.dumps(create_app(data_dir=Path(folder) / "bank").openapi()))
        api = load(spec)
        baseline = _baseline(log)
        started = time.perf_counter()
        batch = read_traffic(log)
        reading = time.perf_counter() - started
        timings = {}
        for name, contract in (("with contract", api), ("without contract", None)):
            started = time.perf_counter()
            result = take_inventory([batch], contract)
            timings[name] = (time.perf_counter() - started, len(result.endpoints))
    print(f"lines: {lines:,} ({batch.skipped:,} junk)")
    print(f"split only (baseline): {baseline:6.2f} s  {lines / baseline:12,.0f} lines/s")
    print(
        f"read access log:       {reading:6.2f} s  {lines / reading:12,.0f} lines/s"
        f"  ({reading / baseline:.1f}x the baseline)"
    )
    for name, (seconds, endpoints) in timings.items():
        print(
            f"cluster + diff + map ({name}): {seconds:6.2f} s  "
            f"{lines / seconds:12,.0f} requests/s  -> {endpoints} endpoints"
        )


if __name__ == "__main__":
    main()
