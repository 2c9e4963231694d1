"""Tampering with the audit log: each class is named, and the README's limits hold.

The log comes from real traffic through the guard, keyed (HMAC under a key from the
environment), checkpointed every 5 lines and anchored in the local Redis. Each test
does one thing to the file a person with write access to it could do, and checks
what ``verify_log`` says with the key, without it, and with and without the anchor.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
import redis

from apiward.guard import AuditPolicy
from apiward.guard.auditanchor import PREFIX
from apiward.guard.auditverify import Tamper, Verdict, verify_log

KEY = "k3y-for-the-audit-chain-only-0123456789"
ANCHOR = "redis://127.0.0.1:6379/0"
EVERY = 5
NAME = f"tamper-test-{secrets.token_hex(4)}"


@pytest.fixture
def log(
    guarded: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A sealed, keyed, anchored log of 12 requests (6 refused): 18 events, then the marks."""
    monkeypatch.setenv("AUDIT_KEY", KEY)
    path = tmp_path / "audit.jsonl"
    policy = AuditPolicy(
        sink=str(path),
        key_env="AUDIT_KEY",
        checkpoint_every=EVERY,
        anchor=ANCHOR,
        anchor_name=NAME,
    )

    async def traffic() -> None:
        async with guarded(audit=policy) as http:
            for n in range(6):
                await http.get(f"/items/{n}")
                await http.get("/admin" if n % 2 else "/items?limit=1000")

    anyio.run(traffic)
    yield path
    client = redis.from_url(ANCHOR)
    client.delete(PREFIX + NAME, *client.keys(f"{PREFIX}{NAME}:*"))


@pytest.fixture
def lines(log: Path) -> list[bytes]:
    """The log's lines; the test changes the list, and the file is rewritten from it."""
    return log.read_bytes().splitlines()


def write(log: Path, lines: list[bytes], *, newline: bool = True) -> None:
    log.write_bytes(b"\n".join(lines) + (b"\n" if newline else b""))


def check(log: Path, *, key: bool = True, anchor: bool = False) -> Verdict:
    return verify_log(
        log, key=KEY.encode() if key else None, anchor=ANCHOR if anchor else None, name=NAME
    )


def recompute(lines: list[bytes], start: int) -> list[bytes]:
    """What a tamperer without the key can do: rebuild SHA-256 hashes from line ``start`` on."""
    out = lines[:start]
    prev = orjson.loads(out[-1])["hash"] if out else "0" * 64
    for line in lines[start:]:
        event = orjson.loads(line)
        event["prev"], event["hash"] = prev, ""
        event["hash"] = prev = hashlib.sha256(
            orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        out.append(orjson.dumps(event, option=orjson.OPT_SORT_KEYS))
    return out


def test_an_untouched_log_is_intact_sealed_and_anchored(log: Path) -> None:
    """Checkpoints every 5 lines and the seal, all copied to the anchor."""
    verdict = check(log, anchor=True)
    assert (verdict.intact, verdict.sealed, verdict.events) == (True, True, 18)
    assert verdict.checkpoints == verdict.anchored == 4  # 3 checkpoints and the seal


def test_edited(log: Path, lines: list[bytes]) -> None:
    """A changed status is found at its line."""
    lines[3] = lines[3].replace(b'"status":200', b'"status":404')
    write(log, lines)
    assert (check(log).tamper, check(log).broken_line) == (Tamper.EDITED, 4)


def test_deleted(log: Path, lines: list[bytes]) -> None:
    """A line removed from the middle, or the first line, is found."""
    write(log, lines[:6] + lines[7:])
    assert (check(log).tamper, check(log).broken_line) == (Tamper.DELETED, 7)
    write(log, lines[1:])
    assert (check(log).tamper, check(log).broken_line) == (Tamper.DELETED, 1)


def test_reordered(log: Path, lines: list[bytes]) -> None:
    """Two lines swapped: the first of them links to a line that comes later."""
    lines[1], lines[2] = lines[2], lines[1]
    write(log, lines)
    assert (check(log).tamper, check(log).broken_line) == (Tamper.REORDERED, 2)


@pytest.mark.parametrize("cut", [1, 10], ids=["last-line", "last-ten"])
def test_cut_tail(log: Path, lines: list[bytes], cut: int) -> None:
    """The anchor names the cut; without it, the log only reads as unsealed."""
    write(log, lines[:-cut])
    anchored = check(log, anchor=True)
    assert anchored.tamper is Tamper.CUT_TAIL
    assert f"the log ends at line {len(lines) - cut}" in anchored.why
    alone = check(log)
    assert (alone.intact, alone.sealed) == (True, False)


def test_cut_mid_line(log: Path) -> None:
    """A file truncated inside its last line."""
    raw = log.read_bytes()
    log.write_bytes(raw[:-40])
    verdict = check(log)
    assert (verdict.tamper, verdict.broken_line) == (Tamper.CUT_MID_LINE, len(raw.splitlines()))


def test_recomputed_chain(log: Path, lines: list[bytes]) -> None:
    """An edit with every later hash rebuilt: the key sees it, the anchor sees it, nothing else."""
    lines[3] = lines[3].replace(b'"status":200', b'"status":404')
    write(log, recompute(lines, 0))
    keyed = check(log)
    assert (keyed.tamper, keyed.broken_line) == (Tamper.RECOMPUTED, 1)
    anchored = check(log, key=False, anchor=True)
    assert (anchored.tamper, anchored.broken_line) == (Tamper.RECOMPUTED, 1)
    assert check(log, key=False).intact  # the README's limit: unkeyed and unanchored


def test_a_deletion_hidden_by_recomputing_still_breaks_the_count(
    log: Path, lines: list[bytes]
) -> None:
    """Rebuilding hashes after a deletion leaves the next checkpoint's count wrong."""
    write(log, recompute(lines[:2] + lines[3:], 0))
    verdict = check(log, key=False)
    assert (verdict.tamper, verdict.broken_line) == (Tamper.DELETED, EVERY + 1 - 1)
