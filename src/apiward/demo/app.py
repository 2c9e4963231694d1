"""apiward bank: the bundled, deliberately vulnerable demo API, and its fixed twin.

``create_app()`` builds the vulnerable bank; ``create_app(fixed=True)`` the same
API with every flaw listed in ground_truth.yaml corrected in code. Both serve the
same OpenAPI document and start from the same seed data, in a fresh SQLite
database of their own.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware

from apiward import __version__
from apiward.demo import (
    accounts,
    admin,
    auth,
    cards,
    internal,
    legacy,
    notifications,
    profile,
    promos,
    rates,
    statements,
    transfers,
    webhooks,
)
from apiward.demo.db import Database
from apiward.demo.deps import Bank
from apiward.demo.middleware import ErrorBodies, ReflectingCors, SecurityHeaders
from apiward.demo.seed import seed
from apiward.demo.tokens import HandRolledTokens, StrictTokens

ROUTERS = (
    auth.router,
    profile.router,
    accounts.router,
    transfers.router,
    statements.router,
    cards.router,
    webhooks.router,
    promos.router,
    notifications.router,
    rates.router,
    admin.router,
    legacy.router,
)

DESCRIPTION = """A small retail bank API, **vulnerable on purpose**.

It is the target apiward's scanner, guard and inventory are demonstrated on.
Never expose it beyond 127.0.0.1."""


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(*, fixed: bool = False, data_dir: Path | None = None) -> FastAPI:
    """The demo bank API: vulnerable, or with every planted flaw fixed."""
    owns_dir = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="apiward-demo-")) if data_dir is None else data_dir
    folder.mkdir(parents=True, exist_ok=True)
    db = Database(folder / "bank.sqlite3")
    seed(db, folder)
    bank = Bank(
        fixed=fixed,
        db=db,
        tokens=StrictTokens() if fixed else HandRolledTokens(),
        data_dir=folder,
        webhook_signing_secret=f"whsec_{secrets.token_hex(16)}",
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        db.close()
        if owns_dir:
            shutil.rmtree(folder, ignore_errors=True)

    app = FastAPI(
        title="apiward bank",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        servers=[{"url": "/", "description": "this server"}],
        # Readable operationIds (get_account, not get_account_api_v2_accounts__account_id__get).
        generate_unique_id_function=_operation_id,
    )
    app.state.bank = bank
    for router in ROUTERS:
        app.include_router(router)
    if fixed:
        app.add_middleware(SecurityHeaders)
        app.add_middleware(CORSMiddleware, allow_origins=[], allow_credentials=False)
    else:
        app.include_router(internal.router)
        # planted: missing-security-headers (SecurityHeaders is not installed)
        app.add_middleware(ReflectingCors)
    app.add_middleware(ErrorBodies, verbose=not fixed)
    return app
