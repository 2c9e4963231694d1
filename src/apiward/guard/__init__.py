"""The guard: runtime protection for an HTTP API, as ASGI middleware or as a gateway.

    app.add_middleware(Guard, policy=Policy.load("apiward.yaml"))      # any ASGI app
    Guard(app, policy=Policy(contract="openapi.json"))                 # the same, by hand
    apiward guard --policy apiward.yaml --spec openapi.json \\
                  --upstream http://127.0.0.1:8000 --listen 127.0.0.1:8443   # any API

The pipeline (``Guard.__call__`` in asgi.py), per request, in this order:

    canonicalise   one decoded path or a refusal (canonicalise.py); it is what the app sees
    route          the contract operation, resolved once (routes.py); unknown → 404
    transport      client address via trusted proxies, HTTPS/HSTS, sizes, ambiguity
    authentication (not built yet: its slot is reserved, see below)
    authorization  roles/scopes per operation, object ownership (authz/)
    ratelimit      per (operation template, principal or client), several windows
    validate       parameters and body against the compiled contract schemas
    ssrf           URL-valued inputs resolved, non-global destinations refused
    → app          gets the already-read body replayed and a guarded ``send``
    response       (wraps ``send``) filter to schema, headers, CORS, 5xx bodies, digest
    audit          (after the answer) hash-chained events, alert rules, bans

Writing a stage (the contract is in stage.py). A stage is a module with a builder
and a class with two coroutines::

    def build(setup: Setup) -> Authn | None:           # at start-up, once
        section = setup.policy.authentication
        return None if section is None else Authn(section, setup.api, setup.routes)

    class Authn:
        async def check(self, ctx: Context) -> None:   # per request
            ctx.route.operation.security               # what the contract requires
            ctx.header(b"authorization")               # raw request headers
            ctx.principal = "alice"                     # ratelimit and audit key on it
            ctx.decisions["authentication"] = {...}     # visible at scope["apiward"]
            raise Refusal(Rule.X, "why", headers=((b"www-authenticate", b"Bearer"),))

        async def aclose(self) -> None:                 # at shutdown: close connections

then one line in ``pipeline.REQUEST_STAGES`` (``("authentication", authn.build)``),
new ``Rule`` members with a status and title in problem.py, and the section's keys
in policy_schema.py. Compile everything per route in ``build`` (keyed by
``route.key``, e.g. ``"GET /users/{id}"``) so ``check`` only looks things up. What
an earlier stage offers later ones is a typed field of ``Setup`` (``setup.bans``,
the rate-limit stage's ``ban(who, seconds)``); the parsed body is ``ctx.document``.
"""

from apiward.guard.asgi import Guard
from apiward.guard.context import Context
from apiward.guard.policy import (
    AlertRule,
    AuditPolicy,
    AuthorizationPolicy,
    BanPolicy,
    CorsPolicy,
    CredentialFailuresPolicy,
    DeadlinePolicy,
    InjectionPolicy,
    OwnershipRule,
    ParamRef,
    Policy,
    RateLimitPolicy,
    Requirement,
    ResponsePolicy,
    RoutesPolicy,
    SsrfPolicy,
    TransportPolicy,
    ValidatePolicy,
)
from apiward.guard.problem import Refusal, Rule

__all__ = [
    "AlertRule",
    "AuditPolicy",
    "AuthorizationPolicy",
    "BanPolicy",
    "Context",
    "CorsPolicy",
    "CredentialFailuresPolicy",
    "DeadlinePolicy",
    "Guard",
    "InjectionPolicy",
    "OwnershipRule",
    "ParamRef",
    "Policy",
    "RateLimitPolicy",
    "Refusal",
    "Requirement",
    "ResponsePolicy",
    "RoutesPolicy",
    "Rule",
    "SsrfPolicy",
    "TransportPolicy",
    "ValidatePolicy",
]
