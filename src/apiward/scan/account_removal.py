"""Whether the contract's account DELETE really removes accounts: learned once, on the scan's own.

The scan reads a DELETE in a collection of people (``/users/{id}``, ``/staff/{id}``) as
the way accounts go (``scan.accounts.deleter``), and on that word lets the checks' sign-ups
go out (mass assignment's probes, injections into the sign-up's fields): the restore will
delete what they make. A contract's names can promise more than its API does: the Nest
trial's ``DELETE /api/staff/{id}`` removes vets and receptionists and answers 404 for the
clients a sign-up makes, and 48 accounts stayed behind. So, before the harvest, the scan
signs up one account of its own and removes it as the restore would (its creator, then
each identity). The DELETE is proven when it answers 2xx and the account can no longer
log in. Otherwise accounts are lasting (``Ledger.accounts_kept`` says why): a sign-up
beyond the scan's own users is withheld as where the contract has no such DELETE, and the
account this made is listed as left.
"""

from __future__ import annotations

from apiward.core.errors import ConfigError, TargetError
from apiward.scan import accounts, beside, removal
from apiward.scan.changes import State, What
from apiward.scan.identities import Login
from apiward.scan.ledger import Ledger
from apiward.scan.login import LoginError
from apiward.scan.provision import filled_login, sign_up_one, sign_up_route
from apiward.scan.request import Request
from apiward.scan.resources import own_read
from apiward.scan.scope import Scope
from apiward.scan.synthesis import Synthesizer
from apiward.spec import Api

ROLE = "to learn whether accounts can be deleted"
KEPT_NOTE = (
    "sign-ups beyond the scan's own users are not sent without --aggressive "
    "(mass_assignment's few probes excepted, but under --safe), as their accounts would stay"
)


async def learn(
    api: Api, ledger: Ledger, synthesizer: Synthesizer, scope: Scope | None
) -> list[str]:
    """Sign up one account and delete it; the report's note when that fails (``[]``: none)."""
    await _try(api, ledger, synthesizer, scope)
    return [f"{KEPT_NOTE}: {ledger.accounts_kept}"] if ledger.accounts_kept else []


async def _try(api: Api, ledger: Ledger, synthesizer: Synthesizer, scope: Scope | None) -> None:
    """Sign up one account and delete it; ``ledger.accounts_kept`` says why when that fails."""
    if not accounts.removable(api):
        return  # no DELETE to learn about: accounts are lasting by the contract's own word
    sessions = ledger.sessions
    route = sign_up_route(api, sessions.identities, synthesizer, scope, sessions.openness)
    if route is None:
        return  # no sign-up the scan can use, so none of its own to try it on
    op, login = route
    try:
        request, values = await sign_up_one(ledger, synthesizer, op, "an account", ROLE)
    except ConfigError:
        return  # refused: nothing made, nothing learned
    except TargetError:
        if sessions.transport.down is not None:
            raise
        return
    created = next((c for c in ledger.created if c.create is request), None)
    delete = None if created is None else created.delete or created.closes
    if created is None or delete is None:
        ledger.accounts_kept = "the account a sign-up made could not be addressed by any DELETE"
        return
    for made in await beside.made_beside(ledger, [created]):  # before the account goes
        await removal.remove(ledger, made, what=What.BESIDE)
    change = await removal.remove(ledger, created)
    if change.state is not State.DELETED:
        ledger.accounts_kept = (
            f"{delete.operation} did not remove an account the scan signed up to try "
            f"it ({change.detail})"
        )
        return
    created.deleted = True  # gone: the restore has nothing left to do for it
    try:
        if not await _logs_in(api, ledger, filled_login(login, values)):
            return  # deleted and locked out: the DELETE removes accounts
    except (ConfigError, LoginError):
        return
    except TargetError:
        if sessions.transport.down is not None:
            raise
        return
    created.deleted = False
    created.kept = f"{delete.operation} answered 2xx, yet it still logs in"
    ledger.accounts_kept = f"{delete.operation} answered 2xx, yet the account still logs in"


async def _logs_in(api: Api, ledger: Ledger, login: Login) -> bool:
    """Whether ``login`` still gets in (raises ConfigError or LoginError where it does not).

    Basic credentials with no login operation go with every request, so nothing refuses
    them until a request does: a secured read naming no object (the caller's own first) is
    asked with them, and only a 2xx is in (the hapi trial's deleted account had been called
    one that "still logs in"; an API may answer an unknown user 404, not 401).
    """
    if login.method or login.basic is None:
        await ledger.sessions.log_in(login, name="apiward sign-up")
        return True
    read = own_read(api.operations)
    if read is None:
        return True  # nothing to ask: as a login would, it is taken to get in
    request = Request(
        method="GET",
        path=read.path,
        operation=read.key,
        headers=(("Authorization", login.basic.header()),),
    )
    reply = await ledger.sessions.transport.send(request, note="is the deleted account still in?")
    return reply.ok
