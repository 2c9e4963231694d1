"""What a worker brings to every job it runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """What a worker brings to every job: its store, name, scan options and webhooks."""

    engine: Engine
    worker: str
    checks: tuple[str, ...] = ()
    safe: bool = False
    signup: bool = True
    timeout: float = 10.0
    webhooks: tuple[str, ...] = ()
    secret: str | None = field(default=None, repr=False)
