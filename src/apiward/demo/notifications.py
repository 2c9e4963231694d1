"""Notification previews: customers write the text of their own payment alerts.

The vulnerable bank renders that text as a Jinja2 template. It uses the
*sandboxed* environment on purpose: template injection shows (``{{7*7}}`` gives 49,
secrets in the template context leak), but it cannot run code on the laptop
the demo runs on.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from apiward.demo.deps import Bank, BankDep, Me, Principal
from apiward.demo.models import Message, Preview, PreviewRequest

router = APIRouter(prefix="/api/v2/notifications", tags=["notifications"])

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\.([a-z_]+)\s*\}\}")
_SANDBOX = SandboxedEnvironment(autoescape=False)


def _context(bank: Bank, me: Principal) -> dict[str, dict[str, Any]]:
    user = bank.db.one(
        "SELECT username, full_name, email FROM users WHERE username = ?", (me.username,)
    )
    return {
        "user": user or {},
        "payment": {"amount": "42.00", "currency": "EUR", "payee": "ACME Corp"},
        # Only the vulnerable renderer can reach this entry: it is what a leak looks like.
        "bank": {"name": "apiward bank", "webhook_signing_secret": bank.webhook_signing_secret},
    }


def _substitute(template: str, context: dict[str, dict[str, Any]]) -> str:
    """Replace ``{{ user.x }}`` and ``{{ payment.x }}`` placeholders; leave anything else as text."""

    def value(match: re.Match[str]) -> str:
        group, name = match.groups()
        if group not in {"user", "payment"} or name not in context[group]:
            return match.group(0)
        return str(context[group][name])

    return _PLACEHOLDER.sub(value, template)


@router.post("/preview", responses={422: {"model": Message}})
async def preview(body: PreviewRequest, bank: BankDep, me: Me) -> Preview:
    """Show a payment alert text with its {{ user.* }} and {{ payment.* }} placeholders filled."""
    context = _context(bank, me)
    if bank.fixed:
        return Preview(rendered=_substitute(body.template, context))
    try:
        # planted: ssti-notification-preview (user input is compiled as a template)
        rendered = _SANDBOX.from_string(body.template).render(context)
    except TemplateError as error:
        raise HTTPException(422, f"template error: {error}") from error
    return Preview(rendered=rendered)
