"""``template_injection``: free-text inputs evaluated by a server-side template engine.

Each free-text input is sent an arithmetic expression in the syntax of the common
engines — ``{{a*b}}`` (Jinja2, Twig, Nunjucks, Handlebars helpers), ``${a*b}``
(FreeMarker, Thymeleaf, JS template literals), ``<%= a*b %>`` (ERB, EJS) and
``#{a*b}`` (Pug, Ruby interpolation) — with two random four-digit numbers. When the
answer holds their product, which the legitimate answer does not and the probe itself
does not spell, the engine computed it: confirmed.

The four syntaxes go out together first, each with its own numbers, so that a product
names its syntax and its input: one request per operation whose inputs no engine
evaluates (``_injection.screened``). An engine that fails on another's syntax (Mako
reads ``<%`` as code) answers unlike an ordinary value (``_injection.reacted``); then
each syntax goes alone, stopping at the first that computes (skipping those that break
the input's declared length or pattern when the screen did too; packed into as few
values as its ``maxLength`` holds when the screen broke it), or at the first refused by
validation like the screen was: then the input's shape is refused, not a syntax.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip
from apiward.scan.checks._injection import (
    REFUSED,
    Caller,
    Input,
    fits,
    longest,
    number,
    probe,
    reacted,
    screened,
    start,
    text_inputs,
)
from apiward.scan.context import Context
from apiward.scan.transport import Reply
from apiward.spec import Operation

# Each syntax as a function of the two factors; "${{…}}" also covers engines that need "$".
SYNTAXES: tuple[tuple[str, Callable[[int, int], str]], ...] = (
    ("{{ }}", lambda a, b: f"{{{{{a}*{b}}}}}"),
    ("${ }", lambda a, b: f"${{{a}*{b}}}"),
    ("<%= %>", lambda a, b: f"<%= {a}*{b} %>"),
    ("#{ }", lambda a, b: f"#{{{a}*{b}}}"),
)


Try = tuple[str, Callable[[int, int], str], int, int]
"""A syntax, its builder and the two factors it is sent with."""


class TemplateInjection:
    """Free text compiled as a template: arithmetic in the input comes back computed."""

    id = "template_injection"
    title = "Server-side template injection"
    owasp = "API8:2019"  # Injection: the 2023 edition folds it into others
    cwe = "CWE-1336"
    safe = True
    remediation = (
        "Never compile user input as a template: render fixed templates and pass user text "
        "as data, or substitute an allow-list of placeholders with plain string replacement."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Send each engine's arithmetic to every free-text input of ``operation``."""
        items = text_inputs(ctx, operation)
        who = await start(ctx, operation, items, "no free-text input")
        if isinstance(who, Skip):
            yield who
            return
        tries = {item.key: _tries(who) for item in items}
        screens = [(item, _screen(tries[item.key])) for item in items]
        note = "every syntax's arithmetic at once"
        attacks = await screened(ctx, who, screens, note)
        for (item, screen), attack in zip(screens, attacks, strict=True):
            outcome = await self._input(ctx, operation, who, item, tries[item.key], screen, attack)
            if outcome is not None:
                yield outcome

    async def _input(
        self,
        ctx: Context,
        operation: Operation,
        who: Caller,
        item: Input,
        tries: list[Try],
        screen: str,
        attack: Reply,
    ) -> Outcome | None:
        if hit := self._computed(ctx, operation, who, item, tries, attack):
            return hit
        if len(tries) < 2 or not await reacted(ctx, who, item, attack):
            return None
        return await self._apart(ctx, operation, who, item, tries, screen, attack)

    async def _apart(
        self,
        ctx: Context,
        operation: Operation,
        who: Caller,
        item: Input,
        tries: list[Try],
        screen: str,
        attack: Reply,
    ) -> Outcome | None:
        """After a screen that got a reaction: the syntaxes in as few requests as keep to the
        declared ``maxLength`` when the screen broke it, else one by one."""
        for group in _groups(ctx, item, tries, screen):
            fresh = _tries(who, [(syntax, build) for syntax, build, _, _ in group])
            value = _screen(fresh)
            if not fresh or not (fits(ctx, item, screen) or fits(ctx, item, value)):
                continue
            note = " and ".join(f"{syntax} arithmetic {a}*{b}" for syntax, _, a, b in fresh)
            reply = await probe(ctx, who, item, value, note)
            if hit := self._computed(ctx, operation, who, item, fresh, reply):
                return hit
            if reply.status in REFUSED and reply.status == attack.status:
                return None  # refused like the screen: the input's shape, not one syntax
            split = len(fresh) > 1 and await reacted(ctx, who, item, reply)
            if split and (hit := await self._apart(ctx, operation, who, item, fresh, value, reply)):
                return hit
        return None

    def _computed(
        self,
        ctx: Context,
        operation: Operation,
        who: Caller,
        item: Input,
        tries: list[Try],
        reply: Reply,
    ) -> Outcome | None:
        """The finding when one of ``tries`` came back computed in ``reply``."""
        for syntax, build, a, b in tries:
            if str(a * b) in reply.text:
                return self._finding(ctx, operation, who, item, (syntax, build(a, b), a * b), reply)
        return None

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        who: Caller,
        item: Input,
        hit: tuple[str, str, int],
        attack: Reply,
    ) -> Outcome:
        syntax, sent, product = hit
        return ctx.finding(
            self,
            operation,
            title=f"{item.where} {item.name} is evaluated as a template ({syntax})",
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{item.name}={attack.sent.value(item.where, item.name)!r} came back with "
                f"{product} ({sent}): the server evaluated the expression. Template engines "
                "reach the objects in their context (configuration, secrets) and often code "
                "execution."
            ),
            evidence=[who.legit, attack],
            key=item.key,
        )


def _tries(
    who: Caller, syntaxes: Sequence[tuple[str, Callable[[int, int], str]]] = SYNTAXES
) -> list[Try]:
    """Each syntax with fresh factors whose product the legitimate answer does not hold."""
    tries = [(syntax, build, number(), number()) for syntax, build in syntaxes]
    return [t for t in tries if str(t[2] * t[3]) not in who.legit.text]


def _groups(ctx: Context, item: Input, tries: list[Try], screen: str) -> list[list[Try]]:
    """``tries`` one by one; packed into as few values as ``maxLength`` holds when the
    screen broke it (refused for its length, not for a syntax)."""
    limit = longest(ctx, item)
    if limit is None or fits(ctx, item, screen):
        return [[t] for t in tries]
    groups: list[list[Try]] = [[]]
    for one in tries:
        if groups[-1] and len(_screen([*groups[-1], one])) > limit:
            groups.append([])
        groups[-1].append(one)
    return groups


def _screen(tries: list[Try]) -> str:
    """Every syntax's arithmetic in one value."""
    return "".join(build(a, b) for _, build, a, b in tries)
