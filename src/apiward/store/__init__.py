"""History: every run in a store, findings followed across runs by fingerprint, and triage.

SQLAlchemy 2 over SQLite by default (a file in the user's data directory) or PostgreSQL
for teams; the schema is built and migrated by the Alembic migrations shipped here::

    from apiward.store import open_store, record_run

    engine = open_store("postgresql://apiward@db/sec")   # None: the default SQLite file
    recorded = record_run(engine, report, api="payments", secrets=identities.secrets)
    print(recorded.run.id, recorded.entered)             # Counter({State.NEW: 3, ...})

Modules, one concept each: ``location`` (which URL), ``schema`` (open, refuse, upgrade),
``tables``, ``apis``, ``runs``, ``coverage`` (what a run tested), ``lifecycle``
(new/open/fixed/regressed), ``triage``, ``tracked`` (reading findings), ``gate``
(``--fail-on-new``) and ``diff``. The CLI imports this package only inside its commands:
SQLAlchemy costs start-up time ``apiward --version`` should not pay.
"""

from __future__ import annotations

from apiward.store.records import ApiRecord, Decision, RunRecord, State, Tracked, Triage
from apiward.store.runs import Recorded, record_run
from apiward.store.schema import open_store, opened_store, upgrade

__all__ = [
    "ApiRecord",
    "Decision",
    "Recorded",
    "RunRecord",
    "State",
    "Tracked",
    "Triage",
    "open_store",
    "opened_store",
    "record_run",
    "upgrade",
]
