"""``auth_bypass`` (API2): secured operations that answer without valid credentials.

For every operation the contract secures (or makes credentials optional on, where a
request without them is refused: ``checks._anonymous``), an identity's legitimate request
is sent again twice: anonymously (no credential at all — not even a header another identity
set globally) and, unless that got through, with the identity's credential replaced by
garbage. It is a finding
when the probe gets a 2xx **and the same data** as the legitimate request (body
similarity ≥ ``SAME``), not when it merely gets a 2xx: an endpoint that answers a
public subset, an empty list or an error page with 200 is not flagged. Severity is
high when the data is personal. When everyone gets the same content, a *read* is low
("documented as secured, but public": a public catalogue the contract marks as secured
is a contract that disagrees with the code, not a leak) and a write medium.

Whose data a read shows is asked of the very request that got through: every other
identity sends it too, and a refusal or another answer makes it personal (``/me``; an
order only its owner may read), as does an object in its path that is an identity's
own and that neither an anonymous request nor a peer of its saw in the harvest (an account of
alice's that every caller may read by its id is still alice's; a review she posted
that every member's listing shows is published). Each identity's *own* request is no measure:
it may name another object (its own location of a public catalogue) and so differ.
A write keeps that measure, since its request is never sent as another identity.

The legitimate request of a write is a real write, so only the identities whose
legitimate write the engine sends (``Context.withheld`` is None: it touches nothing but
their own objects and sets no privilege field) take part; with none, the operation is
skipped with the engine's reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._anonymous import (
    BARE,
    legitimate,
    probes,
    without_credentials,
)
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.flows import is_logout
from apiward.scan.identities import Identity
from apiward.scan.openness import ASKS_CREDENTIALS
from apiward.scan.request import CHANGES, READS, Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation


class AuthBypass:
    """Secured operations reachable without credentials or with garbage ones."""

    id = "auth_bypass"
    title = "Secured operation answers without valid credentials"
    owasp = "API2:2023"
    cwe = "CWE-306"
    safe = True
    remediation = (
        "Enforce authentication on every operation the contract secures, in one place "
        "(middleware or a dependency every route uses), and reject missing or invalid "
        "credentials with 401 before any handler runs."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Probe ``operation`` anonymously and with a garbage credential."""
        if operation.is_public:
            yield Skip(
                reason=SkipReason.NOT_APPLICABLE, detail="the contract does not require auth"
            )
            return
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        if is_logout(operation):
            # Logging out without a session ends nothing and shows nothing: no bypass.
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="a logout of the caller's session")
            return
        if ctx.safe and operation.method in CHANGES:
            yield Skip(reason=SkipReason.UNSAFE, detail="unauthenticated write probe")
            return
        reasons = [ctx.withheld(operation, i) for i in ctx.identities]
        if all(reasons):
            yield Skip(reason=SkipReason.WITHHELD, detail=f"for every identity: {reasons[0]}")
            return
        found = await legitimate(ctx, operation)
        if found is None:
            yield _unanswered(ctx, operation)
            return
        identity, legit = found
        if operation.auth_optional:
            bare = await without_credentials(ctx, operation, identity, legit)
            if bare.status not in ASKS_CREDENTIALS:
                yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=_optional(bare))
                return
        for label, probe in probes(ctx, identity, legit.sent):
            reply = (
                await without_credentials(ctx, operation, identity, legit)
                if label == BARE
                else await ctx.send(probe, as_=None, note=f"probe: {label}")
            )
            if not reply.ok:
                continue
            if similarity(reply.text, legit.text) < SAME:
                # Data may have changed since the baseline (other checks write): ask again.
                legit = await ctx.send(legit.sent, as_=None, note="baseline, again")
            if legit.ok and similarity(reply.text, legit.text) >= SAME:
                # Whose data it is only matters once it got through: asked then, not before.
                personal = (
                    await _someones(ctx, operation, identity, legit)
                    if operation.method in READS
                    else await _personal(ctx, operation, identity, legit)
                )
                yield self._finding(ctx, operation, identity, label, [legit, reply], personal)
                return  # answered with no credential at all, a garbage one says nothing more

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        identity: Identity,
        label: str,
        evidence: list[Reply],
        personal: bool,
    ) -> Outcome:
        severity = (
            Severity.HIGH
            if personal
            else Severity.LOW
            if operation.method in READS
            else Severity.MEDIUM
        )
        public = not personal and operation.method in READS
        title = (
            f"{operation.key} is documented as secured, but public: it answers {label}"
            if public
            else f"{operation.key} answers {label} with {identity.name}'s data"
        )
        same = (
            ": every identity gets that body too, so it is public in fact and no one's "
            "data (the contract and the code disagree)"
            if public
            else " (data specific to that identity)"
            if personal
            else ""
        )
        return ctx.finding(
            self,
            operation,
            title=title,
            severity=severity,
            confidence=Confidence.CONFIRMED if personal else Confidence.FIRM,
            detail=(
                f"The contract requires authentication, yet a request {label} got "
                f"{evidence[-1].status} with the same body {identity.name} gets with valid "
                f"credentials{same}."
            ),
            evidence=evidence,
            key=label,
        )


