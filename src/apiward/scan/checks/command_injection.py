"""``command_injection``: free-text inputs that reach an operating-system shell.

* **output-based** — the value followed by a shell separator and an ``echo`` of a random
  tag and an arithmetic expansion (``;echo 3fa9$((4721*8830))``): only a shell computes
  the product, so the tag followed by it in the answer (absent from the legitimate one,
  and never in the payload) means a shell ran it. An app that strips or mangles quotes
  cannot produce a number it was never sent. Separators: ``;``, ``|``, ``$( )``,
  backticks, newline.
* **time-based** (not under ``--safe``) — ``;sleep N`` and its ``|``, backtick and ``$( )``
  forms, each against ``sleep 0`` as a control: slow twice while the control is fast.

Each family is *screened* first with one request carrying every form at once (each echo
with its own marker, so a hit names its form; every sleep at once), to every free-text
input of the operation at once where that gets no reaction (``_injection.screened``);
the sleeps ride on the echo screen when the input's ``maxLength`` holds both. Only a hit, or a
screen the API answered unlike both the legitimate value and an ordinary one
(``_injection.reacted``: a filter may reject one form's characters and not another's),
goes on to the forms one by one, and of those only the ones that keep to the input's
declared length and pattern when the screen broke them. On an input that reaches no
shell, that is one request instead of nine.

Read-only: the commands only echo and sleep.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._injection import (
    Caller,
    Input,
    base_value,
    elapsed,
    fits,
    longest,
    marker,
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

DELAY = 2.0
"""Seconds ``sleep`` asks for (tests build the check with less)."""

# How a command is attached to the legitimate value.
FORMS: tuple[tuple[str, Callable[[str], str]], ...] = (
    (";", lambda c: f";{c}"),
    ("|", lambda c: f"|{c}"),
    ("$( )", lambda c: f"$({c})"),
    ("backticks", lambda c: f"`{c}`"),
    # Not ending in a bare newline: a line that starts with the next form's ``;`` is a
    # syntax error to every shell, and the Litestar trial's sleeps after it never ran.
    ("newline", lambda c: f"\n{c}\ntrue"),
)


Echo = tuple[str, Callable[[str], str], str, str]
"""A form's label, how it attaches a command, the echo command and what a shell prints."""


