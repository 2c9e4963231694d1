"""TOTP step-up: a second factor for the operations the policy marks sensitive.

After authentication, a sensitive operation also needs the principal's current TOTP
code in a header (``X-OTP`` by default), checked with pyotp's constant-time,
length-capped comparison. RFC 6238 §5.2: the accepted timestep is remembered per
principal and a code of the same or an earlier step is refused (no replay);
``max_failures`` wrong codes lock the principal out of sensitive operations for
``lockout`` seconds (RFC 4226 §7.3). Secrets are base32 strings in a YAML/JSON
mapping principal → secret, read from ``secrets_file`` or the environment variable
``secrets_env`` — never inline in the policy. The refusal is 401 with RFC 9470's
``insufficient_user_authentication`` error. State is per guard process (memory).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import pyotp
import yaml

from apiward.core.errors import ConfigError
from apiward.core.files import read_text
from apiward.guard.authn.config import StepUpConfig
from apiward.guard.context import Context
from apiward.guard.problem import Refusal, Rule

_CHALLENGE = (
    b'Bearer error="insufficient_user_authentication", '
    b'error_description="a one-time code is required for this operation"'
)


def load_secrets(config: StepUpConfig) -> dict[str, pyotp.TOTP]:
    """principal → TOTP, from the file or environment variable the policy names."""
    if config.secrets_file is not None:
        text = read_text(config.secrets_file, what="the TOTP secrets")
    else:
        text = os.environ.get(str(config.secrets_env), "")
        if not text:
            raise ConfigError(
                f"environment variable {config.secrets_env} (TOTP secrets) is not set"
            )
    raw: Any = yaml.safe_load(text)
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError("TOTP secrets must map each principal to a base32 secret")
    return {str(principal): _totp(str(principal), secret) for principal, secret in raw.items()}


def _totp(principal: str, secret: str) -> pyotp.TOTP:
    try:
        totp = pyotp.TOTP(secret)
        totp.now()  # decodes the secret: a bad one fails here, at start-up
    except (ValueError, TypeError):
        raise ConfigError(
            f"the TOTP secret of {principal!r} is not base32 of at least 112 bits"
        ) from None
    return totp


class StepUp:
    """Requires a fresh TOTP code on sensitive operations; refuses replays; locks out."""

    def __init__(self, config: StepUpConfig) -> None:
        self.config = config
        self.operations = frozenset(config.operations)
        self.header = config.header.lower().encode()
        self.secrets = load_secrets(config)
        self.last_step: dict[str, int] = {}
        self.failures: dict[str, tuple[int, float]] = {}

    async def check(self, ctx: Context, operation: str) -> None:
        """Refuse a sensitive operation without a valid, unused code from the principal."""
        if operation not in self.operations:
            return
        who = ctx.principal or ""
        count, until = self.failures.get(who, (0, 0.0))
        now = time.monotonic()
        if count >= self.config.max_failures and now < until:
            raise Refusal(
                Rule.STEP_UP_LOCKED,
                "too many wrong one-time codes: try again later",
                headers=((b"retry-after", str(int(until - now) + 1).encode()),),
            )
        code = (ctx.header(self.header) or b"").decode("latin-1").strip()
        if not code:
            raise self._refusal(ctx, "missing")
        step = self._verify(who, code)
        if step is None or step <= self.last_step.get(who, -1):
            self._fail(who, now)
            raise self._refusal(ctx, "wrong" if step is None else "replayed")
        self.last_step[who] = step
        self.failures.pop(who, None)
        ctx.decisions["step_up"] = "totp"

    def _verify(self, who: str, code: str) -> int | None:
        totp = self.secrets.get(who)
        if totp is None or len(code) > 10:
            return None
        try:
            return totp.verify_and_get_timecode(code, valid_window=self.config.valid_window)
        except (pyotp.exceptions.OTPVerificationError, ValueError):
            return None

    def _fail(self, who: str, now: float) -> None:
        count, until = self.failures.get(who, (0, 0.0))
        if now >= until:
            count = 0
        self.failures[who] = (count + 1, now + self.config.lockout)

    def _refusal(self, ctx: Context, why: str) -> Refusal:
        ctx.decisions["step_up"] = why
        return Refusal(
            Rule.STEP_UP_REQUIRED,
            f"send a current one-time code in {self.config.header}",
            headers=((b"www-authenticate", _CHALLENGE),),
        )
