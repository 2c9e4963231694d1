"""``template_injection``: free-text inputs evaluated by a server-side template engine.

Each free-text input is sent an arithmetic expression in the syntax of the common
engines — ``{{a*b}}`` (Jinja2, Twig, Nunjucks, Handlebars helpers), ``${a*b}``
(FreeMarker, Thymeleaf, JS template literals), ``<%= a*b %>`` (ERB, EJS) and
``#{a*b}`` (Pug, Ruby interpolation) — with two random four-digit numbers. When the
answer holds their product, which the legitimate answer does not and the probe itself
does not spell, the engine computed it: confirmed. One request per syntax, stopping
at the first that computes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip
from apiward.scan.checks._injection import Caller, Input, number, probe, start, text_inputs
from apiward.scan.context import Context
from apiward.spec import Operation

# Each syntax as a function of the two factors; "${{…}}" also covers engines that need "$".
SYNTAXES: tuple[tuple[str, Callable[[int, int], str]], ...] = (
    ("{{ }}", lambda a, b: f"{{{{{a}*{b}}}}}"),
    ("${ }", lambda a, b: f"${{{a}*{b}}}"),
    ("<%= %>", lambda a, b: f"<%= {a}*{b} %>"),
    ("#{ }", lambda a, b: f"#{{{a}*{b}}}"),
)


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
        for item in items:
            outcome = await self._input(ctx, operation, who, item)
            if outcome is not None:
                yield outcome

    async def _input(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        for syntax, build in SYNTAXES:
            a, b = number(), number()
            product = str(a * b)
            if product in who.legit.text:
                continue
            attack = await probe(ctx, who, item, build(a, b), f"{syntax} arithmetic {a}*{b}")
            if product in attack.text:
                return ctx.finding(
                    self,
                    operation,
                    title=f"{item.where} {item.name} is evaluated as a template ({syntax})",
                    severity=Severity.HIGH,
                    confidence=Confidence.CONFIRMED,
                    detail=(
                        f"{item.name}={build(a, b)!r} came back as {product}: the server "
                        "evaluated the expression. Template engines reach the objects in their "
                        "context (configuration, secrets) and often code execution."
                    ),
                    evidence=[who.legit, attack],
                    key=item.key,
                )
        return None
