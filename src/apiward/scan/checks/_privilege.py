"""Who ranks above whom, and what says an operation belongs to the higher role (for ``bfla``).

*Ranks*: identities are ordered by the ``rank:`` the identities file gives them (none
counts as 0), then by their **reach** — how few of the contract's secured
reads refuse them (401/403) with their own legitimate request — and, on a tie, by the
role's name (``admin``/``root`` above ``support``/``staff`` above the rest above
``guest``/``viewer``). Computed once per scan from replies every check shares.

*Signals* that an operation is privileged, each named in the finding:

============  ======  ===========================================================
scope         strong  the operation requires OAuth scopes the low identity's JWT lacks
sibling       hint    the low identity is refused on a read of the same family (tag,
                      else parent path) that the high identity gets, a read whose
                      documented 403 is not an owner check: roles are checked
                      nearby, but that does not make *this* one privileged
method        strong  GET on the same path is documented without 403 while this
                      method documents a role 403, and GET does not refuse the low
                      identity
declared-403  hint    the operation documents a role 403
stated        hint    the summary or description says who may call: "Admin only",
                      "restricted to staff", "requires the admin role"
naming        hint    ``admin``, ``internal``, ``manage``... in the path, tags or id
role-named    hint    the summary, description or documented 403 names the role of an
                      identity ranked above the low one: "(editors only)", "only
                      managers may approve"
============  ======  ===========================================================

*Role evidence* (``Signals.roles``) is the part that names the higher role itself —
scopes, a marking above the low identity's role, a role named — rather than a refusal.
On the low identity's own object only that counts: a documented 403 there (bare
"Forbidden" included) is most often the owner check that refuses everyone else.

*Marking* (:func:`marking`): the contract itself says an operation is a privileged
role's — in a sentence of its summary or description, else by a path segment or tag
named with the words above. ``bfla`` compares the lowest identity's answer with the
highest one's on such reads.

A *role 403* is a documented 403 whose description does not speak of ownership: "Not
yours", "Owner only", "belongs to another user" describe an owner check, which refuses
the low identity on others' objects and says nothing of its role.

Hints never decide alone: ``bfla`` also needs a shown effect or others' data.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.openness import ASKS_CREDENTIALS
from apiward.spec import Operation

REFUSED = ASKS_CREDENTIALS  # one set with scan.openness: an answer asking for credentials
_ROLE_WORDS = (
    r"admin\w*|internal|manage\w*|management|backoffice|back-office|staff|"
    r"superusers?|privileged|moderat\w*|ops"
)
"""Words that name a privileged role or area (``admin``, ``staff``, ``internal``...)."""
_NAMING = re.compile(rf"(^|[^a-z])({_ROLE_WORDS})([^a-z]|$)", re.IGNORECASE)
_STATED = re.compile(
    rf"\b(?:(?P<word>{_ROLE_WORDS})[\s-]+(?:use[\s-]+)?only\b"
    rf"|(?:only|restricted to|reserved for|limited to)\s+(?:for\s+)?(?:the\s+|an?\s+)?"
    rf"(?P<after>{_ROLE_WORDS})\b"
    rf"|requires?\s+(?:the\s+|an?\s+)?(?P<needed>{_ROLE_WORDS})\s+"
    r"(?:role|rights|privileges?|permissions?|access|scope))"
    r"(?!\s+(?:fields?|properties|attributes|columns|parameters|filters?)\b)",
    re.IGNORECASE,
)
"""A summary or description that says who may call: "Admin only", "restricted to staff"."""
_GROUPS = re.compile(r"staff|internal|back-?office|ops|privileged", re.IGNORECASE)
"""Role words that name a group of roles, not one role."""
_OUTSIDE = re.compile(
    r"customer|client|user|member|guest|patient|renter|tenant|student|learner|buyer|"
    r"seller|viewer|reader|subscriber|player|visitor|public|anon|resident|applicant|"
    r"candidate|parent|driver|courier|rider|citizen",
    re.IGNORECASE,
)
"""Roles on the other side of the counter: never within a group such as ``staff``."""
_VERBS = frozenset({"manage", "manages", "managed", "managing", "moderate", "moderates"})
"""Role words that are verbs in a sentence ("manage only your own projects")."""
_OWNERSHIP = re.compile(
    r"\b(yours?|owners?|own|owns|owned|ownership|belongs?|someone else'?s?|another user'?s?)\b",
    re.IGNORECASE,
)
"""Words of a documented 403 that make it an owner check ("Not yours", "Owner only")."""
_OWNER_RULE = re.compile(
    r"\((?:the\s+|its\s+)?(?:[\w-]+\s+)?owners?(?:\s+only)?\)"
    r"|\bowners?\s+only\b"
    r"|\bonly\s+(?:the\s+|its\s+)?(?:[\w-]+\s+)?owners?\b",
    re.IGNORECASE,
)
"""An operation given to its object's owner: "(workspace owner)", "owner only", "only its owner"."""
_TIERS = (
    (re.compile(r"admin|root|super|owner", re.IGNORECASE), 3),
    (re.compile(r"staff|support|manag|moderat|operat|editor|teller|employee|agent", re.I), 2),
    (re.compile(r"guest|anon|viewer|read|none|public", re.IGNORECASE), 0),
)
_RANKS: WeakKeyDictionary[Context, asyncio.Task[dict[str, int]]] = WeakKeyDictionary()


