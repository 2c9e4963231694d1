"""A scan the target cut short still puts back what it can, once the target answers again.

The Rails trial's server, loaded beside two benchmarks, stopped answering in the middle of
a scan (SQLite's "database is locked" held every request past the timeout). The scan
stopped with its partial report, as it should, but its restore phase never ran: 14
accounts, 13 jobs and 18 other rows it had made stayed. Now a scan cut short by a target
that stopped answering (not by Ctrl-C, which means "stop now") waits up to ``WAIT``
seconds for the target to answer again, then runs the restore phase as a finished scan
does; the report's target state says what it put back. When the target stays silent,
nothing more is sent and the report says so.
"""

from __future__ import annotations

import asyncio
import time

from apiward.core.errors import TargetError
from apiward.scan.checks._env import count_from_env
from apiward.scan.ledger import Ledger
from apiward.scan.restore import TargetChange, restore
from apiward.scan.transport import Transport

WAIT = 30
"""Seconds the scan waits for a target that stopped answering before it gives up
(``APIWARD_OUTAGE_WAIT``)."""
STEP = 2.0
"""Seconds between two tries."""


async def restore_after(
    ledger: Ledger, transport: Transport
) -> tuple[list[TargetChange] | None, str]:
    """The restore phase once ``transport``'s target answers again (None: it did not), and a
    note for the report."""
    wait = count_from_env("APIWARD_OUTAGE_WAIT", WAIT)
    deadline = time.monotonic() + wait
    while True:
        transport.revive()
        try:
            await transport.reachable()
            break
        except TargetError:
            if time.monotonic() >= deadline:
                return None, (
                    f"the target did not answer again within {wait} s of stopping: the "
                    "restore phase did not run, so what the scan made or changed stays"
                )
            await asyncio.sleep(STEP)
    transport.requester = "restore"
    try:
        changes = await restore(ledger)
    except TargetError as error:
        return (
            None,
            f"the restore phase, run once the target answered again, was cut short: {error}",
        )
    return changes, (
        "the target answered again after it stopped: the restore phase ran (see the "
        "target_state table)"
    )
