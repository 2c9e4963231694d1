"""Account statements: read them, export them to a file, download it, import one from a URL."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query
from fastapi.responses import PlainTextResponse

from apiward.demo import outbound
from apiward.demo.deps import Bank, BankDep, Me, Principal, any_account, owned_account
from apiward.demo.models import (
    ImportResult,
    Message,
    StatementExportRequest,
    StatementFile,
    StatementLine,
)

router = APIRouter(prefix="/api/v2/statements", tags=["statements"])

_LINES = (
    "SELECT id AS transfer_id, substr(created_at, 1, 10) AS date,"
    " CASE WHEN from_account_id = :account THEN -amount ELSE amount END AS amount, memo"
    " FROM transfers WHERE from_account_id = :account OR to_account_id = :account"
    " ORDER BY created_at, id"
)


def _lines(bank: Bank, account_id: int) -> list[StatementLine]:
    rows = bank.db.all(_LINES, {"account": account_id})
    return [StatementLine.model_validate(row) for row in rows]


@router.get("", responses={404: {"model": Message}})
async def statement(
    bank: BankDep, me: Me, account_id: Annotated[int, Query()]
) -> list[StatementLine]:
    """The statement of one of your accounts."""
    if bank.fixed:
        owned_account(bank, me, account_id)
    else:
        # planted: bola-statement-by-query (the account id in the query is not checked)
        any_account(bank, account_id)
    return _lines(bank, account_id)


@router.post("/export", status_code=201, responses={404: {"model": Message}})
async def export(body: StatementExportRequest, bank: BankDep, me: Me) -> StatementFile:
    """Write one of your account's statements to a CSV file you can download."""
    owned_account(bank, me, body.account_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["transfer_id", "date", "amount", "memo"])
    for line in _lines(bank, body.account_id):
        writer.writerow([line.transfer_id, line.date, f"{line.amount:.2f}", line.memo])
    folder = _folder(bank, me)
    name = f"statement-{body.account_id}.csv"
    (folder / name).write_text(buffer.getvalue())
    return StatementFile(file=name, download_url=f"/api/v2/statements/download?file={name}")


def _folder(bank: Bank, me: Principal) -> Path:
    folder = bank.statements_dir / me.username
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@router.get(
    "/download",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {}}}, 404: {"model": Message}},
)
async def download(bank: BankDep, me: Me, file: Annotated[str, Query(max_length=200)]) -> str:
    """Download a statement file you exported."""
    folder = _folder(bank, me)
    # planted: path-traversal-statement-download (the name is joined, never resolved)
    path = folder / file
    if bank.fixed and not path.resolve().is_relative_to(folder.resolve()):
        raise HTTPException(404, "no such statement file")
    if not path.is_file():
        raise HTTPException(404, "no such statement file")
    return path.read_text()


@router.post("/import", responses={422: {"model": Message}, 502: {"model": Message}})
async def import_statement(
    bank: BankDep, me: Me, source_url: Annotated[str, Form(max_length=2048)]
) -> ImportResult:
    """Import a CSV statement from another bank, by URL (form body)."""
    # planted: ssrf-statement-import (the bank fetches any URL, internal ones included)
    fetched = await outbound.fetch(bank.fixed, source_url)
    rows = list(csv.reader(io.StringIO(fetched.text)))
    return ImportResult(imported=max(len(rows) - 1, 0))
