"""A creation refused for what it says is sent again with fewer of its optional fields.

The synthesised body of a creation fills its optional fields too (``scan.synthesis``),
and an optional field often holds what the API checks against its own data: an
``assigneeId`` that must be a member of the workspace, a ``parentId`` that must exist, a
``coupon`` that must be valid. A random value there gets every identity's creation
refused (``400 {"message": "assigneeId must be a member of the workspace"}``), and
nothing that needs an object of the scan's own is tested (the Nest trial's tasks). A
creation answered ``400`` or ``422`` is sent again, each time only while refused so:

1. without the optional fields its answer names, when it names some but not all;
2. with its required fields alone.

The first retry that succeeds is the creation from then on (``Context.legit``'s
request, the harvest's object); when every retry is refused, the first answer stands.

An identity's own update (``PATCH``) that would set an optional privilege field goes
without it (:func:`unprivileged`), and so does ``bola``'s write with another's id: a
member's ``PATCH /spaces/{slug}/members/{username}`` with the contract's optional ``role``
was withheld as setting a privilege, so its object-level check never ran (the Django Ninja
trial's directory cards). ``bfla`` and ``mass_assignment`` keep such fields: setting them
is what they test. A PUT keeps them: a field left out of a replacement may be reset.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from apiward.scan.fields import is_privileged
from apiward.scan.request import Request
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply
from apiward.spec import Operation

REFUSED = frozenset({400, 422})

Send = Callable[[Request], Awaitable[Reply]]


async def again(
    synthesizer: Synthesizer,
    operation: Operation,
    request: Request,
    reply: Reply,
    send: Send,
    keep: tuple[str, ...] = (),
) -> tuple[Request, Reply]:
    """``request`` and ``reply``, or the first retry with fewer optional fields that succeeds
    (never without those in ``keep``: a sign-up's user name and password)."""
    if reply.status not in REFUSED or not isinstance(request.body, dict):
        return request, reply
    schema, _ = synthesizer.body_schema(operation)
    required = {*(schema or {}).get("required", ()), *keep}
    optional = [name for name in request.body if name not in required]
    text = reply.text.lower()
    named = [name for name in optional if name.lower() in text]
    for dropped in ([named] if 0 < len(named) < len(optional) else []) + [optional]:
        if not dropped:
            continue
        retry = dataclasses.replace(
            request, body={k: v for k, v in request.body.items() if k not in dropped}
        )
        answer = await send(retry)
        if answer.ok:
            return retry, answer
    return request, reply


def unprivileged(synthesizer: Synthesizer, operation: Operation, request: Request) -> Request:
    """``request`` without the optional privilege fields of a PATCH body (``role``)."""
    if operation.method.upper() != "PATCH" or not isinstance(request.body, dict):
        return request
    schema, _ = synthesizer.body_schema(operation)
    required = set((schema or {}).get("required", ()))
    dropped = [k for k in request.body if is_privileged(k) and k not in required]
    if not dropped:
        return request
    return dataclasses.replace(
        request, body={k: v for k, v in request.body.items() if k not in dropped}
    )