@dataclass(frozen=True, slots=True, kw_only=True)
class Signals:
    """What says an operation belongs to a higher role than the low identity's."""

    strong: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    """Those of the above that name the higher role, not a refusal (see the module doc)."""

    def __bool__(self) -> bool:
        return bool(self.strong or self.hints)

    def text(self) -> str:
        """The signals in words, strong ones first."""
        return "; ".join((*self.strong, *self.hints))


@dataclass(frozen=True, slots=True, kw_only=True)
class Marking:
    """Where the contract itself marks an operation as a privileged role's."""

    word: str
    """The role word (``admin``, ``staff``, ``internal``)."""
    where: str
    """Where it is said, in words: ``its description says 'Admin only.'``."""
    stated: bool
    """Said in a sentence (summary, description), not only a name (path segment, tag)."""

    def above(self, role: str) -> bool:
        """True when the marked role is above ``role`` (a user under ``staff``).

        A privileged word that names no tier (``internal``, ``ops``) counts as staff. On
        a tie, a word for a group (``staff``, ``internal``) takes ``role`` in (an employee
        is staff), a word for one role (``manage``, ``admin``) only that role. A group
        takes in a role below it too, unless the role is the other side of the counter
        (``_OUTSIDE``: a patient, a customer): the aiohttp trial's "Patient directory (staff
        only)" read by its lab technician had been a high BFLA.
        """
        level = max(tier(self.word), 2)
        if _GROUPS.match(self.word) and tier(role) < level and not _OUTSIDE.search(role):
            return False  # a job role (``lab_tech``, ``billing``) is staff: the group takes it in
        if tier(role) != level:
            return tier(role) < level
        return not _GROUPS.match(self.word) and self.word[:5].lower() not in role.lower()


def marking(op: Operation) -> Marking | None:
    """How the contract marks ``op`` as privileged: a sentence, else a path segment or tag."""
    for field in ("summary", "description"):
        text = getattr(op, field)
        for found in _STATED.finditer(text):
            word = found.group("word") or found.group("after") or found.group("needed")
            if word.lower() not in _VERBS:
                said = _sentence(text, found.start(), found.end())
                where = f"its {field} says {said!r}"
                return Marking(word=word.lower(), where=where, stated=True)
    segments = [s for s in op.path.split("/") if s and not s.startswith("{")]
    for kind, names in (("path segment", segments), ("tag", list(op.tags))):
        for name in names:
            if named := _NAMING.search(name):
                word = named.group(2).lower()
                return Marking(word=word, where=f"its {kind} {name!r}", stated=False)
    return None


async def marked_for(ctx: Context, op: Operation, low: Identity) -> Marking | None:
    """:func:`marking`, else a sentence that gives ``op`` to the role of identities ranked
    above ``low`` ("List attendees of an event (organizers)": the Litestar trial's attendee
    read it, and no privileged word had marked it)."""
    found = marking(op)
    if found is not None:
        return found
    rank = await ranks(ctx)
    above = {i.role for i in ctx.identities if rank[i.name] > rank[low.name]} - {low.role}
    for role in sorted(r for r in above if len(r) >= 3):
        for field in ("summary", "description"):
            text = getattr(op, field)
            if said := _whole_rule(role).search(text):
                where = f"its {field} says {_sentence(text, said.start(), said.end())!r}"
                return Marking(word=role.lower(), where=where, stated=True)
    return None


def _whole_rule(role: str) -> re.Pattern[str]:
    """A rule that gives the whole operation to ``role``: alone in brackets ("(organizers)",
    "(agents only)") or as a sentence ("Organizers only."); not one about a part of it: the
    Fastify trial's "Add a comment (internal notes: agents only)" lets customers comment."""
    name = rf"{re.escape(role)}s?"
    return re.compile(
        _bracketed(name) + rf"|(?:^|[.!?]\s+)(?:{name}\s+only|only\s+(?:the\s+)?{name})\b",
        re.IGNORECASE,
    )


