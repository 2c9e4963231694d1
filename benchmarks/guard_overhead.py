"""What the guard costs: per-request time in-process, and throughput through uvicorn.

    .venv/bin/python benchmarks/guard_overhead.py [--requests 20000] [--rounds 5] [--seconds 3]

Part 1 calls the ASGI app directly (no network): a bare app, the same app behind a
Guard with one layer on at a time, and behind the full non-authentication policy
(transport, memory rate limit, validation, SSRF, response filtering/headers/digest,
JSONL audit). Part 2 serves bare and guarded apps with uvicorn in a subprocess and
loads them from another process over keep-alive connections on 127.0.0.1, with h11
and, when installed, httptools. Besides req/s (which the load generator, sharing the
machine, makes noisy) it reports the server process's CPU time per request (from
/proc, and the kernel's share of it: the audit log's write() is mostly kernel time),
the steadier figure; "headers" is the bare app plus a trivial middleware adding
the same response headers the guard adds, to separate "more headers" from
"guard work". The machine may be loaded by other work, so part 1 reports each app's
process CPU time per request (best of --rounds rounds, the steady figure) beside its
wall time (median round), with rounds interleaved across apps; part 2 is best of 3.
Ratios always compare with the bare app measured in the same run. ``--part`` runs one part.

``--part stages`` takes the full policy apart through uvicorn: the FastAPI app bare,
behind routing only, routing and the audit log, the full policy without the audit log,
and the full policy, in ``--rounds`` interleaved rounds (median server CPU per request).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "guard"))

from apiward.guard import (  # noqa: E402
    AuditPolicy,
    AuthorizationPolicy,
    Guard,
    Policy,
    RateLimitPolicy,
    ResponsePolicy,
    SsrfPolicy,
    TransportPolicy,
    ValidatePolicy,
)
from apiward.guard.policy import OwnershipRule, ParamRef, Requirement  # noqa: E402
from apiward.guard.response import SECURITY_HEADERS  # noqa: E402
from apiward.spec import load  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _authn_bench  # noqa: E402

CONTRACT = ROOT / "tests" / "guard" / "contract.yaml"
ITEM = json.dumps({"id": 7, "name": "pen", "price": 1.5, "tags": ["a", "b"]}).encode()
POST_BODY = (
    b'{"name": "pen", "price": 1.5, "tags": ["a", "b"], "homepage": "https://93.184.215.14/p"}'
)


async def bare(scope: Any, receive: Any, send: Any) -> None:
    """The baseline: reads the body, answers a small JSON document."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(ITEM)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": ITEM})


OFF: dict[str, Any] = {
    "transport": TransportPolicy(enabled=False),
    "ratelimit": RateLimitPolicy(enabled=False),
    "validate": ValidatePolicy(enabled=False),
    "ssrf": SsrfPolicy(enabled=False),
    "response": ResponsePolicy(enabled=False),
    "audit": AuditPolicy(enabled=False),
}
KINDS = ("bare", "headers", "guarded", "fastapi", "fastapi-guarded")
# The full policy taken apart, served (--part stages): where a guarded request's time goes.
STAGE_KINDS = ("fastapi", "fastapi-routing", "fastapi-audit", "fastapi-noaudit", "fastapi-guarded")
# What the full policy adds to a JSON answer: security headers, RateLimit fields, digest.
GUARD_HEADERS = (
    *SECURITY_HEADERS,
    (b"ratelimit-policy", b'"10000000/1second";q=10000000;w=1'),
    (b"ratelimit", b'"10000000/1second";r=9999999;t=1'),
    (b"content-digest", b"sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"),
)
HIGH = RateLimitPolicy(limits=("10000000/second",))


async def _owner(ctx: Any, value: str) -> str | None:
    """The authz line's ownership hook: a dict lookup, so the figure is the stage's own cost."""
    return "alice" if value.isdigit() else None


AUTHZ = AuthorizationPolicy(
    operations={"* /items/**": Requirement(roles=("customer", "admin"))},
    ownership=(
        OwnershipRule(
            operation="GET /items/{item_id}",
            param=ParamRef(location="path", name="item_id"),
            hook=_owner,
            unless_roles=("admin",),
        ),
    ),
)
CUSTOMER = frozenset({"customer"})


class _Identified:
    """Stand-in for authentication (what a cached JWT leaves): alice, a customer."""

    async def check(self, ctx: Any) -> None:
        """Set the caller the authorization stage checks."""
        ctx.principal = "alice"
        ctx.roles = CUSTOMER


def _guard(policy: Policy, api: Any) -> Guard:
    guard = Guard(bare, policy=policy, api=api)
    if policy.authorization is not None and policy.authentication is None:
        guard.stages = (_Identified(), *guard.stages)
    return guard


