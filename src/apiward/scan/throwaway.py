"""A throwaway identity: a user the scan signs up for writes it could not otherwise undo.

Some writes change only the caller's own state and nothing in the contract reads it
back (``PUT /me/avatar``): the ledger cannot snapshot them, so a file identity never
sends them (``scan.ledger``: unrestorable). A user the scan signed up itself is
different: its state belongs to the scan, so it may be changed without a restore.
:meth:`Throwaway.get` hands checks such an identity — the first user ``scan.provision``
made for peers, else one signed up the first time a check asks (charged to that
check), through the same sign-up and login. Never with ``--no-signup``. The report's
notes name it, and the target state lists its account and what was left on it.
"""

from __future__ import annotations

import asyncio

from apiward.core.errors import ConfigError, TargetError
from apiward.scan.identities import Identity
from apiward.scan.ledger import Ledger
from apiward.scan.login import LoginError
from apiward.scan.provision import free_name, made_role, make, sign_up_route
from apiward.scan.scope import Scope
from apiward.scan.synthesis import Synthesizer
from apiward.spec import Api


class Throwaway:
    """One identity of the scan's own, made at most once per scan and shared by every check."""

    def __init__(
        self,
        api: Api,
        ledger: Ledger,
        synthesizer: Synthesizer,
        scope: Scope | None = None,
        *,
        enabled: bool = True,
    ) -> None:
        self.api = api
        self.ledger = ledger
        self.synthesizer = synthesizer
        self.scope = scope
        self.enabled = enabled
        self.made: Identity | None = None
        self.sign_up = ""
        self.problem = ""
        self._task: asyncio.Task[Identity | None] | None = None

    async def get(self) -> Identity | None:
        """The scan's own identity, signed up on first use; None when it cannot have one."""
        if not self.enabled:
            return None
        if self._task is None:
            self._task = asyncio.ensure_future(self._make())
            # Every awaiter sees the error; this keeps asyncio from logging it as unretrieved.
            self._task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return await asyncio.shield(self._task)

    async def _make(self) -> Identity | None:
        sessions = self.ledger.sessions
        mine = [i for i in sessions.identities if self.ledger.is_own(i)]
        if mine:
            return mine[0]  # a peer scan.provision made is the scan's own already
        route = sign_up_route(
            self.api, sessions.identities, self.synthesizer, self.scope, sessions.openness
        )
        if route is None:
            return None
        op, login = route
        name = free_name(sessions.identities)
        try:
            made = await make(
                self.ledger,
                self.synthesizer,
                op,
                login,
                name,
                made_role(sessions.identities, login),
            )
        except (ConfigError, LoginError) as failure:
            self.problem = f"could not make identity {name!r} through {op.key}: {failure}"
            return None
        except TargetError:
            if sessions.transport.down is not None:
                raise
            self.problem = f"could not make identity {name!r}: the target did not answer"
            return None
        self.made, self.sign_up = made, op.key
        return made

    def notes(self) -> list[str]:
        """Lines for the report's notes: who was made, and what was left on it."""
        if self.made is None:
            return [self.problem] if self.problem else []
        wrote = sorted({f"{r.method} {r.path}" for r, s in self.ledger.own_writes})
        left = f"; left on it: {', '.join(wrote)}" if wrote else ""
        return [
            f"the scan signed up {self.made.name} through {self.sign_up} for writes to its "
            f"own state that nothing reads back{left}; --no-signup turns this off"
        ]
