"""An API's endpoints as its guard's traffic shows them: first and last seen, calls, state.

One row per API × method × template. The caller templates the traffic and judges each
endpoint (the CLI does it with ``apiward.inventory``: the contract's template, else one
inferred; *documented*, *shadow*, *zombie* or *unrouted*); the store adds each batch to
what it holds. Each ingest brings only the events the store did not hold yet, so counts
never double. An endpoint once shadow or zombie stays so when later traffic only finds it
gone: it was there on those dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, RowMapping, and_, select

from apiward.store.tables import endpoints

LIVE = frozenset({"shadow", "zombie"})
"""States that say an endpoint was served when it should not have been."""


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
    """Calls answered with something other than 404/405/410/501."""
    refused: int

    @property
    def key(self) -> str:
        """``"GET /users/{id}"``."""
        return f"{self.method} {self.template}"


def merge(
    connection: Connection, api_id: int, batch: Sequence[EndpointRecord]
) -> tuple[list[EndpointRecord], list[str]]:
    """Add a batch's endpoints to the API's; the rows after, and the keys seen for the first time."""
    after: list[EndpointRecord] = []
    first: list[str] = []
    for seen in batch:
        where = and_(
            endpoints.c.api_id == api_id,
            endpoints.c.method == seen.method,
            endpoints.c.template == seen.template,
        )
        old = connection.execute(select(endpoints).where(where)).mappings().first()
        record = seen if old is None else _merged(old, seen)
        if old is None:
            connection.execute(endpoints.insert().values(api_id=api_id, **asdict(record)))
            first.append(record.key)
        else:
            connection.execute(endpoints.update().where(where).values(**asdict(record)))
        after.append(record)
    return after, first


def _merged(old: RowMapping, new: EndpointRecord) -> EndpointRecord:
    kept = old["state"] in LIVE and new.state not in LIVE
    return replace(
        new,
        state=old["state"] if kept else new.state,
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
