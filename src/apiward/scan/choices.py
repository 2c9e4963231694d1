"""A write refused with the values a field may take is sent again with one of them.

Contracts generated from code often declare a string where the code takes a few words:
sanic-ext's ``status: {type: string}`` for tasks that are ``todo``, ``in_progress`` or
``done``. The synthesised value (an example, or a status the API showed on another kind of
object) is then refused for every identity, and nothing below that object is tested: the
Sanic trial's scan made no task, so comments, attachments and the task listing's SQL
injection went untried. The refusal usually says what it wants, in the framework's words:

    title is required and status must be todo, in_progress or done      (hand-written)
    "status" must be one of [todo, in_progress, done]                    (Joi)
    {"loc": ["body", "status"], "msg": "Input should be 'todo', 'in_progress' or 'done'"}
    {"status": ["Must be one of: todo, in_progress, done."]}             (marshmallow)

A 400 or 422 that names a string field of the body and, right after it, lists two or more
words it "must be" or "should be" (one of) is answered by one retry with the first of them
(the one that grants least, for a privilege such as ``role``); the synthesiser keeps that
value for the operation from then on.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from apiward.scan.fields import is_privileged
from apiward.scan.request import Request
from apiward.scan.required_only import REFUSED
from apiward.scan.transport import Reply
from apiward.scan.values import rank
from apiward.spec import Operation

if TYPE_CHECKING:
    from apiward.scan.synthesis import Synthesizer

_PHRASE = re.compile(
    r"(?:must|should|has to|needs to|can only)\s+be(?:\s+(?:one|any)\s+of)?:?"
    r"|(?:allowed|valid|accepted|permitted)\s+(?:values|choices|options)\s*(?:are|is)?:?"
    r"|expected\s+one\s+of:?",
    re.IGNORECASE,
)
_NEAR = 40
"""Characters between the field's name and what it must be (``"],"msg":"Input ``)."""
_END = re.compile(r"\.(?:\s|\"|$)|[\n;\]}]|\",|\"}|\(")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")
_GLUE = frozenset({"or", "and", "a", "an", "the", "of", "one", "either", "any", "be", "is"})
_NOT_CHOICES = frozenset(
    {"string", "integer", "number", "boolean", "array", "object", "valid", "email", "date"}
    | {"greater", "less", "than", "least", "most", "between", "characters", "long", "empty"}
    | {"required", "provided", "unique", "positive", "negative", "null", "none", "true"}
    | {"false", "format", "type", "url", "uri", "uuid", "iso", "set", "given", "at", "in"}
)
"""Words of a constraint that is no list of values (``must be a string``, ``at least 8``)."""

Send = Callable[[Request], Awaitable[Reply]]


def allowed(text: str, name: str) -> list[str]:
    """The values refusal ``text`` says field ``name`` may take (empty when it lists none)."""
    for found in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
        phrase = _PHRASE.search(text, found.end(), found.end() + _NEAR + 30)
        if phrase is None or phrase.start() - found.end() > _NEAR:
            continue
        rest = text[phrase.end() : phrase.end() + 200].lstrip(" :[")
        end = _END.search(rest)
        words = _WORD.findall(rest[: end.start()] if end else rest)
        values = [w for w in words if w.lower() not in _GLUE]
        if len(values) >= 2 and not any(v.lower() in _NOT_CHOICES for v in values):
            return list(dict.fromkeys(values))
    return []


async def again(
    synthesizer: Synthesizer, operation: Operation, request: Request, reply: Reply, send: Send
) -> tuple[Request, Reply]:
    """``request`` and ``reply``, or the retry with the values the refusal lists, when it
    lists some for string fields of the body; the retry stands where it succeeds."""
    if reply.status not in REFUSED or not isinstance(request.body, dict):
        return request, reply
    text = reply.text[:4000]
    body = dict(request.body)
    for name, value in request.body.items():
        values = [v for v in allowed(text, name) if v != value]
        if isinstance(value, str | type(None)) and values:
            body[name] = min(values, key=rank) if is_privileged(name) else values[0]
            synthesizer.choose(operation, name, body[name])
    if body == request.body:
        return request, reply
    retry = dataclasses.replace(request, body=body)
    answer = await send(retry)
    return (retry, answer) if answer.ok else (request, reply)
