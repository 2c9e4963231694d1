"""Looking for endpoints the contract does not document: shared by the inventory checks.

* **Where to look** comes from the contract itself: its real path prefixes (``/api``,
  ``/api/v2``) and resource names (``users``, ``accounts``), combined with short word
  lists by the checks, and never a path the contract documents (templates matched).
* **What counts as alive**: the API's answer to paths that cannot exist is fingerprinted
  first (random paths under each prefix); a probe is alive only with a 2xx whose body
  holds data and is not like any of those (catch-all pages, SPA shells, soft 404s).
* **How bad** follows the content (:func:`judge`): secrets (``config_secrets``: a
  field named like one counts, whatever its length) or configuration → high,
  lists of people's records → high, API documentation → info, anything else → low.
"""

from __future__ import annotations

import csv
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from apiward.core.findings import Severity
from apiward.scan.checks._secrets import config_secrets, is_personal
from apiward.scan.checks.exposure import walk_open
from apiward.scan.context import Context
from apiward.scan.destructive import why_destructive
from apiward.scan.diff import SAME, meaningful, similarity
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation, json_types

VERSION = re.compile(r"^v(\d+)$", re.IGNORECASE)
MAX_RESOURCES = 12
_CONFIG_KEY = re.compile(
    r"secret|password|passwd|database|dsn|db_?url|private_?key|api_?key|signing|"
    r"jwt|smtp|aws_|debug|env",
    re.IGNORECASE,
)
_DOCS = re.compile(r'"(openapi|swagger)"\s*:|<title>[^<]*(swagger|redoc|api doc)', re.IGNORECASE)


def segments(path: str) -> list[str]:
    """The non-empty segments of ``path``."""
    return [s for s in path.split("/") if s]


def prefixes(api: Api) -> list[str]:
    """The contract's static path prefixes up to its version segment (``""`` first).

    Without a version segment, a first segment is a prefix only when at least half the
    contract's paths start with it and no path id follows it (``/api/users``, ``/api/orders``):
    a contract served under its own base path starts its paths with its resources
    (``/documents``, ``/users/{id}``), and those are no prefixes to hide paths under.
    """
    paths = {op.path for op in api.operations}
    firsts = Counter(parts[0] for parts in map(segments, paths) if len(parts) > 1)
    shared = {s for s, n in firsts.items() if 2 * n >= len(paths)} - _followed_by_ids(api)
    found: set[str] = {""}
    for path in paths:
        parts = segments(path)
        version = next((i + 1 for i, p in enumerate(parts) if VERSION.match(p)), 0)
        cut = version or (1 if len(parts) > 1 and parts[0] in shared else 0)
        for i in range(1, cut + 1):
            if "{" in parts[i - 1]:
                break
            found.add("/" + "/".join(parts[:i]))
    return sorted(found, key=lambda p: (p.count("/"), p))


def resources(api: Api) -> list[str]:
    """The contract's most common static resource names (no versions, no prefix words)."""
    bases = {s for p in prefixes(api) for s in segments(p)}
    counts = Counter(
        s
        for op in api.operations
        for s in segments(op.path)
        if "{" not in s and s not in bases and not VERSION.match(s)
    )
    return [name for name, _ in counts.most_common(MAX_RESOURCES)]


def collections(api: Api) -> list[str]:
    """The resource names (:func:`resources`, same order) that name collections of records.

    A name is a collection's when a path parameter follows it somewhere (``/users/{id}``)
    or a GET on a path ending in it answers a JSON array: ``me`` or ``auth`` hold no
    records to export or dump.
    """
    listed = {segments(op.path)[-1] for op in api.operations if _lists(api, op)}
    return [name for name in resources(api) if name in _followed_by_ids(api) | listed]


def _followed_by_ids(api: Api) -> set[str]:
    """The static segments a path parameter follows somewhere (``users`` of ``/users/{id}``)."""
    return {
        parts[i]
        for op in api.operations
        for parts in [segments(op.path)]
        for i in range(len(parts) - 1)
        if "{" not in parts[i] and parts[i + 1].startswith("{")
    }


def _lists(api: Api, operation: Operation) -> bool:
    """A GET whose first documented 2xx JSON answer is an array."""
    if operation.method != "GET" or not segments(operation.path):
        return False
    for status, response in sorted(operation.responses.items()):
        if status.startswith("2"):
            schemas = [s for media, s in response.content.items() if "json" in media]
            return bool(schemas) and "array" in json_types(api.deref(schemas[0]))
    return False