def _bracketed(name: str) -> str:
    """The pattern of a role alone in brackets: "(organizers)", "(agents only)"."""
    return rf"\(\s*(?:the\s+|for\s+)?{name}(?:\s+only)?\s*\)"


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around ``start:end``, at most 80 characters."""
    head = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
    tail = min((i for i in (text.find(".", end), text.find("\n", end)) if i >= 0), default=-1)
    return text[head : tail + 1 if tail >= 0 else len(text)].strip()[:80]


async def ranks(ctx: Context) -> dict[str, int]:
    """Each identity's rank (higher reaches more), computed once per scan."""
    if ctx not in _RANKS:
        task = asyncio.ensure_future(_rank(ctx))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        _RANKS[ctx] = task
    return await asyncio.shield(_RANKS[ctx])


async def _rank(ctx: Context) -> dict[str, int]:
    reads = [op for op in ctx.probes if op.method == "GET" and not op.is_public]
    keys: dict[str, tuple[int, int, int]] = {}
    for identity in ctx.identities:
        replies = await asyncio.gather(*(ctx.legit(op, identity) for op in reads))
        refused = sum(r.status in REFUSED for r in replies)
        keys[identity.name] = (identity.rank or 0, -refused, tier(identity.role))
    order = sorted(set(keys.values()))
    return {name: order.index(key) for name, key in keys.items()}


def stated(identity: Identity) -> tuple[int, int]:
    """An identity's rank as the file states it: its ``rank:``, then what its role's name says."""
    return identity.rank or 0, tier(identity.role)


def tier(role: str) -> int:
    """The rank a role's name suggests (used only to break ties in reach)."""
    return next((level for pattern, level in _TIERS if pattern.search(role)), 1)


async def signals(ctx: Context, op: Operation, low: Identity, high: Identity) -> Signals:
    """Everything that says ``op`` belongs to ``high``'s role rather than ``low``'s."""
    scopes = _scopes(ctx, op, low)
    strong = [s for s in (scopes, await _method(ctx, op, low)) if s]
    hints = await _siblings(ctx, op, low, high)
    if role_403(op):
        hints.append("the contract documents a 403 answer for it")
    stated = marking(op)
    if stated is not None and stated.stated and stated.above(low.role):
        hints.append(stated.where)
    words = " ".join((op.path, *op.tags, op.operation_id or ""))
    if match := _NAMING.search(words):
        hints.append(f"its name says {match.group(2)!r} (a hint, not proof)")
    named = await role_named(ctx, op, low)
    hints += [named] if named else []
    marked = stated is not None and stated.above(low.role)
    roles = [s for s in (scopes, stated.where if marked and stated else "", named) if s]
    # The sentence that marks the role may also be the one naming it: said once.
    return Signals(
        strong=tuple(strong), hints=tuple(dict.fromkeys(hints)), roles=tuple(dict.fromkeys(roles))
    )


async def role_named(ctx: Context, op: Operation, low: Identity) -> str:
    """Where the contract names a role ranked above ``low``'s as the one that may call."""
    rank = await ranks(ctx)
    above = {i.role for i in ctx.identities if rank[i.name] > rank[low.name]} - {low.role}
    refused = op.responses.get("403")
    texts = {"summary": op.summary, "description": op.description}
    texts["documented 403"] = refused.description if refused is not None else ""
    for role in sorted(r for r in above if len(r) >= 3):
        said = _role_rule(role)
        for where, text in texts.items():
            if found := said.search(text):
                return f"its {where} says {_sentence(text, found.start(), found.end())!r}"
    return ""


def granted(op: Operation, role: str) -> str:
    """Where the contract gives ``op`` to ``role`` in words, or "".

    "(vets only)" to a vet, "Editors and admins only." to an editor: such a caller
    reaching it is the design, whoever else ranks above it (the Nest and Ninja trials'
    bfla findings). A rule that says who may call and lists the role among them counts.
    """
    if len(role) < 3:
        return ""
    for field in ("summary", "description"):
        text = getattr(op, field)
        found = _role_rule(role).search(text) or _listed_rule(role).search(text)
        if found:
            return f"its {field} says {_sentence(text, found.start(), found.end())!r}"
    return ""


_ITEM = r"(?:the\s+)?[a-z][\w-]*"
_JOIN = r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+|\s*/\s*)"
_ONLY = r"(?:only|restricted to|reserved for|limited to)\s+(?:for\s+)?"