def policies(log: Path) -> dict[str, Policy]:
    """Routing only, each layer alone, and the full policy."""
    on = {
        "transport": TransportPolicy(),
        "ratelimit": HIGH,
        "validate": ValidatePolicy(),
        "ssrf": SsrfPolicy(),
        "response": ResponsePolicy(),
        "audit": AuditPolicy(sink=str(log / "alone.jsonl")),
    }
    result = {"routing only": Policy(**OFF)}
    for name, section in on.items():
        result[f"+ {name} alone"] = Policy(**{**OFF, name: section})
    result["+ authz alone"] = Policy(**OFF, authorization=AUTHZ)  # role rule + owner hook
    result["full policy"] = Policy(ratelimit=HIGH, audit=AuditPolicy(sink=str(log / "full.jsonl")))
    return result


def _scope(method: str, path: str, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"bench"), (b"user-agent", b"bench/1"), (b"accept", b"*/*")]
    if body:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }


async def _per_request(
    app: Any, method: str, path: str, body: bytes, n: int
) -> tuple[float, float]:
    """µs per request over ``n`` calls: (process CPU time, wall time)."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    for _ in range(200):
        await app(_scope(method, path, body), receive, send)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        await app(_scope(method, path, body), receive, send)
    return (time.process_time() - cpu) / n * 1e6, (time.perf_counter() - wall) / n * 1e6


# The goal of issue 10: what the full policy may add in-process, per method.
GOALS = {"GET": 25.0, "POST": 30.0}


def in_process(n: int, rounds: int) -> None:
    """Part 1: µs per request; CPU time best of ``rounds``, wall time their median."""
    api = load(CONTRACT)
    with tempfile.TemporaryDirectory() as tmp:
        apps: dict[str, Any] = {"bare app": bare}
        apps.update({name: _guard(p, api) for name, p in policies(Path(tmp)).items()})
        full = {"ratelimit": HIGH}
        apps.update(_authn_bench.guards(CONTRACT, OFF, full, AUTHZ, bare, Path(tmp)))
        for label, method, path, body in (
            ("GET /items/{item_id}", "GET", "/items/7", b""),
            ("POST /items (91 B JSON)", "POST", "/items", POST_BODY),
        ):
            print(
                f"\n{label}: µs per request in-process, {rounds} rounds × {n}; CPU = process "
                "time, best round (steady under load); wall = median round"
            )
            print(f"  {'':<22} {'CPU':>8}  {'added':>8}  {'ratio':>6}   {'wall':>8}  {'added':>8}")
            cpu, wall = _interleaved(apps, method, path, body, n, rounds)
            for name in apps:
                print(
                    f"  {name:<22} {cpu[name]:8.1f}  +{cpu[name] - cpu['bare app']:7.1f}  "
                    f"×{cpu[name] / cpu['bare app']:5.1f}   {wall[name]:8.1f}  "
                    f"+{wall[name] - wall['bare app']:7.1f}"
                )
            added = cpu["full policy"] - cpu["bare app"]
            verdict = "within" if added <= GOALS[method] else "over"
            print(
                f"  full policy adds {added:.1f} µs CPU: {verdict} the {GOALS[method]:.0f} µs goal"
            )

    _authn_bench.jwt_figures(n)


def _interleaved(
    apps: dict[str, Any], method: str, path: str, body: bytes, n: int, rounds: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Best CPU and median wall per app; rounds interleave the apps so load hits all alike."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in apps}

    async def run() -> None:
        for _ in range(rounds):
            for name, app in apps.items():
                samples[name].append(await _per_request(app, method, path, body, n))

    asyncio.run(run())
    cpu = {name: min(c for c, _ in got) for name, got in samples.items()}
    wall = {name: statistics.median(w for _, w in got) for name, got in samples.items()}
    return cpu, wall


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fastapi_app() -> Any:
    """A realistic baseline: FastAPI with a path parameter and a JSON answer."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": "pen", "price": 1.5, "tags": ["a", "b"]}

    return app


def with_headers(app: Any) -> Any:
    """The control: ``app`` plus the guard's response headers, and nothing else."""

    async def added(scope: Any, receive: Any, send: Any) -> None:
        async def out(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], *GUARD_HEADERS]}
            await send(message)

        await app(scope, receive, out)

    return added


def serve(kind: str, port: int, log: str, http: str) -> None:
    """Run in a subprocess: uvicorn serving the bare or the guarded app."""
    import uvicorn

    app: Any = fastapi_app() if kind.startswith("fastapi") else bare
    if kind == "headers":
        app = with_headers(app)
    policy = {
        "guarded": Policy(ratelimit=HIGH, audit=AuditPolicy(sink=log)),
        "routing": Policy(**OFF),
        "audit": Policy(**{**OFF, "audit": AuditPolicy(sink=log)}),
        "noaudit": Policy(ratelimit=HIGH, audit=AuditPolicy(enabled=False)),
    }.get(kind.rsplit("-", 1)[-1])
    if policy is not None:
        app = Guard(app, policy=policy, api=load(CONTRACT))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="error",
        access_log=False,
        proxy_headers=False,
        lifespan="off",
        http=http,
    )


async def _connection(port: int, until: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = b"GET /items/7 HTTP/1.1\r\nhost: bench\r\n\r\n"
    done = 0
    while time.perf_counter() < until:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        done += 1
    counts.append(done)
    writer.close()


async def _load(port: int, seconds: float, connections: int) -> float:
    counts: list[int] = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_connection(port, until, counts) for _ in range(connections)))
    return sum(counts) / seconds


