"""The scanner's checks: the protocol every check follows, and the one place they are registered.

A check is a small object with metadata and one async generator. It *yields* what it
concluded for an operation: a ``Finding`` (built with ``ctx.finding``, carrying the
replies that prove it) or a ``Skip(reason)`` when it could not test (say why, with a
``SkipReason``). Yielding nothing means "tested, not vulnerable". Raising means
"apiward failed" and is reported as a scan error for that check × operation, never as
"not vulnerable". Decide by comparing with legitimate answers (``ctx.legit``), never by
a status code alone.

Example — a whole new check is this module plus one line in ``BUILTIN``::

    # src/apiward/scan/checks/trace_method.py
    from apiward.scan.check import Outcome, Skip, SkipReason
    class TraceMethod:
        id = "trace_method"
        title = "TRACE echoes requests"
        owasp = "API8:2023"
        cwe = "CWE-693"
        safe = True                     # False if it changes or deletes others' data
        remediation = "Disable TRACE."

        async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
            if operation.method != "GET":
                yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="only GET paths")
                return
            probe = dataclasses.replace(ctx.request(operation), method="TRACE")
            reply = await ctx.send(probe, as_=None, note="TRACE probe")
            if reply.ok and "TRACE" in reply.text:
                yield ctx.finding(self, operation, title=self.title, severity=Severity.LOW,
                                  detail="the request came back in the body", evidence=[reply])

    # and in BUILTIN below:  TraceMethod(),  (plus its import)

Modules whose name starts with ``_`` are helpers the checks share (``_bearer``,
``_discovery``, ``_readback``...); every other module here is a check.

Checks that look at the API as a whole rather than per operation implement
``run_once(ctx)`` instead of ``run`` (:class:`ScanCheck`); the runner calls it once.
"""

from __future__ import annotations

from apiward.core.registry import Registry
from apiward.scan.check import (
    AnyCheck,
    Check,
    CheckMeta,
    Outcome,
    ScanCheck,
    Skip,
    SkipReason,
)
from apiward.scan.checks.auth_bypass import AuthBypass
from apiward.scan.checks.bfla import Bfla
from apiward.scan.checks.bola import Bola
from apiward.scan.checks.business_flows import BusinessFlows
from apiward.scan.checks.command_injection import CommandInjection
from apiward.scan.checks.cors import Cors
from apiward.scan.checks.errors import ErrorDisclosure
from apiward.scan.checks.exposure import ExcessiveData
from apiward.scan.checks.forged_cookie import ForgedCookie
from apiward.scan.checks.headers import SecurityHeaders
from apiward.scan.checks.id_enumeration import IdEnumeration
from apiward.scan.checks.inventory import DeprecatedOperation, OldVersions
from apiward.scan.checks.ip_allowlist import IpAllowList
from apiward.scan.checks.jwt import JwtForgery
from apiward.scan.checks.login import LoginFlaws
from apiward.scan.checks.logout import LogoutNotRevoking
from apiward.scan.checks.mass_assignment import MassAssignment
from apiward.scan.checks.negative_amount import NegativeAmount
from apiward.scan.checks.nosql_injection import NoSqlInjection
from apiward.scan.checks.path_traversal import PathTraversal
from apiward.scan.checks.plain_http import PlainHttp
from apiward.scan.checks.rate_limit import RateLimit
from apiward.scan.checks.reset_token import ResetToken
from apiward.scan.checks.resource_limits import ResourceLimits
from apiward.scan.checks.session_secret import SessionSecret
from apiward.scan.checks.shadow import DebugEndpoints, ShadowEndpoints
from apiward.scan.checks.short_secret import ShortSecret
from apiward.scan.checks.slow_input import SlowInput
from apiward.scan.checks.sql_injection import SqlInjection
from apiward.scan.checks.ssrf import Ssrf
from apiward.scan.checks.template_injection import TemplateInjection
from apiward.scan.checks.token_in_url import TokenInUrl
from apiward.scan.checks.trace_method import TraceMethod
from apiward.scan.checks.undocumented_methods import UndocumentedMethods
from apiward.scan.checks.unsafe_consumption import UnsafeConsumption
from apiward.scan.checks.upload_type import UploadType
from apiward.scan.checks.version_disclosure import VersionDisclosure

# The built-in checks, in the order they run. Adding a check: one module, one entry here.
BUILTIN: tuple[AnyCheck, ...] = (
    AuthBypass(),
    Bola(),
    IdEnumeration(),
    Bfla(),
    IpAllowList(),
    Ssrf(),
    UnsafeConsumption(),
    UploadType(),
    SqlInjection(),
    NoSqlInjection(),
    CommandInjection(),
    TemplateInjection(),
    PathTraversal(),
    ResourceLimits(),
    RateLimit(),
    SlowInput(),
    BusinessFlows(),
    NegativeAmount(),
    ExcessiveData(),
    Cors(),
    SecurityHeaders(),
    ErrorDisclosure(),
    TraceMethod(),
    UndocumentedMethods(),
    PlainHttp(),
    VersionDisclosure(),
    DeprecatedOperation(),
    OldVersions(),
    ShadowEndpoints(),
    DebugEndpoints(),
    JwtForgery(),
    SessionSecret(),
    ForgedCookie(),
    MassAssignment(),
    LoginFlaws(),
    LogoutNotRevoking(),
    TokenInUrl(),
    ShortSecret(),
    ResetToken(),
)


def builtin_checks() -> Registry[AnyCheck]:
    """A fresh registry of the built-in checks (tests build their own)."""
    return Registry("check", ((check.id, check) for check in BUILTIN))


__all__ = [
    "BUILTIN",
    "AnyCheck",
    "Check",
    "CheckMeta",
    "Outcome",
    "ScanCheck",
    "Skip",
    "SkipReason",
    "builtin_checks",
]