class CommandInjection:
    """Input that reaches a shell: an echoed marker comes back joined, or a sleep delays."""

    id = "command_injection"
    title = "OS command injection"
    owasp = "API8:2019"  # Injection: the 2023 edition folds it into others
    cwe = "CWE-78"
    safe = True  # the time-based probes are skipped under --safe, per operation
    remediation = (
        "Never build shell command lines from input: call the program directly with an "
        "argument list (no shell), or better, use a library instead of a program."
    )

    def __init__(self, delay: float = DELAY) -> None:
        self.delay = delay

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Try each free-text input of ``operation`` with shell payloads."""
        items = text_inputs(ctx, operation)
        who = await start(ctx, operation, items, "no free-text input")
        if isinstance(who, Skip):
            yield who
            return
        echoes = {
            item.key: [(label, attach, *_echo()) for label, attach in FORMS] for item in items
        }
        sleeps = "" if ctx.safe else _sleeps(self.delay)
        firsts = [(item, _first(ctx, who, item, echoes[item.key], sleeps)) for item in items]
        note = (
            "echo and sleep through every form at once"
            if sleeps
            else "echo through every form at once"
        )
        screens = await screened(ctx, who, firsts, note)
        rest: list[tuple[Input, Reply | None]] = []  # and the reply to its sleeps, if sent
        for (item, first), screen in zip(firsts, screens, strict=True):
            outcome = await self._output(ctx, operation, who, item, echoes[item.key], screen)
            if outcome is not None:
                yield outcome
            else:
                carried = bool(sleeps) and first.endswith(sleeps)
                if carried and await self._blurred(ctx, who, item, screen):
                    carried = False
                rest.append((item, screen if carried else None))
        if sleeps and rest:
            alone = [(item, base_value(who, item) + sleeps) for item, got in rest if got is None]
            replies = await screened(ctx, who, alone, "sleep through every form at once")
            more = {item.key: reply for (item, _), reply in zip(alone, replies, strict=True)}
            for item, got in rest:
                reply = got if got is not None else more[item.key]
                if outcome := await self._timing(ctx, operation, who, item, reply):
                    yield outcome
        if ctx.safe and len(rest) == len(items):
            yield Skip(reason=SkipReason.UNSAFE, detail="time-based probes (output probes ran)")

    async def _output(
        self,
        ctx: Context,
        operation: Operation,
        who: Caller,
        item: Input,
        echoes: list[Echo],
        first: Reply,
    ) -> Outcome | None:
        """The echo screens of ``item`` (the first already answered), then its forms one by one."""
        value = base_value(who, item)
        parts = [attach(command) for _, attach, command, _ in echoes]
        for index, group in enumerate(_screens(ctx, item, value, parts)):
            screen = value + "".join(parts[i] for i in group)
            attack = first
            if index > 0:
                attack = await probe(ctx, who, item, screen, "echo through every form at once")
            if hit := self._computed(ctx, operation, who, item, [echoes[i] for i in group], attack):
                return hit
            if not await reacted(ctx, who, item, attack):
                continue  # answered like an ordinary value: no form reached a shell
            for label, attach, _, _ in (echoes[i] for i in group):
                command, shown = _echo()
                if not _worth(ctx, item, screen, value + attach(command)):
                    continue
                attack = await probe(
                    ctx, who, item, value + attach(command), f"echo through {label}"
                )
                once = [(label, attach, command, shown)]
                if hit := self._computed(ctx, operation, who, item, once, attack):
                    return hit
        return None

    def _computed(
        self,
        ctx: Context,
        operation: Operation,
        who: Caller,
        item: Input,
        echoes: list[Echo],
        attack: Reply,
    ) -> Outcome | None:
        """The finding when one of ``echoes`` came back computed in ``attack``."""
        for label, _, command, shown in echoes:
            if shown in attack.text and shown not in who.legit.text:
                detail = (
                    f"{item.name} followed by {label} and `{command}` came back computed "
                    f"({shown}): only a shell expands $((a*b)), so a shell ran the command."
                )
                return self._finding(ctx, operation, item, label, detail, [who.legit, attack])
        return None

    async def _blurred(self, ctx: Context, who: Caller, item: Input, screen: Reply) -> bool:
        """Whether the echo-and-sleep screen got a reaction without sleeping: the echoes' own
        characters may have caused it, so the sleeps get a screen of their own."""
        if elapsed(screen) - elapsed(who.legit) >= self.delay * 0.7:
            return False
        return await reacted(ctx, who, item, screen)

    async def _timing(
        self, ctx: Context, operation: Operation, who: Caller, item: Input, screen: Reply
    ) -> Outcome | None:
        """After the sleep screen (``screen``), each form where it was slow or got a reaction."""
        value = base_value(who, item)
        every = value + _sleeps(self.delay)
        slow = elapsed(screen) - elapsed(who.legit) >= self.delay * 0.7
        if not slow and not await reacted(ctx, who, item, screen):
            return None  # answered like an ordinary value, and no form slept
        for label, attach in FORMS[:4]:
            if not slow and not _worth(ctx, item, every, value + attach(f"sleep {self.delay:g}")):
                continue
            replies = await self._delayed(ctx, who, item, value, attach)
            if replies is not None:
                detail = (
                    f"{item.name} followed by {label} and sleep {self.delay:g} took "
                    f"{elapsed(replies[-1]):.1f} s, twice, while sleep 0 took "
                    f"{elapsed(replies[0]):.1f} s: a shell ran the command."
                )
                return self._finding(ctx, operation, item, label, detail, [who.legit, *replies])
        return None

    async def _delayed(
        self, ctx: Context, who: Caller, item: Input, value: str, attach: Callable[[str], str]
    ) -> list[Reply] | None:
        """``sleep 0``, then ``sleep N`` twice, when ``sleep N`` is slow twice and 0 is not.

        The control and the repeat are only sent once ``sleep N`` is slower than the
        legitimate request: on an API without a shell, a form costs one request. They go
        out alone (``ctx.alone``), ``sleep N`` once more too: another check's sleep in
        flight slows every answer, and must not make this one look like a shell.
        """
        sleep = value + attach(f"sleep {self.delay:g}")
        slow = await probe(ctx, who, item, sleep, "sleep")
        if elapsed(slow) - elapsed(who.legit) < self.delay * 0.7:
            return None
        async with ctx.alone():
            control = await probe(ctx, who, item, value + attach("sleep 0"), "sleep 0 (control)")
            slow = await probe(ctx, who, item, sleep, "sleep, alone")
            again = await probe(ctx, who, item, sleep, "sleep, again")
        if min(elapsed(slow), elapsed(again)) - elapsed(control) < self.delay * 0.7:
            return None
        return [control, slow, again]

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        item: Input,
        label: str,
        detail: str,
        evidence: list[Reply],
    ) -> Outcome:
        return ctx.finding(
            self,
            operation,
            title=f"OS command injection in {item.where} {item.name} ({label})",
            severity=Severity.CRITICAL,
            confidence=Confidence.CONFIRMED,
            detail=detail,
            evidence=evidence,
            key=item.key,
        )


def _screens(ctx: Context, item: Input, value: str, parts: list[str]) -> list[list[int]]:
    """``parts`` (by index) in as few screens as keep to the input's declared ``maxLength``."""
    limit = longest(ctx, item)
    screens: list[list[int]] = [[]]
    size = len(value)
    for index, part in enumerate(parts):
        if screens[-1] and limit is not None and size + len(part) > limit:
            screens.append([])
            size = len(value)
        screens[-1].append(index)
        size += len(part)
    return screens


def _first(ctx: Context, who: Caller, item: Input, echoes: list[Echo], sleeps: str) -> str:
    """``item``'s first screen: as many echo forms as its ``maxLength`` holds, and the sleeps
    too when they fit (a shell runs both; an input that reaches none answers both at once)."""
    value = base_value(who, item)
    parts = [attach(command) for _, attach, command, _ in echoes]
    echo = value + "".join(parts[i] for i in _screens(ctx, item, value, parts)[0])
    limit = longest(ctx, item)
    return echo + sleeps if limit is None or len(echo + sleeps) <= limit else echo


def _sleeps(delay: float) -> str:
    """``sleep`` through the forms that can carry it, all at once."""
    return "".join(attach(f"sleep {delay:g}") for _, attach in FORMS[:4])


def _worth(ctx: Context, item: Input, screen: str, single: str) -> bool:
    """Whether one form is worth its request after the screen was refused.

    A screen that broke the declared length or pattern was refused for that: one form
    that breaks them too would be refused the same way.
    """
    return fits(ctx, item, screen) or fits(ctx, item, single)


def _echo() -> tuple[str, str]:
    """An ``echo`` whose output only a shell can produce, and that output."""
    tag, a, b = marker(4), number(), number()
    return f"echo {tag}$(({a}*{b}))", f"{tag}{a * b}"
