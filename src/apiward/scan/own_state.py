"""Each identity's own record as the scan first read it, to tell at the end what changed it.

A scan's creations can move a user's state through no write of its own: compost orders
the harvest places spend the gardener's credits, a loan takes a tool from stock. No
snapshot covers that (no write named the record), so the harvest keeps what each
identity's own record (``GET /me``, ``GET /users/me``: a read naming the caller and no
object) answered it before any creation, and the restore phase reads it once more:
a field that differs, and that no write of the scan named, is a side effect the scan left.
Reads under the caller (``GET /me/credits``) too, and a list's length as a field of its
own (``transactions[]``): the Fastify trial's top-ups netted to zero on the balance and
left two rows in the caller's history, and the report said "left as found". And a secured
read of one thing, no id in its path (``GET /api/wallet``, ``GET /account``): the hapi
trial's top-ups left two payments in a wallet whose path names no ``me``. And the object
an action that only asks names (``POST /webhooks/{id}/test``, :meth:`OwnState.watch`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apiward.scan._objects import VOLATILE, reader, unwrap
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.resources import is_noun, on_caller, singular, words
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation, ParameterLocation

if TYPE_CHECKING:
    from apiward.scan.sessions import Sessions


def is_own_read(op: Operation) -> bool:
    """A read of the caller's own state: under ``/me``, or a secured singular noun, no id,
    not a log of everyone's actions nor a staff read (``/admin/audit-log`` grows with every
    request the scan sends: the Go trial's)."""
    if "{" in op.path:
        return False
    if on_caller(op.path):
        return True
    segments = op.path.rstrip("/").split("/")
    last = segments[-1]
    single = is_noun(last) and singular(last) == last and not last.endswith("s")
    kept = not (_STAFF & set(segments) or _LOGS & set(words(last)))
    return single and kept and not op.is_public and not _lists(op, last)


def _lists(op: Operation, last: str) -> bool:
    """True for a listing under a mass noun: ``GET /firmware`` answering ``{"firmware": [...]}``
    or an array is everyone's catalogue, not the caller's state (the Tornado trial's
    ``--aggressive`` scan listed it as left once per identity)."""
    schema = op.answer_schema()
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "array":
        return True
    inner = (schema.get("properties") or {}).get(last)
    return isinstance(inner, dict) and inner.get("type") == "array"


def asks_id(op: Operation) -> bool:
    """True for a read that names its object: by a path id or a required query parameter."""
    query = [p for p in op.parameters if p.required and p.location is ParameterLocation.QUERY]
    return "{" in op.path or bool(query)


_STAFF = frozenset({"admin", "internal", "manage", "management", "staff", "ops"})
_LOGS = frozenset({"log", "logs", "audit", "event", "events", "activity", "feed", "health"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    """One identity's own record as first read: the read and its fields (:func:`fields`)."""

    identity: Identity
    read: Request
    before: dict[str, Any]


@dataclass(slots=True)
class OwnState:
    """The first answer of each identity's own-record reads (one per identity and path)."""

    seen: dict[tuple[str, str], Seen] = field(default_factory=dict)

    async def watch(
        self, sessions: Sessions, api: Api, request: Request, who: Identity | None
    ) -> None:
        """Keep, once, the object an action that only asks names, as ``who`` reads it first:
        a test delivery still leaves its trace (the Rails trial's webhook kept the
        ``last_status`` of the scan's test, and the report did not say so)."""
        read = reader(api, request)
        if who is None or read is None or read.pick is not None or not request.path_params:
            return
        if (who.name, read.read.target) not in self.seen:
            note = "before an action that only asks"
            self.keep(who, await sessions.send(read.read, as_=who, note=note))

    def keep(self, identity: Identity, reply: Reply) -> None:
        """Keep ``reply`` as ``identity``'s own record, unless one was kept for that read."""
        data = unwrap(reply.data)
        if not reply.ok or not isinstance(data, dict):
            return
        key = (identity.name, reply.sent.target)
        if key not in self.seen:
            self.seen[key] = Seen(identity=identity, read=reply.sent, before=fields(data))


def moved(before: dict[str, Any], now: Any, named: set[str]) -> dict[str, tuple[Any, Any]]:
    """Fields of ``before`` that ``now`` shows otherwise (old, new); volatile or ``named`` ones aside."""
    current = unwrap(now)
    if not isinstance(current, dict):
        return {}
    current = fields(current)
    return {
        k: (v, current[k])
        for k, v in before.items()
        if k in current and current[k] != v and k not in named and not VOLATILE.search(k)
    }


def fields(data: dict[str, Any]) -> dict[str, Any]:
    """``data``'s scalar fields, and the length of each list as ``name[]``."""
    scalars = {
        k: v for k, v in data.items() if isinstance(v, str | int | float | bool) or v is None
    }
    return scalars | {f"{k}[]": len(v) for k, v in data.items() if isinstance(v, list)}
