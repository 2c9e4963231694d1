"""``path_traversal``: file-name inputs that reach files outside the folder they are meant for.

Inputs are file-like when the contract says so: a name about files or paths (``file``,
``filename``, ``path``, ``folder``, ``attachment``, ``document``…), an example or default
value with a file extension, or a ``name``-like input of an operation about downloads,
exports, files or documents. Each gets a short list of read-only payloads — enough
``../`` to reach the root from any depth, then ``etc/passwd`` (plain, URL-encoded, the
``....//`` form that survives one pass of ``../`` stripping, and absolute), and the
Windows ``win.ini`` — and it is a finding when the answer holds the file's signature
(``root:x:0:0:``, ``[fonts]``) and the legitimate answer does not: the file was read.

Only reads get them (a GET, or a POST that only asks: a preview, a search): a write may
name the file it writes, moves or deletes. The Litestar trial's export moved its CSV to
the ``filename`` the body named, and ``../../etc/passwd`` failed only because that
trial's shell ran as ``nobody``; a DELETE by file name would remove what it names. Not
even ``--aggressive`` sends a system file's path to a write.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._injection import Caller, Input, inputs, probe, start
from apiward.scan.context import Context
from apiward.scan.questions import changes_nothing
from apiward.spec import Operation, json_types

DEPTH = 12
_UNIX = re.compile(r"root:[^:\n]{0,40}:0:0:")
_WINDOWS = re.compile(r"\[fonts\]|for 16-bit app support", re.IGNORECASE)
PAYLOADS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("relative", "../" * DEPTH + "etc/passwd", _UNIX),
    ("URL-encoded", "..%2f" * DEPTH + "etc%2fpasswd", _UNIX),
    ("stripping-proof", "....//" * DEPTH + "etc/passwd", _UNIX),
    ("absolute", "/etc/passwd", _UNIX),
    ("Windows", "..\\" * DEPTH + "windows\\win.ini", _WINDOWS),
)
_FILEISH = re.compile(
    r"file|path|folder|(^|_|-)dir(ectory)?($|_|-)|attachment|document|(^|_|-)doc($|_|-)|"
    r"include|(^|_|-)template($|_|-)|download",
    re.IGNORECASE,
)
_NAMEISH = re.compile(r"(^|_|-)(name|key|report|statement|export)s?$", re.IGNORECASE)
# Words that start after a non-letter: "user_files" is about files, "profile" is not.
_FILE_OPERATION = re.compile(
    r"(?<![a-z])(download|export|file|document|attachment|report|asset|static)", re.IGNORECASE
)
_READS = frozenset({"GET", "HEAD"})
_WRITES = (
    "a write's file name is never sent a system file's path: it may write, move or delete "
    "the file it names"
)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{2,5}$")
_URLISH = re.compile(r"(?i:(^|_|-)(url|uri|href|link)s?)$|[a-z0-9](Url|URL|Uri|URI|Href|Link)s?$")


class PathTraversal:
    """File-name inputs that read files outside their folder."""

    id = "path_traversal"
    title = "Path traversal"
    owasp = "API8:2019"  # Injection: the 2023 edition folds it into others
    cwe = "CWE-22"
    safe = True  # read-only payloads
    remediation = (
        "Resolve the requested name against the allowed folder and refuse anything whose "
        "resolved path is not inside it (or look files up by an id in a table, never by name)."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Send traversal payloads to every file-like input of ``operation``."""
        items = [i for i in inputs(ctx, operation) if _file_like(operation, i)]
        if items and operation.method.upper() not in _READS and not changes_nothing(operation):
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail=_WRITES)
            return
        who = await start(ctx, operation, items, "no file-like input")
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
        for label, payload, signature in PAYLOADS:
            if signature.search(who.legit.text):
                continue
            attack = await probe(ctx, who, item, payload, f"{label} traversal")
            found = signature.search(attack.text)
            if found is None:
                continue
            return ctx.finding(
                self,
                operation,
                title=f"{item.where} {item.name} reads files outside its folder ({label})",
                severity=Severity.HIGH,
                confidence=Confidence.CONFIRMED,
                detail=(
                    f"{item.name}={payload!r} returned a system file ({found.group(0)!r} in the "
                    "answer, not in the legitimate one): any file the server can read is exposed, "
                    "configuration and keys included."
                ),
                evidence=[who.legit, attack],
                key=item.key,
            )
        return None


def _file_like(operation: Operation, item: Input) -> bool:
    """True when the contract suggests the input names a file or a path."""
    if json_types(item.schema) - {"string", "null"} or _URLISH.search(item.name):
        return False
    if item.schema.get("format") in {"uri", "url", "iri", "uuid", "date", "date-time", "email"}:
        return False
    if _FILEISH.search(item.name) or _FILEISH.search(item.description):
        return True
    given = [item.schema.get(k) for k in ("example", "default")]
    given += list(item.schema.get("examples", ()) or ())
    if any(isinstance(v, str) and _EXTENSION.search(v) for v in given):
        return True
    about = " ".join((operation.path, operation.summary, operation.description, *operation.tags))
    return bool(_NAMEISH.search(item.name) and _FILE_OPERATION.search(about))
