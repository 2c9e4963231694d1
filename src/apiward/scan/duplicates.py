"""A creation refused as a duplicate is sent again with its free strings made new.

The synthesised body takes a contract's ``example`` or a value the API showed for a field
the scan does not know to be unique (``scan.fields.is_unique``): a vehicle's plate, a
course code, a part number. Where the API keeps that field unique, every identity's
creation is refused, and nothing that needs an object of the scan's own is tested: the
Express trial's admin never made a vehicle (``400 {"message": "Duplicate field value
entered"}``, Mongoose's E11000 text), and three flaws went untried. A refusal that says so
(a 400, 409 or 422 naming a duplicate, a unique constraint, a value that already exists
or is taken) is answered by one retry in which every plain string of the body that names
no other object (no id slot, no ``enum``, no ``format`` but e-mail, no password) is a fresh value of
the scan's own (``scan.values.Fresh``); the retry stands where it succeeds.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from apiward.scan.fields import is_password
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.spec import Operation, json_types

if TYPE_CHECKING:
    from apiward.scan.harvest import Harvest

_DUPLICATE = re.compile(
    r"duplicate|unique|E11000|already (?:exists?|registered|taken|in use|used)|is taken"
    r"|must be distinct",
    re.IGNORECASE,
)
"""What a refusal for a value another record holds says."""
_REFUSED = frozenset({400, 409, 422})

Send = Callable[[Request], Awaitable[Reply]]


def duplicated(reply: Reply) -> bool:
    """True for a refusal saying a value of the body is another record's."""
    return reply.status in _REFUSED and _DUPLICATE.search(reply.text[:2000]) is not None


async def again(
    harvest: Harvest, operation: Operation, request: Request, reply: Reply, send: Send
) -> tuple[Request, Reply]:
    """``request`` and ``reply``, or the retry with fresh free strings when it succeeds; the
    body fields that name another object (``harvest``'s slots) are kept as they are."""
    if not duplicated(reply) or not isinstance(request.body, dict):
        return request, reply
    synthesizer, slots = harvest.synthesizer, {s.name for s in harvest.slots(operation)}
    schema, _ = synthesizer.body_schema(operation)
    properties = (schema or {}).get("properties", {})
    body = dict(request.body)
    for name, value in request.body.items():
        sub = synthesizer.api.deref(properties.get(name, {}))
        plain = "enum" not in sub and sub.get("format") in {None, "email", "idn-email"}
        free = name not in slots and not is_password(name) and _text(sub)
        if isinstance(value, str) and plain and free:
            body[name] = synthesizer.fresh.value(name, sub) or value
    if body == request.body:
        return request, reply
    retry = dataclasses.replace(request, body=body)
    answer = await send(retry)
    return (retry, answer) if answer.ok else (request, reply)


def _text(schema: Mapping[str, Any]) -> bool:
    types = json_types(schema)
    return not types or "string" in types
