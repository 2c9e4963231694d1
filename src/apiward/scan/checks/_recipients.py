"""Reference fields of a write that moves value to someone: ``to``, ``recipient``, ``payee``.

A transfer names who receives it, and only a real user will do: a synthesised e-mail
answers "unknown recipient". The scan fills such a field with a *peer identity's own*
value — its e-mail for an e-mail field, its id for an id field, else its user name —
taken from what identifies it: its login's user field, its own ids (login answer, token
claims) and its own record (what ``GET /me`` answered it). The same request with the
sender's own value, sent by the peer, moves the value back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiward.scan.context import Context
from apiward.scan.fields import is_addressee, is_recipient
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.spec import Operation, json_types

_USER_KEYS = ("username", "user", "login", "handle", "name", "nickname")
_ID = re.compile(r"^(id|uuid|user_id|account_id|uid|sub)$|_id$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Leg:
    """A request moving value from ``sender`` to ``peer``, and the one moving it back."""

    out: Request
    back: Request
    sender: Identity
    peer: Identity


def recipient_fields(ctx: Context, operation: Operation) -> dict[str, Mapping[str, Any]]:
    """Top-level body fields that name who receives (``to``, ``payee_email``…), with schemas;
    none in a body that names an addressee (``recipientName`` beside ``recipientPhone``: the
    Go trial's shipment, taken for a payment to whoever the scan wrote there)."""
    schema, _ = ctx.synthesizer.body_schema(operation)
    properties = (schema or {}).get("properties") or {}
    if any(is_addressee(name) for name in properties):
        return {}
    found = {}
    for name, sub in properties.items():
        if is_recipient(name):
            found[name] = ctx.api.deref(sub)
    return found


def leg(
    ctx: Context, request: Request, sender: Identity, fields: Mapping[str, Mapping[str, Any]]
) -> Leg | None:
    """``request`` paying a peer of ``sender`` (and back), or None: no peer can be named."""
    mine = own_values(ctx, sender)
    for peer in (*ctx.peers(sender), *(i for i in ctx.identities if i.role != sender.role)):
        theirs = own_values(ctx, peer)
        out, back = request, request
        for name, schema in fields.items():
            to_peer, to_me = _pick(theirs, name, schema), _pick(mine, name, schema)
            if to_peer is None or to_me is None:
                break
            out = out.with_param(Where.BODY, name, to_peer)
            back = back.with_param(Where.BODY, name, to_me)
        else:
            return Leg(out=out, back=back, sender=sender, peer=peer)
    return None


def own_values(ctx: Context, identity: Identity) -> dict[str, str | int]:
    """What identifies ``identity``: its own record, its own ids, its login's user fields."""
    found: dict[str, str | int] = {}
    login = identity.login
    if login is not None:
        secret = set(login.secrets())
        found.update(
            {k: v for k, v in {**login.body, **login.query}.items() if str(v) not in secret}
        )
        if login.basic is not None:
            found["username"] = login.basic.username
    if identity.basic is not None:
        found["username"] = identity.basic.username
    found.update(dict(ctx.sessions.own_ids(identity)))
    found.update(ctx.harvest.records.get(identity.name, {}))
    return {k: v for k, v in found.items() if isinstance(v, str | int) and not isinstance(v, bool)}


def _pick(
    values: Mapping[str, str | int], name: str, schema: Mapping[str, Any]
) -> str | int | None:
    """The value of ``values`` that fits the field: an e-mail, an id, else a user name."""
    mails = [v for v in values.values() if isinstance(v, str) and "@" in v]
    if schema.get("format") in {"email", "idn-email"} or "mail" in name.lower():
        return mails[0] if mails else None
    numeric = "integer" in json_types(schema)
    ids = [v for k, v in values.items() if _ID.search(k.lower())]
    if numeric or _ID.search(name.lower()):
        return next((v for v in ids if not numeric or str(v).isdigit()), None)
    named = [values[k] for k in _USER_KEYS if k in values]
    return next(iter([*named, *mails, *ids]), None)