def through_uvicorn(seconds: float, connections: int, http: str) -> None:
    """Part 2: requests per second and server CPU per request, bare vs guarded."""
    print(
        f"\nThrough uvicorn ({http}), {connections} keep-alive connections, "
        f"{seconds:.0f} s per round, best of 3"
    )
    rates: dict[str, float] = {}
    cpu: dict[str, float] = {}
    kernel: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(3):
            for kind in KINDS:
                rate, used, system = _measure(
                    kind, http, f"{tmp}/audit.jsonl", seconds, connections
                )
                rates[kind] = max(rates.get(kind, 0.0), rate)
                if used < cpu.get(kind, float("inf")):
                    cpu[kind], kernel[kind] = used, system
    for kind in KINDS:
        base = "fastapi" if kind.startswith("fastapi") else "bare"
        print(
            f"  {kind:<16} {rates[kind]:8.0f} req/s ({rates[kind] / rates[base]:4.0%})   "
            f"server CPU {cpu[kind]:6.1f} µs/request ({cpu[base] / cpu[kind]:4.0%}), "
            f"kernel {kernel[kind]:5.1f}"
        )
    print(
        f"  raw ASGI app: guarded keeps {rates['guarded'] / rates['bare']:.0%} of bare "
        f"throughput ({cpu['bare'] / cpu['guarded']:.0%} by server CPU); the headers alone "
        f"keep {rates['headers'] / rates['bare']:.0%} ({cpu['bare'] / cpu['headers']:.0%})"
    )
    print(
        f"  FastAPI app:  guarded keeps {rates['fastapi-guarded'] / rates['fastapi']:.0%} of "
        f"bare throughput ({cpu['fastapi'] / cpu['fastapi-guarded']:.0%} by server CPU)"
    )


def served_stages(seconds: float, connections: int, http: str, rounds: int) -> None:
    """The full policy taken apart through uvicorn: server CPU per request of each part."""
    print(
        f"\nThe guard's parts through uvicorn ({http}), {connections} keep-alive connections, "
        f"{seconds:.0f} s per round, median of {rounds} interleaved rounds"
    )
    used: dict[str, list[float]] = {kind: [] for kind in STAGE_KINDS}
    kernel: dict[str, list[float]] = {kind: [] for kind in STAGE_KINDS}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(rounds):
            for kind in STAGE_KINDS:
                log = f"{tmp}/{kind}-{round_}.jsonl"
                _, cpu, system = _measure(kind, http, log, seconds, connections)
                used[kind].append(cpu)
                kernel[kind].append(system)
    base = statistics.median(used["fastapi"])
    for kind in STAGE_KINDS:
        cpu = statistics.median(used[kind])
        print(
            f"  {kind:<16} server CPU {cpu:6.1f} µs/request, added {cpu - base:5.1f} "
            f"(kernel {statistics.median(kernel[kind]):4.1f}); keeps {base / cpu:4.0%}"
        )


def _measure(
    kind: str, http: str, log: str, seconds: float, connections: int
) -> tuple[float, float, float]:
    """req/s, and the server's CPU and kernel µs per request."""
    port = _free_port()
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--log", log]
    server = subprocess.Popen([*command, "--http", http])
    try:
        _wait(port)
        _load_process(port, 0.5, connections)  # warm-up
        user, system = _cpu_seconds(server.pid)
        rate = _load_process(port, seconds, connections)
        after_user, after_system = _cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    per_request = 1e6 / (rate * seconds)
    used = after_user - user + after_system - system
    return rate, used * per_request, (after_system - system) * per_request


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _load_process(port: int, seconds: float, connections: int) -> float:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            str(port),
            "--seconds",
            str(seconds),
            "--connections",
            str(connections),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def _wait(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    raise RuntimeError("server did not start")


def main() -> None:
    """Run both parts, or one role of part 2 when called as a subprocess."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--part", choices=("in-process", "uvicorn", "stages"))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--serve", choices=sorted({*KINDS, *STAGE_KINDS}))
    parser.add_argument("--port", type=int)
    parser.add_argument("--log", default="audit.jsonl")
    parser.add_argument("--load", type=int)
    parser.add_argument("--http", choices=("h11", "httptools"), default="h11")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.log, args.http)
    elif args.load:
        print(asyncio.run(_load(args.load, args.seconds, args.connections)))
    elif args.part == "stages":
        for http in ("h11", "httptools") if importlib.util.find_spec("httptools") else ("h11",):
            served_stages(args.seconds, args.connections, http, args.rounds)
    else:
        if args.part != "uvicorn":
            in_process(args.requests, args.rounds)
        if args.part == "in-process":
            return
        through_uvicorn(args.seconds, args.connections, "h11")
        if importlib.util.find_spec("httptools") is not None:
            through_uvicorn(args.seconds, args.connections, "httptools")


if __name__ == "__main__":
    main()
