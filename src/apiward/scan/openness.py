"""Whether anyone may call an operation: what the contract declares, corrected by what the scan saw.

Contracts are often wrong one way. A generator's global ``security`` (hapi-swagger's
default, and others') puts the bearer requirement on every route, the public catalogue
and the sign-up included. Taken at its word, the scan would not see a sign-up in
``POST /auth/register``: it would send it as the identities of the file, record the
accounts it makes as plain objects with no DELETE, and leave them, even under ``--safe``.

So what the scan *observes* overrides what the contract *declares*: an operation the
contract secures that answered a request carrying no credential at all with a 2xx is
open to anyone in fact. :meth:`Openness.public` is where every rule about sign-ups asks
(``scan.ledger``'s withholding, ``--safe`` and account deletion, ``scan.provision``,
the checks that sign up). Sessions show it every anonymous answer (:meth:`Openness.saw`);
``scan.provision.open_sign_up`` asks the one question that decides sign-ups before any
other request could make an account.
"""

from __future__ import annotations

from collections.abc import Collection

from apiward.scan.transport import Reply
from apiward.spec import Operation

ASKS_CREDENTIALS = frozenset({401, 403})
"""What an API answers a request it wants credentials for."""


def declared_public(operation: Operation) -> bool:
    """The contract lets anyone call it: no requirement, or an anonymous alternative."""
    return operation.is_public or operation.auth_optional


class Openness:
    """The operations open to anyone: declared so, or answered 2xx with no credential."""

    def __init__(self, credential_names: Collection[str]) -> None:
        self._names = credential_names
        """The names credentials travel under (live: sessions add those of new logins)."""
        self._seen: set[str] = set()
        self._refused: set[str] = set()

    def saw(self, reply: Reply) -> None:
        """Note an answer to a request sent as nobody: a 2xx without any credential opens its
        operation; a 401 or 403 says it wants them."""
        sent = reply.sent
        if not sent.operation or not (reply.ok or reply.status in ASKS_CREDENTIALS):
            return
        names = {n.lower() for n in self._names}
        carried = [*(k for k, _ in sent.headers), *sent.cookies]
        if not any(k.lower() in names for k in carried):
            (self._seen if reply.ok else self._refused).add(sent.operation)

    def public(self, operation: Operation) -> bool:
        """True when anyone may call ``operation``: the contract says so, or the scan saw it."""
        return declared_public(operation) or self.observed(operation)

    def refused(self, operation: Operation) -> bool:
        """True when the scan saw ``operation`` refuse a request without credentials (401, 403)."""
        return operation.key in self._refused

    def observed(self, operation: Operation) -> bool:
        """True when the scan saw ``operation`` answer a request without credentials with a 2xx."""
        return operation.key in self._seen
