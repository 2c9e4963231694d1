"""An API's inventory for its page: each endpoint's authentication, exposure and sensitive data.

Two sources meet here. The guard's traffic, as ``apiward ingest`` left it in the store
(``apiward.store.endpoints``): each endpoint's state (documented, shadow, zombie,
unrouted), first and last seen, calls and refusals. And the API's contract, when it is a
file on this machine: which credentials each operation asks for, and which fields its
names and formats announce as personal or secret data (``apiward.inventory.datamap``).
A contract behind a URL is not fetched while a page renders: the dashboard then shows
what the traffic says, and says that the contract was not read.

*Exposure* is what the traffic shows of an endpoint: **served** (something answered),
**refused** (every call was refused by the guard), **not served** (only 404/405/410/501)
or **not seen** (in the contract, absent from the traffic).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from apiward.core.errors import ApiwardError
from apiward.spec.model import Api, Operation
from apiward.store.endpoints import EndpointRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryRow:
    """One method of one endpoint, as the traffic and the contract describe it."""

    method: str
    template: str
    state: str
    """documented, shadow, zombie, unrouted, or ``not seen`` (only in the contract)."""
    exposure: str
    authentication: str
    sensitive: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    calls: int
    refused: int

    @property
    def key(self) -> str:
        """``"GET /users/{id}"``."""
        return f"{self.method} {self.template}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """An API's endpoints, and what became of its contract (read, remote, or why not)."""

    rows: tuple[InventoryRow, ...]
    contract: str
    """``read``, ``none``, ``remote`` (not fetched) or why it could not be read."""


def inventory(spec: str | None, seen: list[EndpointRecord]) -> Inventory:
    """The endpoints seen in traffic and the contract's operations, by template and method."""
    contract, status = _contract(spec)
    operations = {op.key: op for op in contract.operations} if contract else {}
    sensitive = _sensitive(contract) if contract else {}
    rows = [
        InventoryRow(
            method=e.method,
            template=e.template,
            state=e.state,
            exposure=_exposure(e),
            authentication=_authentication(operations.get(e.key), contract),
            sensitive=sensitive.get(e.key, ()),
            first_seen=e.first_seen,
            last_seen=e.last_seen,
            calls=e.calls,
            refused=e.refused,
        )
        for e in seen
    ]
    known = {e.key for e in seen}
    rows += [
        InventoryRow(
            method=op.method,
            template=op.path,
            state="not seen",
            exposure="not seen",
            authentication=_authentication(op, contract),
            sensitive=sensitive.get(op.key, ()),
            first_seen=None,
            last_seen=None,
            calls=0,
            refused=0,
        )
        for key, op in operations.items()
        if key not in known
    ]
    rows.sort(key=lambda r: (r.template, r.method))
    return Inventory(rows=tuple(rows), contract=status)


def _exposure(seen: EndpointRecord) -> str:
    if seen.served > seen.refused:
        return "served"
    if seen.refused and seen.refused >= seen.calls:
        return "refused"
    return "not served"


def _authentication(operation: Operation | None, contract: Api | None) -> str:
    """The credentials the contract asks for: ``bearer``, ``bearer or apikey``, ``none``..."""
    if contract is None:
        return "unknown (no contract read)"
    if operation is None:
        return "unknown (not in the contract)"
    if not operation.security_declared:
        return "not declared"
    if operation.is_public:
        return "none (public)"
    alternatives = [" + ".join(sorted(a)) for a in operation.security if a]
    named = " or ".join(sorted(set(alternatives)))
    return f"optional ({named})" if operation.auth_optional else named


def _sensitive(contract: Api) -> dict[str, tuple[str, ...]]:
    from apiward.inventory.datamap import sensitive_map

    kinds: dict[str, set[str]] = {}
    for found in sensitive_map((), contract):
        kinds.setdefault(found.operation, set()).update(c.value for c in found.classes)
    return {key: tuple(sorted(values)) for key, values in kinds.items()}


def _contract(spec: str | None) -> tuple[Api | None, str]:
    if not spec:
        return None, "none"
    if "://" in spec:
        return None, "remote"
    try:
        stat = os.stat(spec)
    except OSError:
        return None, "missing"
    try:
        return _load(spec, stat.st_mtime_ns, stat.st_size), "read"
    except ApiwardError as error:
        return None, f"unreadable: {str(error).splitlines()[0]}"


@lru_cache(maxsize=16)
def _load(spec: str, _mtime: int, _size: int) -> Api:
    """The contract at ``spec``, loaded once per version of the file (mtime and size)."""
    from apiward.spec import load

    return load(Path(spec), allow_private=False)
