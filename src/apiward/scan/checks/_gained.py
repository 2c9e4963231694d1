"""What an account the scan signed up may do that a plain one may not: a privilege's effect.

A privilege a sign-up granted may show nowhere in the new account's own record (an
undocumented ``admin`` flag the API only consults when it decides): then its effect is
the evidence. Two accounts the scan signed up — the *plain* one (the control) and the
*probed* one, whose sign-up carried the privilege field — send the same requests:

* each secured GET of the contract (at most ``MAX_READS``), as synthesised: where the
  plain account is refused and the probed one answered (an answer the plain account
  already had, such as its record read after it signed up, is not asked again);
* each PUT/PATCH/DELETE whose every path parameter can name a third account the scan
  signed up (the *victim*: ``DELETE /users/{username}``), writes first, DELETE last: the
  plain account tries first, and only where it is refused does the probed one. The
  victim is the scan's own (the ledger lists it), so nothing of anyone else is touched;
  a DELETE goes out only on it (``Context.refuse``), and never under ``--safe``. A
  victim a write removed is replaced by a new one for the next probe.

*Refused* is a 401/403, or an answer that says it failed (``{"status": "fail"}``); an
effect is a 2xx that does not. A DELETE's effect is confirmed when the victim can no
longer log in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from apiward.core.errors import TargetError
from apiward.scan.checks._readback import send_as
from apiward.scan.checks._sign_up import Account, logs_in, ordered
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.login import refused
from apiward.scan.request import Request, Where
from apiward.scan.scope import OutOfScope
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation, ParameterLocation

MAX_READS = 12
MAX_WRITES = 4
_WRITES = ("PUT", "PATCH", "DELETE")


@dataclass(frozen=True, slots=True, kw_only=True)
class Gain:
    """One request the probed account got through where the plain one was refused."""

    operation: Operation
    plain: Reply
    probed: Reply
    confirmed: bool
    """The effect was read back (a deleted victim no longer logs in)."""

    def text(self) -> str:
        """The gain in words, for a finding."""
        shown = " (the victim can no longer log in)" if self.confirmed else ""
        return (
            f"{self.operation.key} refused the plain account ({self.plain.status}) and "
            f"answered the probed one {self.probed.status}{shown}"
        )


def refusal(reply: Reply) -> bool:
    """True for a 401/403, or a 2xx whose body says it failed."""
    return reply.status in {401, 403} or (reply.ok and refused(reply))


def accepted(reply: Reply) -> bool:
    """True for a 2xx that does not say it failed."""
    return reply.ok and not refused(reply)


class Differential:
    """The plain account's refusals, learnt once, and the probed accounts compared with it."""

    def __init__(
        self,
        ctx: Context,
        plain: Account,
        victim: Callable[[], Awaitable[Account | None]],
        known: Mapping[str, Reply] | None = None,
    ) -> None:
        self.ctx = ctx
        self.known = dict(known or {})
        """The plain account's answers already in hand, by operation (requests as synthesised)."""
        self.plain = plain
        self.make_victim = victim
        self._reads: list[tuple[Operation, Request, Reply]] | None = None
        self._victim: Account | None = None
        self._refused: dict[str, Reply] = {}
        self._open: set[str] = set()
        self._remover: tuple[Operation, Account] | None = None

    async def gain(self, probed: Account) -> Gain | None:
        """The first request ``probed`` gets through where the plain account is refused."""
        for op, request, refusal_ in await self._refused_reads():
            reply = await self._send(request, probed, f"as the probed sign-up: {op.key}")
            if reply is not None and accepted(reply):
                return Gain(operation=op, plain=refusal_, probed=reply, confirmed=False)
        for op in self._writes():
            found = await self._write(op, probed)
            if found is not None:
                return found
        return None

    async def _refused_reads(self) -> list[tuple[Operation, Request, Reply]]:
        if self._reads is None:
            self._reads = []
            reads = [o for o in self.ctx.probes if o.method == "GET" and not o.is_public]
            for op in reads[:MAX_READS]:
                request = self.ctx.request(op)
                reply = self.known.get(op.key)
                if reply is None:
                    note = f"as a plain sign-up: {op.key}"
                    reply = await self._send(request, self.plain, note)
                if reply is not None and refusal(reply):
                    self._reads.append((op, request, reply))
        return self._reads

    def _writes(self) -> list[Operation]:
        found = []
        for op in self.ctx.api.operations:
            params = [p for p in op.parameters if p.location is ParameterLocation.PATH]
            if op.method not in _WRITES or not params or op.key in self.ctx.out_of_scope:
                continue
            found.append(op)
        found.sort(key=lambda o: (o.method == "DELETE", o.path))
        return found[:MAX_WRITES]

    async def _write(self, op: Operation, probed: Account) -> Gain | None:
        if op.key in self._open:
            return None
        victim = await self._victim_for()
        if victim is None:
            return None
        request = _aimed(self.ctx, op, victim)
        if request is None:
            return None
        if op.key not in self._refused:
            plain = await self._send(
                request, self.plain, f"as a plain sign-up on a victim: {op.key}"
            )
            if plain is None or not refusal(plain):
                self._open.add(op.key)  # open to anyone (or gone): no privilege to show
                if plain is not None and accepted(plain) and op.method == "DELETE":
                    self._victim = None
                return None
            self._refused[op.key] = plain
        reply = await self._send(request, probed, f"as the probed sign-up on a victim: {op.key}")
        if reply is None or not accepted(reply):
            return None
        confirmed = False
        if op.method == "DELETE":
            self._victim = None
            confirmed = not await logs_in(self.ctx, victim)
            if not confirmed:
                return None
            self._remover = (op, probed)
        return Gain(operation=op, plain=self._refused[op.key], probed=reply, confirmed=confirmed)

    async def tidy(self, accounts: list[Account]) -> None:
        """Delete the accounts the comparison made, as the account that showed it may delete.

        Only after a DELETE showed the gain: an account the probe made privileged is not
        left on the target when it can remove others and itself; it goes last.
        """
        if self._remover is None:
            return
        op, remover = self._remover
        others = [a for a in [*accounts, self._victim] if a is not None and a is not remover]
        for account in [*others, remover]:
            request = _aimed(self.ctx, op, account)
            if request is not None:
                await self._send(request, remover, f"tidy up: {op.key} on an account it made")

    async def _victim_for(self) -> Account | None:
        if self._victim is None:
            self._victim = await self.make_victim()
        return self._victim

    async def _send(self, request: Request, who: Account, note: str) -> Reply | None:
        try:
            return await send_as(self.ctx, request, who.who, note)
        except (Destructive, OutOfScope, Withheld):
            return None
        except TargetError:
            if self.ctx.sessions.transport.down is not None:
                raise
            return None


def _aimed(ctx: Context, op: Operation, victim: Account) -> Request | None:
    """``op``'s request with every path parameter naming the victim (None: one cannot)."""
    request = ctx.request(op)
    for param in (p for p in op.parameters if p.location is ParameterLocation.PATH):
        names = ordered(victim.names, param.name, strict=True)
        if not names:
            return None
        request = request.with_param(Where.PATH, param.name, names[0])
    return request
