"""An API's endpoints as its guard's traffic shows them: first and last seen, calls, state.

One row per API × method × template (the contract's template, else one inferred the way
``apiward inventory`` infers them). Each ingest adds only the events the store did not
hold yet, so counts never double. The state is inventory's (``apiward.inventory.diff``):
*documented*, *shadow* (undocumented, yet served), *zombie* (deprecated or an old version,
still served) or *unrouted* (only 404/405/410/501 came back); an endpoint once served
stays shadow or zombie when later traffic only finds it gone: it was there on those dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, RowMapping, and_, select

from apiward.inventory import Endpoint, State, Usage
from apiward.inventory.cluster import GONE
from apiward.inventory.diff import states
from apiward.spec import Api
from apiward.store.tables import endpoints

_LIVE = frozenset({State.SHADOW, State.ZOMBIE})


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointRecord:
    """One method of one endpoint, as the store knows it from the guard's traffic."""

    method: str
    template: str
    state: str
    documented: bool
    first_seen: datetime
    last_seen: datetime
    calls: int
    served: int
    refused: int

    @property
    def key(self) -> str:
        """``"GET /users/{id}"``."""
        return f"{self.method} {self.template}"


def merge(
    connection: Connection,
    api_id: int,
    seen: Sequence[Endpoint],
    refused: dict[str, int],
    contract: Api | None,
) -> tuple[list[EndpointRecord], list[str]]:
    """Add a batch's endpoints to the API's; the rows after, and the keys seen for the first time."""
    state = states(seen, contract)
    after: list[EndpointRecord] = []
    first: list[str] = []
    for usage in (u for endpoint in seen for u in endpoint.usages):
        if usage.first_seen is None or usage.last_seen is None:
            continue  # a guard's events always carry a time; other sources may not
        seen_from, seen_to = usage.first_seen, usage.last_seen
        where = and_(
            endpoints.c.api_id == api_id,
            endpoints.c.method == usage.method,
            endpoints.c.template == usage.path,
        )
        old = connection.execute(select(endpoints).where(where)).mappings().first()
        record = _merged(
            old, usage, (seen_from, seen_to), state[usage.key], refused.get(usage.key, 0)
        )
        if old is None:
            connection.execute(endpoints.insert().values(api_id=api_id, **asdict(record)))
            first.append(usage.key)
        else:
            connection.execute(endpoints.update().where(where).values(**asdict(record)))
        after.append(record)
    return after, first


def _merged(
    old: RowMapping | None,
    usage: Usage,
    seen: tuple[datetime, datetime],
    state: State,
    refused: int,
) -> EndpointRecord:
    served = usage.calls - sum(n for status, n in usage.statuses.items() if status in GONE)
    new = EndpointRecord(
        method=usage.method,
        template=usage.path,
        state=state.value,
        documented=usage.documented,
        first_seen=seen[0],
        last_seen=seen[1],
        calls=usage.calls,
        served=served,
        refused=refused,
    )
    if old is None:
        return new
    return replace(
        new,
        state=old["state"] if old["state"] in _LIVE and state not in _LIVE else new.state,
        first_seen=min(old["first_seen"], new.first_seen),
        last_seen=max(old["last_seen"], new.last_seen),
        calls=old["calls"] + new.calls,
        served=old["served"] + new.served,
        refused=old["refused"] + new.refused,
    )


def list_endpoints(
    connection: Connection, api_id: int, *, state: str | None = None
) -> list[EndpointRecord]:
    """The API's endpoints seen in guard traffic, by template and method (one state, if given)."""
    query = select(endpoints).where(endpoints.c.api_id == api_id)
    if state is not None:
        query = query.where(endpoints.c.state == state)
    rows = connection.execute(query.order_by(endpoints.c.template, endpoints.c.method))
    return [
        EndpointRecord(**{k: v for k, v in row.items() if k != "api_id"}) for row in rows.mappings()
    ]
