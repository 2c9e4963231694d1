"""``ssrf`` (API7): URL-valued inputs that make the API fetch a URL it was given.

URL-valued inputs are found from the contract: ``format: uri``/``url``/``iri``, a name
made of URL words (``url``, ``link``, ``callback``, ``webhook``, ``avatar``, ``image``,
``source``, ``feed``, ``redirect``…) or a description that speaks of a URL. Each is set
to a canary URL carrying a fresh token and sent by an identity that may call the
operation. APIs that store a URL and fetch it later (webhooks) are followed producer →
consumer: when the answer names a created object, the operations on that object that
look like triggers (``…/{id}/test``, ``ping``, ``deliver``, ``send``…) are called with
its id — as the identity's own request with the created object in place (other ids its
own, no privilege field), or not at all (``scan.withhold``). A hit on the canary with
the token is the finding (confirmed): the API made a request to 127.0.0.1 for a caller.
No hit, nothing — then, as a second step, the same with the loopback address written
the ways filters forget (decimal ``2130706433``, ``[::ffff:127.0.0.1]``,
``localhost``): a hit there is a finding that names the bypass.
Waiting is bounded: ``WAIT`` seconds per step, polling the canary.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from apiward.core.findings import Confidence, Severity
from apiward.scan._objects import item_of, unwrap
from apiward.scan.canary import CanaryToken, Hit
from apiward.scan.check import Outcome, Skip
from apiward.scan.checks._injection import Caller, Input, inputs, start
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.scan.withhold import withheld
from apiward.scan.wrapped import inside
from apiward.spec import Api, Operation, json_types

WAIT = 1.0
"""Seconds to wait for the canary after each step (direct, then filter bypasses)."""

_URL_WORDS = {
    "url", "uri", "urls", "link", "href", "callback", "webhook", "avatar", "image", "img",
    "picture", "photo", "logo", "icon", "source", "src", "feed", "redirect", "endpoint",
}  # fmt: skip
_NOT_URL = {"id", "ids", "type", "size", "count", "name", "format", "method", "status"}
_URL_FORMATS = {"uri", "url", "iri", "uri-reference", "iri-reference"}
_SPEAKS_OF_URL = re.compile(r"\bURL\b|\bURI\b|https?://", re.IGNORECASE)
_TRIGGER = re.compile(
    r"^(test|ping|deliver|redeliver|send|trigger|fire|retry|resend|run|execute|verify|"
    r"check|validate|refresh|sync|fetch|import|preview|notify|probe)$",
    re.IGNORECASE,
)
_ID_KEY = re.compile(r"^(id|uuid|guid)$|(_id|Id|_uuid|_ref)$")
# The loopback address as filters forget to write it (second step only).
BYPASSES: tuple[tuple[str, Callable[[int, str], str]], ...] = (
    ("decimal IP", lambda port, token: f"http://2130706433:{port}/c/{token}"),
    ("IPv4-mapped IPv6", lambda port, token: f"http://[::ffff:127.0.0.1]:{port}/c/{token}"),
    ("localhost", lambda port, token: f"http://localhost:{port}/c/{token}"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """What one URL probe sent: the request carrying the URL, then the triggers called."""

    replies: tuple[Reply, ...]
    created: str | None


class Ssrf:
    """URL inputs the API fetches: a canary hit with the probe's token."""

    id = "ssrf"
    title = "Server-side request forgery"
    owasp = "API7:2023"
    cwe = "CWE-918"
    safe = True  # it only changes what the caller owns (its avatar, its webhooks)
    remediation = (
        "Fetch only http(s) URLs whose host is on an allow-list, resolve the name and refuse "
        "private, loopback and link-local addresses at connect time (every redirect hop "
        "included), and never return or store the fetched content unchecked."
    )

    def __init__(self, wait: float = WAIT) -> None:
        self.wait = wait

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Point every URL input of ``operation`` at the canary and wait for the hit."""
        items = url_inputs(ctx, operation)
        who = await start(ctx, operation, items, "no URL-valued input")
        if isinstance(who, Skip):
            yield who
            return
        for item in items:
            outcome = await self._input(ctx, operation, who, item)
            if outcome is not None:
                yield outcome

    async def _input(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        canary = ctx.canary
        token = canary.token(f"ssrf {operation.key} {item.key}")
        delivery = await deliver(ctx, operation, who, item, token.url)
        hit = await canary.hit(token.token, self.wait)
        if hit is not None:
            return self._finding(ctx, operation, item, hit, delivery, "")
        tokens = [(label, canary.token(f"ssrf bypass {label}")) for label, _ in BYPASSES]
        sent = [
            await deliver(ctx, operation, who, item, build(canary.port, t.token))
            for (label, t), (_, build) in zip(tokens, BYPASSES, strict=True)
        ]
        found = await first_hit(ctx, [t for _, t in tokens], self.wait)
        if found is None:
            return None
        index = [t.token for _, t in tokens].index(found.token)
        return self._finding(ctx, operation, item, found, sent[index], tokens[index][0])

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        item: Input,
        hit: Hit,
        delivery: Delivery,
        bypass: str,
    ) -> Outcome:
        how = f" written as a {bypass} (the plain address was not fetched)" if bypass else ""
        later = (
            " after a trigger operation on the created object" if len(delivery.replies) > 1 else ""
        )
        agent = next((v for k, v in hit.request.headers if k.lower() == "user-agent"), "?")
        return ctx.finding(
            self,
            operation,
            title=f"{item.where} {item.name} makes the API fetch any URL"
            + (f" ({bypass} bypass)" if bypass else ""),
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{item.name} set to the scanner's canary on 127.0.0.1{how}: the API sent "
                f"{hit.request.method} {hit.request.url} (User-Agent {agent!r}) from {hit.peer}"
                f"{later}. It will fetch internal services and cloud metadata the same way."
            ),
            evidence=list(delivery.replies),
            key=item.key,
        )


def url_inputs(ctx: Context, operation: Operation) -> list[Input]:
    """The inputs of ``operation`` that take a URL, by format, name or description."""
    return [i for i in inputs(ctx, operation) if _url_valued(i)]


def _url_valued(item: Input) -> bool:
    if json_types(item.schema) - {"string", "null"}:
        return False
    if item.schema.get("format") in _URL_FORMATS:
        return True
    words = [w.lower() for w in re.split(r"[_\-.\s]+|(?<=[a-z])(?=[A-Z])", item.name) if w]
    if not words or words[-1] in _NOT_URL:
        return False
    return bool(_URL_WORDS & set(words)) or bool(_SPEAKS_OF_URL.search(item.description))


async def deliver(
    ctx: Context, operation: Operation, who: Caller, item: Input, url: str
) -> Delivery:
    """Send ``url`` in ``item``, then call the triggers on the object it created, if any."""
    reply = await ctx.send(
        who.request.with_param(item.where, item.name, url),
        as_=who.identity,
        note=f"{item.name} points at the canary",
    )
    replies = [reply]
    created = created_id(ctx.api, reply) if reply.ok else None
    if created is not None:
        for trigger, slot in triggers(ctx, operation):
            request = _trigger(ctx, trigger, slot, who.identity)
            if request is None:
                continue
            # Under the parents it was made under: the NestJS trial's organiser's webhook.
            for name, value in reply.sent.path_params.items():
                if "{" + name + "}" in trigger.path:
                    request = request.with_param(Where.PATH, name, value)
            request = request.with_param(Where.PATH, slot, created)
            note = f"trigger: {trigger.key} on the created object"
            replies.append(await ctx.send(request, as_=who.identity, note=note))
    return Delivery(replies=tuple(replies), created=created)


def _trigger(
    ctx: Context, trigger: Operation, slot: str, identity: Identity | None
) -> Request | None:
    """The trigger's request, None when the engine would withhold it (see ``scan.withhold``).

    Its ``slot`` is about to name the object the identity just created, so only its other
    ids and fields are judged: they must be the identity's own, and no privilege field.
    """
    if identity is None:
        return ctx.request(trigger)
    request = ctx.baseline(trigger, identity)
    judged = dataclasses.replace(
        request, path_params={k: v for k, v in request.path_params.items() if k != slot}
    )
    return request if withheld(ctx.harvest, trigger, identity, judged) is None else None


def created_id(api: Api, reply: Reply) -> str | None:
    """The id of the object a creating answer names (its ``id``-like field or Location),
    inside the key its body was sent under (``{"hook": {"id": 7}}``, ``scan.wrapped``)."""
    data = unwrap(inside(api, reply.sent, reply.data))  # ``{"data": {...}, "meta": {}}`` too
    if isinstance(data, dict):
        for key, value in data.items():
            if _ID_KEY.search(key) and isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    location = reply.header("location")
    return location.rstrip("/").rsplit("/", 1)[-1] if location else None


def triggers(ctx: Context, operation: Operation) -> list[tuple[Operation, str]]:
    """Operations on one object of ``operation``'s collection that look like actions.

    Where the object is handled: below the collection, or at the item path of one made
    under a parent or ``/me`` (``POST /me/webhooks`` → ``/webhooks/{id}/test``).
    """
    bases = {operation.path.rstrip("/")}
    item = item_of(ctx.api, operation.path)
    if item is not None:
        bases.add(item[0].rstrip("/").rpartition("/")[0])
    found = []
    for other in ctx.probes:
        head, _, action = other.path.rstrip("/").rpartition("/")
        parent, _, slot = head.rpartition("/")
        if parent not in bases or not (slot.startswith("{") and slot.endswith("}")):
            continue
        if _TRIGGER.match(action) and other.method in {"POST", "PUT", "GET"}:
            found.append((other, slot[1:-1]))
    return found


async def first_hit(ctx: Context, tokens: list[CanaryToken], timeout: float) -> Hit | None:
    """The first hit of any of ``tokens`` within ``timeout`` seconds."""
    hits = await asyncio.gather(*(ctx.canary.hit(t.token, timeout) for t in tokens))
    return next((h for h in hits if h is not None), None)
