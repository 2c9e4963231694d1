"""What ``mass_assignment`` tries on a write: its candidate fields and the value for each.

A value the field can hold (``scan.values.probe_value``), upwards only on a field the
contract declares writable; privilege fields first, at most ``MAX_FIELDS``; a privilege
field with no value known, and a state field without ``--aggressive`` (:func:`stateful`),
are left untried, with a skip that says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apiward.scan.check import Skip, SkipReason
from apiward.scan.checks._creation import Try
from apiward.scan.checks._readback import (
    Seen,
    candidate_fields,
    concrete,
    field_schemas,
    fields,
    privilege_candidates,
)
from apiward.scan.checks._sign_up import Account, about_users, content_schema
from apiward.scan.context import Context
from apiward.scan.fields import is_privileged, is_state
from apiward.scan.values import Probe, Source, probe_value, rank
from apiward.spec import Operation, Schema

MAX_FIELDS = 6


def candidates(
    ctx: Context,
    op: Operation,
    seen: Seen,
    answer: Mapping[str, Any] | None,
    writable: set[str],
) -> tuple[list[Try], list[Skip]]:
    """What to try (privilege fields first), and a skip for each privilege field left untried."""
    schema, _ = ctx.synthesizer.body_schema(op)
    # The write's own schema last, so it wins: what it takes bounds the value (the NestJS
    # trial's member PATCH takes owner/manager/member; its answer, a user, admin too).
    schemas = {
        **field_schemas(ctx, seen.reader.answer_schema()),
        **field_schemas(ctx, op.answer_schema()),
        **field_schemas(ctx, schema),
    }
    shown = {**fields(answer or {}), **fields(seen.data)}
    tries: list[Try] = []
    untried: list[Skip] = []
    for name in candidate_fields({**(answer or {}), **seen.data}, writable):
        old = shown.get(name)
        observed = ctx.synthesizer.observed.values(name)
        probe = probe_value(name, concrete(schema_of(name, schemas)), old, observed)
        allowed = name in writable
        if probe is not None and is_state(name) and not ctx.ledger.aggressive:
            untried.append(stateful(name, old, probe.value))
            continue
        if probe is not None and (not allowed or gains(old, probe.value)):
            tries.append(Try(name=name, old=old, probe=probe, writable=allowed))
        elif probe is None and is_privileged(name) and isinstance(old, str):
            untried.append(unknown(name, old))
    return tries[:MAX_FIELDS], untried


def sign_up_candidates(
    ctx: Context, op: Operation, plain: Account, writable: set[str]
) -> tuple[list[Try], list[Skip]]:
    """Privilege fields a sign-up may carry, as for an update, but only privilege fields.

    Each probe costs the target one more account, so a sign-up is only tried with fields
    that would make the new user more than a user: declared in its body, shown for the
    plain user (its login answer, token, record), or declared in an answer about users.
    """
    schema, _ = ctx.synthesizer.body_schema(op)
    schemas = dict(field_schemas(ctx, schema))
    tops = {n.split(".")[0] for n in schemas}
    answers = [op.answer_schema()]
    answers += [content_schema(ctx, r.answer_schema()) for r in about_users(ctx, op)]
    for answer in answers:
        for name, sub in field_schemas(ctx, answer).items():
            schemas.setdefault(_as_sent(name, tops), sub)
    shown = {_as_sent(n, tops): v for n, (v, _) in reversed(plain.shown().items())}
    names = privilege_candidates([*shown, *schemas], shown)
    tries: list[Try] = []
    untried: list[Skip] = []
    for name in names:
        old = shown.get(name)
        observed = ctx.synthesizer.observed.values(name)
        probe = probe_value(name, concrete(schema_of(name, schemas)), old, observed)
        allowed = name in writable
        if probe is not None and is_state(name) and not ctx.ledger.aggressive:
            untried.append(stateful(name, old, probe.value))
            continue
        if probe is not None and (not allowed or gains(old, probe.value)):
            tries.append(Try(name=name, old=old, probe=probe, writable=allowed))
        elif probe is None and isinstance(old, str):
            untried.append(unknown(name, old))
    return tries[:MAX_FIELDS], untried


def _as_sent(name: str, tops: set[str]) -> str:
    """An answer's field as the sign-up's body would carry it: ``data.user.role`` (an envelope
    and the login answer's ``user``) is ``role`` where the body has no ``data`` of its own
    (the Express trial's probe had sent ``{"data": {"user": {"role": "admin"}}}``, kept as
    junk, and called it a privilege gained)."""
    return name if "." not in name or name.split(".")[0] in tops else name.rsplit(".", 1)[-1]


def guesses(properties: Mapping[str, Schema], tries: list[Try]) -> list[Try]:
    """Undocumented admin flags, spelt as the sign-up spells its fields, tried together.

    Only flags: ``true`` is the one value a flag grants with, where a guessed role name
    could be one the API does not know.
    """
    camel = any(re.search(r"[a-z][A-Z]", n) for n in properties)
    names = [n for n in ("admin", "isAdmin" if camel else "is_admin") if n not in properties]
    if not names or any(n in {t.name for t in tries} for n in names):
        return []
    probe = Probe(value=True, source=Source.TYPE)
    return [Try(name=" / ".join(names), old=None, probe=probe, writable=False, guessed=True)]


def stateful(name: str, old: Any, value: Any) -> Skip:
    """The skip for a state field left untried without ``--aggressive``, even on the scan's own
    object: a state many APIs never take back keeps that object too (the NestJS trial's order,
    set to ``refunded``, answered 409 to its restore and to its DELETE, and stayed)."""
    return Skip(
        reason=SkipReason.UNRESTORABLE,
        detail=(
            f"{name} (now {old!r}) not probed with {value!r} without --aggressive: many APIs "
            "never take a state back, nor delete an object in it"
        ),
    )


def unknown(name: str, old: str) -> Skip:
    """The skip for a privilege field left untried: no value it can hold is known."""
    return Skip(
        reason=SkipReason.NOT_APPLICABLE,
        detail=(
            f"{name} (now {old!r}) not probed: no other value it can hold is known (none "
            "in the API's answers, no enum), and an invented one could lock the user out"
        ),
    )


def schema_of(name: str, schemas: Mapping[str, Schema]) -> Schema:
    """The schema of dotted field ``name``, else of a same-named field deeper down."""
    if name in schemas:
        return schemas[name]
    leaf = "." + name.rsplit(".", 1)[-1]
    return next((s for path, s in schemas.items() if ("." + path).endswith(leaf)), {})


def gains(old: Any, value: Any) -> bool:
    """True when ``value`` is a gain over ``old``: the only change tried on a writable field."""
    if isinstance(value, str):
        return rank(value) > rank(old)
    return True  # probe_value only raises numbers and sets flags to their granting value
