"""APIs as first-class records: ``apiward api add|list|show``, and the API a run belongs to.

A run belongs to the API named with ``--api`` (registered on first use), else to the
API whose target or contract is the run's target, else to a new API named after that
target. The identities file is kept as a path: the secrets stay in the file or in the
environment variables it names, never in the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, or_, select
from sqlalchemy.exc import IntegrityError

from apiward.core.errors import ConfigError
from apiward.store.records import ApiRecord
from apiward.store.tables import apis

SCAN_OPTIONS = frozenset({"safe", "include", "exclude", "checks", "config"})
"""The scan options an API keeps: what to scan, how carefully, and a ``--config`` file."""


def add_api(
    engine: Engine,
    name: str,
    *,
    spec: str | None = None,
    target: str | None = None,
    identities: Path | None = None,
    schedule: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> ApiRecord:
    """Register an API; its name must be new, its schedule a valid cron expression.

    ``options`` are scan options by long name (see :data:`SCAN_OPTIONS`), used by its
    scheduled scans and by ``scan --api``; a ``config`` file is kept as a path.
    """
    values = _checked(name, spec=spec, identities=identities, schedule=schedule)
    values["target"] = target
    values["options"] = _options(options or {})
    try:
        with engine.begin() as connection:
            return _insert(connection, values)
    except IntegrityError:
        raise ConfigError(f"an API named {name!r} already exists") from None


def set_schedule(engine: Engine, name: str, schedule: str | None) -> ApiRecord:
    """Give the API called ``name`` a cron schedule, or none (``None``)."""
    _checked(name, schedule=schedule)
    with engine.begin() as connection:
        api = get_api(connection, name)
        connection.execute(apis.update().where(apis.c.id == api.id).values(schedule=schedule))
    return replace(api, schedule=schedule)


def list_apis(engine: Engine) -> list[ApiRecord]:
    """Every API, by name."""
    with engine.connect() as connection:
        rows = connection.execute(select(apis).order_by(apis.c.name)).mappings()
        return [_record(row) for row in rows]


def get_api(connection: Connection, name: str) -> ApiRecord:
    """The API called ``name``; a ConfigError naming the known ones otherwise."""
    row = connection.execute(select(apis).where(apis.c.name == name)).mappings().first()
    if row is None:
        known = connection.execute(select(apis.c.name).order_by(apis.c.name)).scalars().all()
        listed = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
        raise ConfigError(f"no API named {name!r} in the store (known: {listed or 'none'})")
    return _record(row)


def api_for_run(
    connection: Connection,
    name: str | None,
    *,
    target: str,
    contract: str | None,
    identities: str | None = None,
) -> ApiRecord:
    """The API a run of ``target`` belongs to, registered when it is new (see the docstring)."""
    if name:
        row = connection.execute(select(apis).where(apis.c.name == name)).mappings().first()
        if row is not None:
            return _record(row)
        spec = contract if contract and contract != target else None
        values = {**_checked(name), "spec": spec, "target": target, "identities": identities}
        return _insert(connection, values)
    row = (
        connection.execute(
            select(apis)
            .where(or_(apis.c.target == target, apis.c.spec == target, apis.c.name == target))
            .order_by(apis.c.id)
        )
        .mappings()
        .first()
    )
    if row is not None:
        return _record(row)
    values = {"name": target[:200], "spec": contract, "target": target, "identities": identities}
    return _insert(connection, {**values, "schedule": None})


def _checked(
    name: str,
    *,
    spec: str | None = None,
    identities: Path | None = None,
    schedule: str | None = None,
) -> dict[str, Any]:
    if not name.strip() or len(name) > 200:
        raise ConfigError("an API's name is 1 to 200 characters")
    if schedule is not None:
        from croniter import croniter

        if not croniter.is_valid(schedule):
            raise ConfigError(
                f"--schedule {schedule!r} is not a cron expression (e.g. '0 3 * * *')"
            )
    if identities is not None and not identities.is_file():
        raise ConfigError("no such identities file", source=str(identities))
    if spec is not None and "://" not in spec and not Path(spec).exists():
        raise ConfigError("no such spec file or folder", source=spec)
    return {
        "name": name.strip(),
        "spec": str(Path(spec).resolve()) if spec and "://" not in spec else spec,
        "identities": str(identities.resolve()) if identities else None,
        "schedule": schedule,
    }


def _options(given: Mapping[str, Any]) -> dict[str, Any] | None:
    if unknown := sorted(set(given) - SCAN_OPTIONS):
        raise ConfigError(f"{unknown[0]!r} is not a scan option an API keeps")
    kept = {name: value for name, value in given.items() if value not in (None, [], False)}
    if "config" in kept:
        config = Path(kept["config"])
        if not config.is_file():
            raise ConfigError("no such scan config file", source=str(config))
        kept["config"] = str(config.resolve())
    return kept or None


def _insert(connection: Connection, values: dict[str, Any]) -> ApiRecord:
    values = {**values, "created": datetime.now(UTC)}
    new_id = connection.execute(apis.insert().values(**values)).inserted_primary_key
    if new_id is None:
        raise RuntimeError("the database gave no id for the new API")
    return _record({**values, "id": new_id[0]})


def _record(row: Any) -> ApiRecord:
    return ApiRecord(
        id=row["id"],
        name=row["name"],
        spec=row["spec"],
        target=row["target"],
        identities=row["identities"],
        schedule=row["schedule"],
        options=row.get("options") or {},
        created=row["created"],
    )