def _listed_rule(role: str) -> re.Pattern[str]:
    """``role`` in the list of roles a rule gives an operation to: "Editors and admins only.",
    "Restricted to staff and support." Never a word elsewhere in the sentence: "List every
    user account (admins only)" gives nothing to users."""
    name = rf"(?:the\s+)?{re.escape(role)}s?"
    return re.compile(
        rf"\b{name}(?:{_JOIN}{_ITEM})+[\s-]+only\b"
        rf"|\b(?:{_ITEM}{_JOIN})+{name}[\s-]+only\b"
        rf"|\b{_ONLY}(?:{_ITEM}{_JOIN})+{name}\b"
        rf"|\b{_ONLY}{name}(?:{_JOIN}{_ITEM})+",
        re.IGNORECASE,
    )


def _role_rule(role: str) -> re.Pattern[str]:
    """A sentence that gives an operation to ``role``: "editors only", "only managers", or
    the role alone in brackets ("List attendees of an event (organizers)")."""
    name = rf"{re.escape(role)}s?"
    return re.compile(
        rf"\b(?:only|restricted to|reserved for|limited to|requires?)\s+(?:the\s+|an?\s+)?{name}\b"
        rf"|\b{name}(?:[\s-]+only|\s+role)\b|" + _bracketed(name),
        re.IGNORECASE,
    )


def role_403(op: Operation) -> bool:
    """True when ``op`` documents a 403 that is not an owner check (see the module docstring)."""
    return "403" in op.responses and not owner_403(op)


def owner_rule(op: Operation) -> bool:
    """True when ``op``'s words give it to its object's owner ("Workspace owners only.")."""
    return bool(_OWNER_RULE.search(op.summary) or _OWNER_RULE.search(op.description))


def owner_403(op: Operation) -> bool:
    """True when ``op`` documents its 403 as an owner check: the 403 says so ("Not yours",
    "Owner only"), or the operation gives itself to its object's owner ("Change the plan of
    a workspace (workspace owner)", "Only the owner may delete it")."""
    refused = op.responses.get("403")
    if refused is None:
        return False
    return bool(
        _OWNERSHIP.search(refused.description)
        or _OWNER_RULE.search(op.summary)
        or _OWNER_RULE.search(op.description)
    )


def _scopes(ctx: Context, op: Operation, low: Identity) -> str:
    held = token_scopes(ctx, low)
    needed = [{s for scopes in alt.values() for s in scopes} for alt in op.security]
    if held is None or not needed or not all(needed):
        return ""
    if all(alt - held for alt in needed):
        missing = sorted(set.union(*(alt - held for alt in needed)))
        return f"it requires scope {', '.join(missing)}, which {low.name}'s token does not carry"
    return ""


def token_scopes(ctx: Context, identity: Identity) -> set[str] | None:
    """The scopes in the identity's JWT (``scope``, ``scp``...), None when not visible."""
    for _, value in ctx.sessions.credentials(identity).headers:
        claims = _claims(value.split(" ")[-1])
        for key in ("scope", "scp", "scopes", "permissions"):
            held = claims.get(key) if claims else None
            if isinstance(held, str):
                return set(held.split())
            if isinstance(held, list):
                return {str(s) for s in held}
    return None


def _claims(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def _method(ctx: Context, op: Operation, low: Identity) -> str:
    read = ctx.api.operation("GET", op.path)
    if op.method == "GET" or read is None or not role_403(op) or "403" in read.responses:
        return ""
    if (await ctx.legit(read, low)).status in REFUSED:
        return ""
    return (
        f"GET {op.path} is open to {low.name} and documents no 403, while {op.method} "
        "on the same path documents one"
    )


async def _siblings(ctx: Context, op: Operation, low: Identity, high: Identity) -> list[str]:
    family = [
        o
        for o in ctx.probes
        if o.method == "GET"
        and o.key != op.key
        and not o.is_public
        and _related(o, op)
        and not owner_403(o)  # its refusals say whose object it is, not whose role
    ]
    refused = []
    for other in family:
        mine, theirs = await ctx.legit(other, low), await ctx.legit(other, high)
        if mine.status in REFUSED and theirs.ok:
            refused.append(other.key)
    if not refused:
        return []
    return [f"{low.name} is refused on {', '.join(refused[:3])} of the same family"]


def _related(a: Operation, b: Operation) -> bool:
    if a.tags and b.tags:
        return bool(set(a.tags) & set(b.tags))
    return a.path.rsplit("/", 1)[0] == b.path.rsplit("/", 1)[0]
