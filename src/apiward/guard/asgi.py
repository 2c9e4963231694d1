"""The Guard: one pure-ASGI wrapper around any app (never ``BaseHTTPMiddleware``).

Per request: canonicalise the path, answer CORS preflights, resolve the operation
once, run the request stages in order, then hand the app the buffered body and a
``send`` that applies the response rules; the audit stage records the outcome after
the answer is out. Any :class:`Refusal` becomes one problem document here.
Everything per-request lives in a :class:`Context` (a local, also at
``scope["apiward"]``); the Guard itself holds only what was compiled at start-up.
"""

from __future__ import annotations

import logging
import os

from apiward.core.errors import ConfigError
from apiward.guard import audit, response
from apiward.guard.canonicalise import canonical_path
from apiward.guard.context import ASGIApp, Context, Message, Receive, Scope, Send
from apiward.guard.pipeline import build_stages, wrap_app
from apiward.guard.policy import Policy
from apiward.guard.problem import Refusal, Rule, problem_body, problem_start
from apiward.guard.routes import Match, RouteTable
from apiward.guard.stage import Stage, needed
from apiward.guard.vocabulary import Decision
from apiward.spec import Api, load

log = logging.getLogger("apiward.guard")


def load_contract(policy: Policy, api: Api | str | os.PathLike[str] | None) -> Api:
    """The contract the guard enforces: given, or named by the policy's ``contract``."""
    if isinstance(api, Api):
        return api
    source = api if api is not None else policy.contract
    if source is None:
        raise ConfigError(
            "the guard needs the API's contract: set 'contract' in the policy or pass api="
        )
    return load(source, allow_private=True)


class Guard:
    """Protects ``app``: ``Guard(app, policy=Policy.load("apiward.yaml"))``."""

    def __init__(
        self, app: ASGIApp, *, policy: Policy, api: Api | str | os.PathLike[str] | None = None
    ) -> None:
        self.policy = policy
        self.api = load_contract(policy, api)
        self.routes = RouteTable.from_api(self.api)
        built = build_stages(policy, self.api, self.routes)
        self.stages = built.stages
        self.app = wrap_app(app, built.setup)
        self.response = response.build(built.setup)
        self.audit = audit.build(built.setup)
        self._record = self.audit.record if self.audit is not None else None
        self.allow_unknown = policy.routes.unknown is Decision.ALLOW
        self.refuse_deprecated = policy.routes.deprecated is Decision.REFUSE

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The request stages in order; setting them compiles each route's plan again."""
        return self._stages

    @stages.setter
    def stages(self, stages: tuple[Stage, ...]) -> None:
        self._stages = stages
        # Per route, only the stages with work there: decided once, looked up per request.
        self._plans = {
            route.key: tuple(s for s in stages if needed(s, route)) for route in self.routes.routes
        }
        self._unrouted = tuple(s for s in stages if needed(s, None))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Guard one HTTP request; other scopes (lifespan, websocket) pass through."""
        if scope["type"] != "http":
            await self.app(
                scope, receive, self._lifespan(send) if scope["type"] == "lifespan" else send
            )
            return
        ctx = Context(scope, receive)
        scope["apiward"] = ctx
        out = self._send(ctx, send)
        try:
            if await self._admit(ctx, out):
                await self._forward(ctx, out)
        except Refusal as refusal:
            await self._refuse(ctx, out, refusal)
        finally:
            if self.audit is not None and not ctx.audited:
                await self.audit.record(ctx)
            # The scope and its context refer to each other: left so, every request
            # would wait for the cycle collector (gen-0 passes, and full ones in time).
            del scope["apiward"]

    def _send(self, ctx: Context, send: Send) -> Send:
        """The app's send channel, which records the audit event before the answer's last byte.

        An answered request is never unlogged: the event (with the status the client
        gets) is written before the last body message goes out. The response stage's
        channel does this itself (and adds the stages' headers); without that stage,
        one link here does both.
        """
        if self.response is not None:
            return self.response.wrap(ctx, send, self._record)
        record = self._record

        async def last(message: Message) -> None:
            if message["type"] == "http.response.start":
                ctx.status = message["status"]
                ctx.response_type = next(
                    (v for k, v in message.get("headers", ()) if k.lower() == b"content-type"),
                    None,
                )
                if ctx.response_headers:
                    extra = [*message.get("headers", []), *ctx.response_headers]
                    message = {**message, "headers": extra}
            elif (
                record is not None
                and message["type"] == "http.response.body"
                and not message.get("more_body", False)
            ):
                await record(ctx)
            await send(message)

        return last

    async def _admit(self, ctx: Context, out: Send) -> bool:
        scope = ctx.scope
        ctx.path = canonical_path(scope.get("raw_path") or scope["path"].encode("utf-8"))
        scope["path"] = ctx.path
        if self.response is not None:
            preflight = self.response.preflight(ctx)
            if preflight is not None:
                await out(
                    {"type": "http.response.start", "status": preflight[0], "headers": preflight[1]}
                )
                await out({"type": "http.response.body", "body": b""})
                return False
        ctx.match = match = self._resolve(ctx.method, ctx.path)
        for stage in self._plans[match.route.key] if match is not None else self._unrouted:
            await stage.check(ctx)
        return True

    def _resolve(self, method: str, path: str) -> Match | None:
        match = self.routes.match(method, path)
        if match is None and method == "HEAD":
            match = self.routes.match("GET", path)
        if match is None and not self.allow_unknown:
            raise Refusal(
                Rule.ROUTE_UNKNOWN, f"{method} on this path is not an operation of the API"
            )
        if match is not None and self.refuse_deprecated and match.route.operation.deprecated:
            raise Refusal(Rule.ROUTE_DEPRECATED, "this operation is deprecated")
        return match

    async def _forward(self, ctx: Context, out: Send) -> None:
        try:
            await self.app(ctx.scope, ctx.app_receive, out)
        except Refusal:
            raise
        except Exception as error:
            if ctx.status is not None:
                raise
            # One line, never the traceback: the client gets a generic problem document.
            log.warning(
                "unhandled %s in the app on %s %s", type(error).__name__, ctx.method, ctx.path
            )
            ctx.status = 500
            body = problem_body(
                Rule.UPSTREAM_ERROR,
                "the API failed to answer this request",
                field=None,
                instance=ctx.request_id,
            )
            await out(problem_start(500, body, ()))
            await out({"type": "http.response.body", "body": body})

    async def _refuse(self, ctx: Context, out: Send, refusal: Refusal) -> None:
        ctx.refusal = refusal
        if ctx.status is not None:
            return  # the answer has started: nothing more can be said on this request
        body = problem_body(
            refusal.rule, refusal.detail, field=refusal.field, instance=ctx.request_id
        )
        await out(problem_start(refusal.status, body, refusal.headers))
        await out({"type": "http.response.body", "body": body})

    def _lifespan(self, send: Send) -> Send:
        async def watch(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.aclose()
            await send(message)

        return watch

    def close(self) -> None:
        """Seal the audit log and release its sink (every event is already written)."""
        if self.audit is not None:
            self.audit.close()

    def discard(self) -> None:
        """Release the audit log's sink unsealed: the guard never served (its port was taken)."""
        if self.audit is not None:
            self.audit.discard()

    async def aclose(self) -> None:
        """Seal the audit log (copying the seal to its anchor), and close every stage."""
        if self.audit is not None:
            await self.audit.aclose()
        for stage in self.stages:
            await stage.aclose()