def documented(api: Api, path: str) -> bool:
    """True when ``path`` matches a path template of the contract."""
    return any(_template(op.path).match(path) for op in api.operations)


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "/?$")


def unique(paths: Iterable[str], api: Api, limit: int) -> list[str]:
    """``paths`` without repeats, documented ones and destructive ones, at most ``limit``."""
    kept: list[str] = []
    for path in paths:
        if path in kept or why_destructive("GET", path) is not None:
            continue
        if not documented(api, path):
            kept.append(path)
        if len(kept) >= limit:
            break
    return kept


_REFUSED = frozenset({401, 403})
"""What an API answers a request that lacks credentials."""


@dataclass(slots=True)
class NotFound:
    """How the API answers paths that cannot exist."""

    replies: list[Reply]

    def like(self, reply: Reply) -> bool:
        """True when ``reply`` looks like the API's answer to nonsense."""
        return any(
            r.status == reply.status and similarity(r.text, reply.text) >= SAME
            for r in self.replies
        )

    def alive(self, reply: Reply) -> bool:
        """A 2xx with data, unlike the catch-all answers."""
        return reply.ok and meaningful(reply.text) and not self.like(reply)

    def guarded(self, reply: Reply) -> bool:
        """A refusal for want of credentials where nonsense gets another answer: the path is there."""
        return reply.status in _REFUSED and not self.like(reply)

    @property
    def refuses_all(self) -> bool:
        """True when even nonsense is refused for want of credentials (authentication before routing)."""
        return bool(self.replies) and all(r.status in _REFUSED for r in self.replies)


async def fingerprint(
    ctx: Context, bases: Iterable[str], caller: Identity | None = None
) -> NotFound:
    """The API's answers to two random paths under each of ``bases`` (asked once per scan),
    anonymously or as ``caller``."""
    replies: list[Reply] = []
    who = caller.name if caller is not None else ""
    for base in bases:
        for shape in ("{base}/apiward-{word}", "{base}/apiward/{word}"):
            path = shape.format(base=base, word=secrets.token_hex(6))
            send = partial(
                ctx.send, Request(method="GET", path=path), as_=caller, note="404 fingerprint"
            )
            replies.append(await ctx.shared(("404 fingerprint", shape, base, who), send))
    return NotFound(replies=replies)


def judge(reply: Reply, public: frozenset[str] = frozenset()) -> tuple[Severity, str]:
    """How bad it is that ``reply`` is served: by what it holds (``public``: contract examples)."""
    data = structured(reply)
    found = sorted({kind for _, kind, _ in config_secrets(data, public=public)}) if data else []
    if found:
        return Severity.HIGH, "secrets (" + ", ".join(found) + ")"
    if data is not None and _config(data):
        return Severity.HIGH, "configuration values"
    if data is not None and _people(data):
        return Severity.HIGH, "records of people"
    if _DOCS.search(reply.text[:5000]):
        return Severity.INFO, "API documentation"
    return Severity.LOW, "an answer with data"


def structured(reply: Reply) -> Any:
    """The body as JSON, or a CSV table as a list of records, or None."""
    data = reply.data
    if data is not None:
        return data
    lines = reply.text.strip().splitlines()
    if len(lines) < 2:
        return None
    delimiter = next((d for d in ",;\t|" if d in lines[0]), None)
    if delimiter is None:
        return None
    rows = list(csv.DictReader(lines, delimiter=delimiter))
    width = lines[0].count(delimiter) + 1
    return rows if all(len(row) == width and None not in row for row in rows) else None


def _config(data: Any) -> bool:
    """A mapping with several configuration-like keys holding values."""
    keys = {name for _, name, value, _ in walk_open(data) if value not in (None, "", [], {})}
    return sum(1 for k in keys if _CONFIG_KEY.search(k)) >= 2


def _people(data: Any) -> bool:
    """Several records with personal fields (a list, or a list under one key)."""
    items = (
        data
        if isinstance(data, list)
        else next((v for v in data.values() if isinstance(v, list)), [])
        if isinstance(data, dict)
        else []
    )
    records = [i for i in items if isinstance(i, dict) and any(is_personal(k) for k in i)]
    return len(records) >= 2


def versions(path: str) -> Iterator[tuple[int, int]]:
    """``(index, number)`` of each version segment of ``path``."""
    for index, part in enumerate(segments(path)):
        match = VERSION.match(part)
        if match:
            yield index, int(match[1])


def with_version(path: str, index: int, number: int) -> str:
    """``path`` with its ``index``-th segment replaced by ``v<number>``."""
    parts = segments(path)
    parts[index] = f"v{number}"
    return "/" + "/".join(parts)
