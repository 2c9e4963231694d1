"""Step-up operations: a PIN, an OTP or a password again before a sensitive operation.

Many APIs guard a few operations (a transfer, a payout, a change of e-mail) behind a
second proof for the session: ``POST /pin/verify {"pin": ...}``, ``POST /mfa/otp``,
``POST /sudo {"password": ...}``. Until it is sent, the operation answers 401 or 403 to
an identity that is logged in, and every check's legitimate request fails with it.

A *step-up* is a POST of the contract that needs authentication, whose body takes a
secret (``pin``, ``otp``, ``code``, ``password``…) and whose path or operationId
speaks of proving it (``verify``, ``unlock``, ``confirm``, ``mfa``, ``2fa``, ``otp``,
``pin``, ``sudo``, ``elevate``, ``reauth``, ``challenge``, ``step-up``); never a login
or a sign-up. The identities file may name them instead (``step_up: [POST /pin/verify]``).
An operation *asks for* a step-up when an identity's request is refused (401/403) and
the refusal's text, or the contract's description of that refusal, names a word of the
step-up's path (``"enter your PIN first"`` names ``/pin/verify``); a declared step-up
is asked for by any such refusal. The step-up is sent as the same identity with the
scan's test data (``values:``, e.g. ``pin: "4821"``) and the refused request once more —
only when its secret is known (``values:``, or an identity the scan signed up itself):
the scan never guesses a real user's PIN. One that fails is not tried again for that
identity, so a wrong value costs a user one failed attempt, never a lockout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from apiward.core.errors import ConfigError
from apiward.scan.flows import SIGN_UP, is_login
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation

DENIED = frozenset({401, 403})
_SECRET = re.compile(r"(^|_)(pin|otp|totp|mfa|2fa|passcode|code|password|passwd)$", re.I)
_PROVE = re.compile(
    r"verify|unlock|confirm|step[-_]?up|elevat|sudo|re-?auth|challenge|mfa|2fa|otp|pin\b", re.I
)
_VERSION = re.compile(r"^v\d+$|^api$", re.I)
_GENERIC = frozenset({"verify", "confirm", "check", "auth", "session", "me", "user", "users"})
"""Words too common in refusals ("could not verify the token") to name a step-up."""


class StepUps:
    """The step-up operations of a contract, and which refusal asks for which."""

    def __init__(
        self, api: Api, properties: Mapping[str, Iterable[str]], declared: Iterable[str] = ()
    ) -> None:
        """``properties``: each POST's body property names; ``declared``: the file's list."""
        named = set(declared)
        self.declared = tuple(op for op in api.operations if op.key in named)
        if missing := sorted(named - {op.key for op in self.declared}):
            raise ConfigError(f"step_up names {missing[0]!r}, not an operation of the contract")
        found = [op for op in api.operations if _is_step_up(op, properties.get(op.key, ()))]
        self.operations = self.declared or tuple(found)
        self._words = {op.key: _words(op) for op in self.operations}
        self._secrets = {
            op.key: tuple(n for n in properties.get(op.key, ()) if _SECRET.search(_snake(n)))
            for op in self.operations
        }

    def secrets(self, step_up: Operation) -> tuple[str, ...]:
        """The secret fields a step-up takes (``pin``, ``otp``…)."""
        return self._secrets.get(step_up.key, ())

    def asked(self, operation: Operation, reply: Reply) -> Operation | None:
        """The step-up ``reply`` (a refusal of ``operation``) asks for, if any."""
        if reply.status not in DENIED or operation in self.operations:
            return None
        if self.declared:
            return self.declared[0]
        said = " ".join([reply.text[:1000], *_refusals(operation)]).lower()
        told = set(re.findall(r"[a-z0-9]+", said))
        return next((op for op in self.operations if self._words[op.key] & told), None)


def _is_step_up(op: Operation, names: Iterable[str]) -> bool:
    if op.method != "POST" or op.is_public or is_login(op):
        return False
    words = " ".join([op.path, op.operation_id or ""])
    if SIGN_UP.search(words) or not _PROVE.search(words):
        return False
    return any(_SECRET.search(_snake(n)) for n in names)


def _words(op: Operation) -> set[str]:
    """The distinctive words of a step-up's path: ``/api/v1/pin/verify`` → pin, verify."""
    parts = [p for p in re.split(r"[/_\-.]+", op.path.lower()) if p and not p.startswith("{")]
    return {p for p in parts if not _VERSION.match(p) and p not in _GENERIC}


def _refusals(operation: Operation) -> list[str]:
    """What the contract says of the operation's 401 and 403 answers."""
    return [r.description for s, r in operation.responses.items() if s in {"401", "403"}]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("-", "_")
