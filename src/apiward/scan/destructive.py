"""Which operations destroy or reset state, whatever their method, and why.

The method is not enough: someone else's API may wipe its database on ``GET /createdb``.
An operation is *destructive* when

* its method is ``DELETE``; or
* a **name** speaks of destruction: a literal path segment, or the operationId, split into
  words at ``/ _ - .``, camelCase and digits (``/api/resetDB`` → api, reset, db). A word
  must be a destructive verb *exactly* — ``reset``, ``wipe``, ``drop``, ``purge``,
  ``truncate``, ``flush``, ``destroy``, ``erase``, ``delete``, ``remove``, ``clear``,
  ``prune``, ``init``/``initialise``/``initialize``, ``seed``, ``shutdown``, ``restart``,
  ``reboot``, ``terminate``, ``kill``, ``revoke``, ``logout``/``signout``/``logoff`` (and
  their ``re``-prefixed forms) — or such a verb glued to what it destroys (``createdb``,
  ``dropdb``, ``wipeall``, ``deleteall``, ``logoutall``), or ``create``/``recreate``/
  ``init`` next to ``db``/``database`` (``create-db``, ``createDatabase``). Whole words
  only: ``initials``, ``seeds``, ``dropdown``, ``deleted``, ``clearance`` are not verbs,
  so a listing of seeds or of deleted items stays a read; or
* the **summary** starts with such a verb (``Deletes a pet``, ``Reset demo data``); or
* the summary or **description** uses a strong verb on state in prose: the verb (``wipes``,
  ``resets``, ``drops``...) followed, within a few small words, by what it destroys
  (``the database``, ``all data``, ``every user``, ``the server``). Prose is weighed
  lightly on purpose: "deleted items are not shown" says nothing about what the
  operation does.

Nouns that double as verbs (``seed``, ``drop``, ``init``, ``initialise``, ``kill``) count
only as the first word of their segment, alone or followed by what they destroy
(``/seed``, ``seed-db``, ``/swarm/init``; not ``seed_custom_feeds``, ``uploadInit``). A verb
that qualifies a noun (``restart_count``, ``delete_protection``) is not a command.
Ending sessions counts when it ends every session (``logout-all``, ``sign-out-everywhere``,
``revoke_all``) or a named object's (``/admin/users/{id}/log_out``, ``/keys/{id}/revoke``);
a plain ``POST /logout`` ends only the caller's own session. So does a verb that shuts an
account out (``deactivate``, ``disable``, ``suspend``, ``ban``, ``block``, ``lock``,
``freeze``) starting a segment of a write's path or operationId: on an identity's own account it would lock the scan
out of it, and the account's owner with it.

The engine never sends a destructive operation except on objects the scan created
(``Context.send`` raises :class:`Destructive`), and never at all under ``--safe``.
"""

from __future__ import annotations

import re

from apiward.spec import Operation


class Destructive(Exception):  # noqa: N818 — a refusal, like Withheld, not an error
    """A request to a destructive operation on something the scan did not create."""

    def __init__(self, key: str, why: str, *, safe: bool = False) -> None:
        rule = "never sent under --safe" if safe else "sent only on objects the scan created"
        super().__init__(f"{key} destroys or resets state ({why}): {rule}")
        self.key = key
        self.why = why


