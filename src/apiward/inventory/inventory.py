"""One inventory run: traffic files and an optional contract in, everything known out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from apiward.core.findings import Finding, sorted_findings
from apiward.inventory.cluster import Endpoint, cluster
from apiward.inventory.datamap import SensitiveField, sensitive_map
from apiward.inventory.diff import State, diff, never_seen, states
from apiward.inventory.observation import Batch
from apiward.inventory.overlap import once
from apiward.inventory.templates import MANY
from apiward.spec import Api


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """What the traffic showed: endpoints, their state against the contract, sensitive data."""

    batches: tuple[Batch, ...]
    endpoints: tuple[Endpoint, ...]
    states: Mapping[str, State]
    """``METHOD /template`` → its state against the contract."""
    fields: tuple[SensitiveField, ...]
    findings: tuple[Finding, ...]
    unseen: tuple[str, ...] = ()
    """Documented operations no request reached (empty without a contract)."""
    contract: str | None = None
    folded: int = 0
    """Records that were another file's record of the same request (``overlap.once``)."""

    @property
    def count_unseen(self) -> int:
        """How many documented operations no request reached."""
        return len(self.unseen)

    @property
    def observations(self) -> int:
        """Records of requests read over every source."""
        return sum(len(b.observations) for b in self.batches)

    @property
    def requests(self) -> int:
        """Requests over every source, one recorded in two files counted once."""
        return self.observations - self.folded

    @property
    def skipped(self) -> int:
        """Lines or entries skipped over every source."""
        return sum(b.skipped for b in self.batches)

    def count(self, state: State) -> int:
        """How many seen operations are in ``state``."""
        return sum(1 for s in self.states.values() if s is state)

    def classes_of(self, operation: str) -> tuple[str, ...]:
        """The sensitive-data kinds one operation's traffic or contract showed, sorted."""
        return tuple(
            sorted({str(c) for f in self.fields if f.operation == operation for c in f.classes})
        )


def take_inventory(
    batches: Sequence[Batch], api: Api | None = None, *, many: int = MANY
) -> Inventory:
    """Cluster every batch's observations, classify data, and diff against ``api`` if given."""
    observations, folded = once(batches)
    endpoints = cluster(observations, api, many=many)
    fields = sensitive_map(endpoints, api)
    findings = sorted_findings(diff(endpoints, api, fields)) if api else []
    return Inventory(
        batches=tuple(batches),
        endpoints=endpoints,
        states=states(endpoints, api),
        fields=fields,
        findings=tuple(findings),
        unseen=never_seen(endpoints, api) if api else (),
        contract=api.source if api else None,
        folded=folded,
    )
