"""Stage: authentication — who is calling, from the contract's security and the policy.

Per operation (compiled at start-up from ``operation.security``): public operations
pass; otherwise the first alternative whose credentials are all present is verified
(every scheme of it: alternatives are OR, schemes inside one are AND); an optional
operation (an ``{}`` alternative) passes anonymously when no credential is present.
Every contract scheme an operation uses must be bound to a mechanism in
``authentication.schemes``, or the policy fails to load: the guard never lets a
request through on the belief that something is checked.

Outcomes: ``ctx.principal``/``claims``/``roles``/``scopes`` set (authorization reads
them), or a uniform refusal — 401 ``authn.invalid-credentials`` whatever the reason
(the reason goes to ``ctx.auth_failure``, which the audit event carries as
``extra.authentication``, and to ``ctx.decisions``; never to the client: no
enumeration), 401
``authn.missing-credentials``, 400 ``authn.ambiguous-credentials``, 503
``authn.unavailable`` when a key source or introspection endpoint is down (fail
closed). Bearer refusals carry RFC 6750 ``WWW-Authenticate``; sensitive operations
then require the TOTP step-up (totp.py, RFC 9470 ``insufficient_user_authentication``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from apiward.core.errors import ConfigError
from apiward.guard.authn.apikey import ApiKeyVerifier
from apiward.guard.authn.config import (
    AuthnPolicy,
    IntrospectionConfig,
    JwtConfig,
    Mechanism,
    SignaturesConfig,
)
from apiward.guard.authn.credentials import Locator, ambiguity, locator_for
from apiward.guard.authn.identity import Identity, Invalid, Unavailable
from apiward.guard.authn.introspection import IntrospectionVerifier
from apiward.guard.authn.jwt import JwtVerifier
from apiward.guard.authn.signatures import SignatureVerifier
from apiward.guard.authn.totp import StepUp
from apiward.guard.context import Context
from apiward.guard.problem import Refusal, Rule
from apiward.guard.stage import Setup
from apiward.spec import Api, SecurityScheme

Check = Callable[[Context, str], Awaitable[Identity]]

log = logging.getLogger("apiward.guard")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scheme:
    """One contract security scheme, bound to the mechanism that verifies it."""

    name: str
    locator: Locator
    check: Check
    challenge: bytes
    closer: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What one operation requires: alternatives of scheme names, and anonymous allowed?"""

    alternatives: tuple[tuple[str, ...], ...]
    optional: bool
    schemes: tuple[str, ...]


def _unverified(setup: Setup) -> None:
    """Warn once, at start, that operations the contract secures pass without a credential check.

    Only when the section is absent: ``enabled: false`` says the API checks them itself.
    """
    secured = [r.key for r in setup.routes.routes if _plan(r.operation.security) is not None]
    if secured:
        shown = ", ".join(secured[:3]) + (
            f" and {len(secured) - 3} more" if len(secured) > 3 else ""
        )
        log.warning(
            "the policy has no authentication section: the guard verifies no credentials on "
            "the %d operations the contract secures (%s); the API behind it must (bind the "
            "contract's schemes under authentication:, or say enabled: false there)",
            len(secured),
            shown,
        )


def build(setup: Setup) -> Authn | None:
    """The authentication stage, or None when the policy has no (enabled) section."""
    policy = setup.policy.authentication
    if policy is None:
        _unverified(setup)
    if policy is None or not policy.enabled:
        return None
    schemes = {
        name: _scheme(setup.api, name, mechanism) for name, mechanism in policy.schemes.items()
    }
    plans = {route.key: _plan(route.operation.security) for route in setup.routes.routes}
    for key, plan in plans.items():
        for name in plan.schemes if plan is not None else ():
            if name not in schemes:
                raise ConfigError(
                    f"{key} requires the contract's security scheme {name!r}, which "
                    "authentication.schemes does not say how to verify",
                    pointer="/authentication/schemes",
                )
    step_up = StepUp(policy.step_up) if policy.step_up is not None else None
    for key in step_up.operations if step_up is not None else ():
        if plans.get(key) is None:
            raise ConfigError(
                f"step_up lists {key}, which is not an operation that requires authentication",
                pointer="/authentication/step_up/operations",
            )
    return Authn(policy, schemes, {k: p for k, p in plans.items() if p is not None}, step_up)


def _plan(security: tuple[Mapping[str, tuple[str, ...]], ...]) -> Plan | None:
    alternatives = tuple(tuple(alt) for alt in security if alt)
    if not alternatives:
        return None
    names = tuple(dict.fromkeys(name for alt in alternatives for name in alt))
    return Plan(
        alternatives=alternatives,
        optional=any(not alt for alt in security),
        schemes=names,
    )