_VERBS = frozenset(
    {
        "reset",
        "wipe",
        "drop",
        "purge",
        "truncate",
        "flush",
        "destroy",
        "erase",
        "delete",
        "remove",
        "clear",
        "prune",
        "init",
        "initialise",
        "initialize",
        "seed",
        "shutdown",
        "restart",
        "reboot",
        "terminate",
        "kill",
    }
)
_ENDERS = frozenset({"logout", "signout", "logoff", "revoke"})
"""Verbs that end sessions: destructive for everyone's (``logout-all``) or a named one's."""
_LOCKERS = frozenset(
    {"deactivate", "disable", "suspend", "ban", "block", "lock", "lockout", "freeze"}
)
"""Verbs that shut an account out: the Ninja trial's ``--aggressive`` scan sent
``POST /api/admin/users/{username}/deactivate`` as its admin's baseline, on the admin."""
_EVERYONE = frozenset({"all", "every", "everywhere", "everyone", "others", "sessions", "tokens"})
_AMBIGUOUS = frozenset({"seed", "drop", "init", "initialise", "initialize", "kill"})
"""Verbs that are also nouns (``seeds``, a ``drop``, ``init`` of an upload): destructive only
as the first word of their segment, alone or followed by what they destroy (``seed-db``)."""
_QUALIFIED = frozenset(
    {"count", "counts", "status", "history", "stats", "log", "logs", "time", "date", "at"}
    | {"reason", "reasons", "policy", "policies", "settings", "config", "protection", "preview"}
)
"""Nouns a verb qualifies rather than acts on: ``restart_count``, ``delete_protection``."""
_PAIRS = {("shut", "down"): "shutdown", ("log", "out"): "logout", ("sign", "out"): "signout"}
_PAIRS |= {("log", "off"): "logoff", ("sign", "off"): "logoff"}
_MAKERS = frozenset({"create", "recreate", "init", "setup", "rebuild", "migrate"})
"""Verbs that destroy only what they (re)build from scratch: a database, a schema."""
_STORES = frozenset({"db", "database", "databases", "schema", "table", "tables"})
_OBJECTS = _STORES | frozenset({"all", "everything", "data", "everywhere", "sessions", "tokens"})
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_PROSE = re.compile(
    r"\b(?P<verb>wipe|reset|drop|purge|truncate|flush|destroy|erase|delete|remove|clear|"
    r"prune|seed|reseed|reinitiali[sz]e|initiali[sz]e|shut|restart|reboot|terminate|revoke)"
    r"(?:s|es|ing)?\b(?: down)?"
    r"(?P<small>(?:\s+(?:the|a|an|all|every|each|any|this|that|your|its|their|of|and|"
    r"entire|whole|existing|current|stored|demo|test|sample|in))*)"
    r"\s+(?P<what>database|databases|db|data|dataset|everything|tables?|schema|records|"
    r"users|accounts|sessions|tokens|server|service|system|instance|application|app|store)\b",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """``text`` split into lower-case words at punctuation, camelCase and digits."""
    return [w.lower() for part in re.split(r"[^A-Za-z0-9]+", text) for w in _CAMEL.findall(part)]


def _glued(word: str) -> str | None:
    """The destructive verb ``word`` is, or starts with when glued to a store (``dropdb``)."""
    bare = word.removeprefix("re") if word.startswith("re") and word[2:] in _VERBS else word
    if bare in _VERBS:
        return bare
    for verb in (*_VERBS, *_MAKERS):
        rest = word.removeprefix(verb)
        if rest != word and rest in (_OBJECTS if verb in _VERBS else _STORES):
            return f"{verb} + {rest}"
    return None


def _joined(found: list[str]) -> list[str]:
    """``found`` with two-word verbs joined (``sign``, ``out`` → ``signout``)."""
    joined: list[str] = []
    for word in found:
        if joined and (joined[-1], word) in _PAIRS:
            joined[-1] = _PAIRS[joined[-1], word]
        else:
            joined.append(word)
    return joined


def _ends_sessions(word: str, then: str) -> str | None:
    """``logout all`` or ``revokeall``: a verb ending every session, or None."""
    for ender in _ENDERS:
        rest = word.removeprefix(ender)
        if rest != word and rest in _EVERYONE:
            return f"{ender} + {rest}"
    return f"{word} + {then}" if word in _ENDERS and then in _EVERYONE else None


def _in_segment(segment: str) -> str | None:
    found = _joined(words(segment))
    after = [*found[1:], ""][: len(found)]
    for index, (word, then) in enumerate(zip(found, after, strict=True)):
        if ended := _ends_sessions(word, then):
            return ended
        if word in _MAKERS and then in _STORES:
            return f"{word} + {then}"
        verb = _glued(word)
        if verb is None or then in _QUALIFIED:
            continue
        if word not in _AMBIGUOUS or (index == 0 and then in {"", *_OBJECTS}):
            return verb
    return None


def _locker(names: str) -> str | None:
    """The verb that starts a segment of ``names`` and shuts an account out, unless it
    qualifies a noun (``lock_status``); a verb inside a name (``getBlock``) is none."""
    for segment in re.split(r"[/.#:?=&\s]", names):
        found = words(segment)
        if found and found[0] in _LOCKERS and (found[1:2] or [""])[0] not in _QUALIFIED:
            return found[0]
    return None


def _in_name(name: str) -> str | None:
    segments = re.split(r"[/.#:?=&]", name)
    return next((v for s in segments if (v := _in_segment(s)) is not None), None)


def _in_summary(summary: str) -> str | None:
    """The verb a summary starts with (``Deletes a pet``), judged like a path segment."""
    first, *rest = [*words(summary)[:2], ""]
    for ending in ("es", "s"):
        if first.endswith(ending) and first.removesuffix(ending) in _VERBS:
            first = first.removesuffix(ending)
    return _in_segment(" ".join([first, *rest])) if first in _VERBS else None


def why_destructive(
    method: str, path: str, *, operation_id: str = "", summary: str = "", description: str = ""
) -> str | None:
    """Why ``method path`` destroys or resets state (a short phrase), or None."""
    if method.upper() == "DELETE":
        return "the DELETE method"
    literal = "/".join(s for s in path.split("/") if not s.startswith("{"))
    if verb := _in_name(literal):
        return f"its path says {verb!r}"
    if verb := _in_name(operation_id):
        return f"its operationId {operation_id!r} says {verb!r}"
    if "{" in path and (ender := next((w for w in _joined(words(literal)) if w in _ENDERS), None)):
        return f"its path says {ender!r} for a named object"
    if method.upper() not in {"GET", "HEAD"} and (locker := _locker(f"{literal} {operation_id}")):
        return f"it may shut an account out ({locker!r})"
    if verb := _in_summary(summary):
        return f"its summary says {verb!r}: {summary.strip()[:60]!r}"
    for label, text in (("summary", summary), ("description", description)):
        if match := _PROSE.search(text):
            return f"its {label} says {' '.join(match.group(0).split())!r}"
    return None


def destructive(operation: Operation) -> str | None:
    """Why ``operation`` destroys or resets state, or None when it does not."""
    return why_destructive(
        operation.method,
        operation.path,
        operation_id=operation.operation_id or "",
        summary=operation.summary,
        description=operation.description,
    )