def _optional(bare: Reply) -> str:
    return (
        "the contract makes credentials optional here (its security has an anonymous "
        f"alternative, {{}}), and a request without them was answered {bare.status}"
    )


def _unanswered(ctx: Context, operation: Operation) -> Skip:
    """Why no legitimate answer could be compared: refused, or a 2xx that holds nothing."""
    answers = ctx.legit_answers(operation)
    if any(ctx.answered(operation, i) for i in ctx.identities):
        # A 204 gets through to anyone alike: nothing in it tells what credentials unlock.
        why = f"the legitimate answers hold no data to compare an anonymous one with: {answers}"
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail=why)
    return Skip(reason=SkipReason.NO_ACCESS, detail=answers)


async def _personal(ctx: Context, operation: Operation, identity: Identity, legit: Reply) -> bool:
    """True when another identity's legitimate answer differs: the data is someone's."""
    for other in ctx.identities:
        if other.name != identity.name and not ctx.withheld(operation, other):
            reply = await ctx.legit(operation, other)
            if reply.ok and similarity(reply.text, legit.text) < SAME:
                return True
    return False


async def _someones(ctx: Context, operation: Operation, identity: Identity, legit: Reply) -> bool:
    """True when the read that got through shows someone's data (see the module's doc)."""
    if _owned(ctx, operation, legit.sent):
        return True
    bare = probes(ctx, identity, legit.sent)[0][1]
    for other in ctx.identities:
        if other.name == identity.name:
            continue
        reply = await _as(ctx, operation, bare, other)
        if not reply.ok or similarity(reply.text, legit.text) < SAME:
            return True
    return False


async def _as(ctx: Context, operation: Operation, bare: Request, other: Identity) -> Reply:
    """``bare`` sent as ``other``: its shared legitimate answer when that is the same request."""
    if not ctx.withheld(operation, other):
        own = ctx.legit_request(operation, other)
        if (own.method, own.target, own.body) == (bare.method, bare.target, bare.body):
            return await ctx.legit(operation, other)
    return await ctx.send(bare, as_=other, note=f"probe: the same request as {other.name}")


def _owned(ctx: Context, operation: Operation, sent: Request) -> bool:
    """True when an id in ``sent``'s path names an identity's own object, one neither an
    anonymous request nor a peer of its owner saw in the harvest (``Harvest.private``)."""
    for slot in ctx.harvest.slots(operation):
        value = sent.path_params.get(slot.name) if slot.where is Where.PATH else None
        if value is None:
            continue
        for identity in ctx.identities:
            for sighting in ctx.harvest.seen(identity, operation, slot):
                if str(sighting.value) == str(value) and ctx.harvest.private(sighting):
                    return True
    return False