def _scheme(api: Api, name: str, mechanism: Mechanism) -> Scheme:
    declared = api.security_schemes.get(name)
    if declared is None:
        raise ConfigError(
            f"the contract declares no security scheme {name!r}",
            pointer=f"/authentication/schemes/{name}",
        )
    if isinstance(mechanism, SignaturesConfig):
        signed = SignatureVerifier(mechanism)
        return Scheme(
            name=name,
            locator=locator_for(declared, signed=True),
            check=lambda ctx, _: signed.verify_request(ctx),
            challenge=b'Signature realm="api"',
            closer=signed.aclose,
        )
    _fits(declared, mechanism)
    if isinstance(mechanism, tuple):
        keys = ApiKeyVerifier(mechanism)
        return Scheme(
            name=name,
            locator=locator_for(declared),
            check=lambda _, credential: keys.verify(credential),
            challenge=b'ApiKey realm="api"',
        )
    verifier = (
        JwtVerifier(mechanism)
        if isinstance(mechanism, JwtConfig)
        else IntrospectionVerifier(mechanism)
    )
    return Scheme(
        name=name,
        locator=locator_for(declared),
        check=lambda _, credential: verifier.verify(credential),
        challenge=b'Bearer realm="api"',
    )


def _fits(declared: SecurityScheme, mechanism: Mechanism) -> None:
    bearer = declared.type in ("oauth2", "openIdConnect") or (
        declared.type == "http" and (declared.scheme or "").lower() == "bearer"
    )
    token = isinstance(mechanism, JwtConfig | IntrospectionConfig)
    if (token and not bearer) or (isinstance(mechanism, tuple) and declared.type != "apiKey"):
        kind = "api_keys" if isinstance(mechanism, tuple) else type(mechanism).__name__
        raise ConfigError(
            f"security scheme {declared.name!r} is {declared.type} "
            f"{declared.scheme or ''}: it cannot be verified as {kind}",
            pointer=f"/authentication/schemes/{declared.name}",
        )


class Authn:
    """Verifies each request's credentials against what its operation requires."""

    def __init__(
        self,
        policy: AuthnPolicy,
        schemes: Mapping[str, Scheme],
        plans: Mapping[str, Plan],
        step_up: StepUp | None,
    ) -> None:
        self.policy = policy
        self.schemes = schemes
        self.plans = plans
        self.step_up = step_up

    async def check(self, ctx: Context) -> None:
        """Authenticate the request, or refuse it."""
        route = ctx.route
        plan = self.plans.get(route.key) if route is not None else None
        if route is None or plan is None:
            return  # a public operation, or an unknown route the policy lets through
        why = ambiguity(ctx)
        if why is not None:
            ctx.decisions["authentication"] = {"outcome": "ambiguous", "reason": why}
            ctx.auth_failure = why
            raise Refusal(
                Rule.AUTHN_AMBIGUOUS,
                "send exactly one credential, in the Authorization header",
                headers=((b"www-authenticate", b'Bearer error="invalid_request"'),),
            )
        present = {
            name: found
            for name in plan.schemes
            if (found := self.schemes[name].locator.find(ctx)) is not None
        }
        alternative = next((alt for alt in plan.alternatives if set(alt) <= present.keys()), None)
        if alternative is None:
            sensitive = self.step_up is not None and route.key in self.step_up.operations
            if plan.optional and not present and not sensitive:
                ctx.decisions["authentication"] = {"outcome": "anonymous"}
                return
            raise self._missing(ctx, plan)
        await self._verify(ctx, alternative, present)
        if self.step_up is not None:
            await self.step_up.check(ctx, route.key)

    async def _verify(
        self, ctx: Context, alternative: tuple[str, ...], present: dict[str, str]
    ) -> None:
        identities: list[Identity] = []
        for name in alternative:
            scheme = self.schemes[name]
            try:
                identities.append(await scheme.check(ctx, present[name]))
            except Invalid as error:
                ctx.auth_failure = f"{name}: {error}"
                ctx.decisions["authentication"] = {
                    "outcome": "invalid",
                    "scheme": name,
                    "reason": str(error),
                }
                raise Refusal(
                    Rule.AUTHN_INVALID,
                    "the credentials are not valid",
                    headers=((b"www-authenticate", _invalid(scheme.challenge)),),
                ) from None
            except Unavailable as outage:  # not `error`: compiled, a name keeps one type
                ctx.auth_failure = f"{name}: {outage}"
                ctx.decisions["authentication"] = {
                    "outcome": "unavailable",
                    "scheme": name,
                    "reason": str(outage),
                }
                raise Refusal(
                    Rule.AUTHN_UNAVAILABLE,
                    "credentials cannot be verified right now",
                    headers=((b"retry-after", b"5"),),
                ) from None
        first = identities[0]
        ctx.principal = first.principal
        ctx.claims = first.claims
        ctx.roles = frozenset().union(*(i.roles for i in identities))
        ctx.scopes = frozenset().union(*(i.scopes for i in identities))
        ctx.decisions["authentication"] = {
            "outcome": "authenticated",
            "schemes": list(alternative),
            "principal": first.principal,
        }

    def _missing(self, ctx: Context, plan: Plan) -> Refusal:
        ctx.decisions["authentication"] = {"outcome": "missing"}
        ctx.auth_failure = "no credentials"
        challenges = tuple(
            (b"www-authenticate", self.schemes[name].challenge) for name in plan.schemes
        )
        return Refusal(
            Rule.AUTHN_MISSING, "this operation requires credentials", headers=challenges
        )

    async def aclose(self) -> None:
        """Close connection pools held by mechanisms (introspection, nonce storage)."""
        for scheme in self.schemes.values():
            if scheme.closer is not None:
                await scheme.closer()


def _invalid(challenge: bytes) -> bytes:
    return challenge + b', error="invalid_token"' if challenge.startswith(b"Bearer") else challenge
