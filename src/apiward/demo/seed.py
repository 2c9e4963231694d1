"""The people, accounts, cards and transfers every demo bank starts with.

Several users exist only to be the victim or the attacker of one exploit, so that
an exploit which changes state never disturbs another (see ground_truth.yaml).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from apiward.demo.db import Database
from apiward.demo.tokens import hash_password

# username: (role, password, full name)
USERS: dict[str, tuple[str, str, str]] = {
    "alice": ("customer", "alice-wonderland-2026", "Alice Liddell"),
    "bob": ("customer", "bob-builder-2026", "Bob Marley"),
    "carol": ("customer", "carol-singer-2026", "Carol King"),
    "dave": ("customer", "sunshine", "Dave Grohl"),
    "erin": ("customer", "erin-brockovich-2026", "Erin Brockovich"),
    "frank": ("customer", "frank-sinatra-2026", "Frank Sinatra"),
    "grace": ("customer", "grace-hopper-2026", "Grace Hopper"),
    "heidi": ("customer", "heidi-klum-2026", "Heidi Klum"),
    "ivan": ("customer", "ivan-drago-2026", "Ivan Drago"),
    "sam": ("support", "sam-teller-2026", "Sam Teller"),
    "tina": ("support", "tina-teller-2026", "Tina Turner"),
    "admin": ("admin", "admin-root-2026", "Ada Admin"),
    "olivia": ("admin", "olivia-ops-2026", "Olivia Ops"),
}

PROMO_CODES = [
    ("WELCOME50", 50.0, "50 EUR welcome bonus, once per customer"),
    ("SPRING10", 10.0, "10 EUR spring campaign"),
    ("SUMMER20", 20.0, "20 EUR summer campaign"),
]

# A secret that must stay inside the bank's data directory (the path traversal target).
BANK_CONFIG = """[bank]
name = apiward bank
database_password = s3cr3t-db-password
hsm_pin = 4711
"""

_NAMESPACE = uuid.UUID("6f1c2d3e-4b5a-4c7d-8e9f-a0b1c2d3e4f5")
_BULK_TRANSFERS = 150  # carol's history is longer than any sane page


def seed(db: Database, data_dir: Path) -> None:
    """Fill a fresh database, and the statement files directory, with the demo data."""
    db.create_schema()
    for index, (username, (role, password, full_name)) in enumerate(USERS.items()):
        db.run(
            "INSERT INTO users (id, username, email, full_name, password_hash, role,"
            " transfer_limit, referral_code, internal_notes) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                index + 1,
                username,
                f"{username}@apiward-bank.example",
                full_name,
                hash_password(password),
                role,
                1000.0,
                f"REF-{username.upper()}",
                f"KYC reviewed; risk score {17 + 7 * index % 80}",
            ),
        )
        _seed_accounts(db, username, index)
        _seed_card(db, username, index)
    db.many("INSERT INTO promo_codes VALUES (?,?,?)", PROMO_CODES)
    _seed_transfers(db)
    (data_dir / "config").mkdir(parents=True, exist_ok=True)
    (data_dir / "config" / "bank.ini").write_text(BANK_CONFIG)
    (data_dir / "statements").mkdir(exist_ok=True)


def account_ids(username: str) -> tuple[int, int]:
    """The ids of a seeded user's checking and savings accounts."""
    index = list(USERS).index(username)
    return 1001 + 2 * index, 1002 + 2 * index


def _seed_accounts(db: Database, username: str, index: int) -> None:
    checking, savings = account_ids(username)
    for account_id, kind, balance in (
        (checking, "checking", 2500.0),
        (savings, "savings", 10000.0),
    ):
        db.run(
            "INSERT INTO accounts VALUES (?,?,?,?,?,?,?)",
            (
                account_id,
                username,
                f"DE89 3704 0044 {account_id:04d} {index:02d}{kind[0].upper()}0",
                kind,
                "EUR",
                balance + 100 * index,
                f"internal: overdraft approved by {'olivia' if index % 2 else 'admin'}",
            ),
        )


def _seed_card(db: Database, username: str, index: int) -> None:
    db.run(
        "INSERT INTO cards VALUES (?,?,?,?,?,?,?)",
        (
            f"{username}-visa",
            username,
            "visa",
            f"4111 1111 1111 {1000 + index:04d}",
            f"{100 + index:03d}",
            "2029-12",
            "active",
        ),
    )


def _transfer(
    number: int, source: str, target: str, amount: float, memo: str
) -> tuple[object, ...]:
    return (
        str(uuid.uuid5(_NAMESPACE, f"transfer-{number}")),
        account_ids(source)[0],
        account_ids(target)[0],
        amount,
        "EUR",
        memo,
        "completed",
        f"2026-10-{1 + number % 28:02d}T09:{number % 60:02d}:00Z",
    )


def _seed_transfers(db: Database) -> None:
    rows = [
        _transfer(1, "alice", "bob", 42.0, "Pizza night"),
        _transfer(2, "bob", "alice", 15.5, "Cinema tickets"),
        _transfer(3, "alice", "carol", 120.0, "Rent share October"),
        _transfer(4, "ivan", "alice", 300.0, "Secret consulting fee"),
        _transfer(5, "bob", "dave", 60.0, "Concert"),
    ]
    rows += [
        _transfer(100 + n, "carol", "bob" if n % 2 else "alice", 1.0 + n, f"Coffee #{n}")
        for n in range(_BULK_TRANSFERS)
    ]
    db.many("INSERT INTO transfers VALUES (?,?,?,?,?,?,?,?)", rows)
