"""What `apiward ingest` costs: a guard log of N chained events into a store, then again.

    python benchmarks/guard_ingest.py [EVENTS] [STORE_URL]

Writes a chained audit log of EVENTS request events (one in eight refused, with its
decision event) from 200 clients over 40 endpoints of a small contract, verifies and
ingests it, then ingests it again (everything already there). The store is a fresh
SQLite file unless STORE_URL names another (it must be empty).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from apiward.cli.ingest import traffic_describer, verified_events
from apiward.core.events import GENESIS, AuditEvent
from apiward.spec import load
from apiward.store import open_store
from apiward.store.apis import add_api
from apiward.store.ingest import ingest_events

PATHS = {f"/things{n}/{{thing_id}}": f"getThing{n}" for n in range(40)}


def _contract(folder: Path) -> Path:
    path = folder / "things.json"
    paths = {
        template: {
            "get": {
                "operationId": operation,
                "parameters": [
                    {
                        "name": "thing_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
        for template, operation in PATHS.items()
    }
    document = {"openapi": "3.1.0", "info": {"title": "things", "version": "1"}, "paths": paths}
    path.write_bytes(orjson.dumps(document))
    return path


def _log(path: Path, count: int) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    previous = GENESIS
    templates = list(PATHS)
    with path.open("wb") as out:
        for n in range(count):
            refused = n % 8 == 0
            template = templates[n % len(templates)]
            for kind in ("decision", "request") if refused else ("request",):
                event = AuditEvent(
                    ts=(start + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                    kind=kind,
                    request_id=f"g-{n}",
                    method="GET",
                    path=template.replace("{thing_id}", str(n)),
                    client=f"198.51.100.{n % 200}",
                    outcome="refused" if refused else "allowed",
                    route=template,
                    status=422 if refused else 200,
                    reason="validate.invalid" if refused else None,
                    extra={"client_request_id": f"apiward-bench-{n}"},
                ).chained(previous)
                out.write(event.to_json() + b"\n")
                previous = event.hash


def main() -> None:
    """Print the seconds and events per second of a first and a repeated ingest."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        url = sys.argv[2] if len(sys.argv) > 2 else str(base / "store.db")
        contract, log = _contract(base), base / "audit.jsonl"
        _log(log, count)
        engine = open_store(url)
        add_api(engine, "things", spec=str(contract))
        describe = traffic_describer(load(contract))
        for label in ("first ingest", "again (nothing new)"):
            started = time.perf_counter()
            events = verified_events(log, key=None, key_env=None, accept_broken=False)
            done = ingest_events(
                engine, events, api="things", log=events[0].hash, describe=describe
            )
            seconds = time.perf_counter() - started
            print(
                f"{label}: {len(events)} events, {sum(done.new.values())} new, "
                f"{seconds:.2f} s ({len(events) / seconds:,.0f} events/s)"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
