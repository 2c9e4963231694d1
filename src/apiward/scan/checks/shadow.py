"""``shadow_endpoints`` (API9) and ``debug_endpoints`` (API8): live paths nobody documented.

Both ask anonymously for a bounded list of paths built from the contract's own prefixes
and resource names (:mod:`.discovery`) and report those alive (2xx, data, unlike the
API's answer to random paths), with the severity their content earns. A path refused for
want of credentials where random paths are not is there: it is asked again as the
identity of least reach, since an internal listing any account reads is as exposed as
one anyone reads. An API that authenticates before it routes refuses random paths too;
there every path goes as that identity.

* ``shadow_endpoints``: common forgotten paths (``internal``, ``admin``, ``backup``,
  ``export``, served API documents...) at the root and under the newest version of each
  prefix, their underscored forms (``/_internal``) at the root, then ``<prefix>/<hidden>/<resource>[/export]`` and ``<prefix>/<resource>/<action>``
  there for the ``HIDDEN_RESOURCES`` most common resources that are collections of records
  (``discovery.collections``: ``/api/v2/internal/users/export``; never ``me`` or ``auth``,
  which hold nothing to export), and ``users`` whether or not the contract lists them;
  last the users' export named the other way round (``/api/admin/export/users``,
  ``/_internal/export/users``). At most ``MAX_SHADOW`` requests.
* ``debug_endpoints``: debug, configuration and framework-introspection paths
  (``debug/config``, ``actuator/env``...) at the root and under the newest version of
  each prefix, their underscored forms (``/_debug/state``) at the root, and files a web
  server serves from its document root (``.env``,
  ``.git/config``, ``phpinfo.php``...) at the root only, where they live: a debug
  feature left on in production is a misconfiguration first. At most ``MAX_DEBUG``
  requests. Then the debug and configuration operations the contract itself lists
  (:mod:`._debug_documented`), reported when their answer gives away secrets.

The lists hold one word per idea, and no word whose answer could not be a finding (a
health check is public by design; a documentation page shows the contract): on the
bundled bank the two checks cost 168 requests with every synonym, 95 without.
The 404 fingerprint is taken under the bases probed, not under every prefix.

Older versions of a prefix get neither list: ``old_versions`` compares them with the
current one, and every word under every version cost a scan of the bundled bank over
350 requests for nothing the newest version did not show.

API documentation (an OpenAPI or Swagger document, a Swagger UI or ReDoc page) is the
contract made public, not a forgotten endpoint: it is reported only when a served
document lists operations the contract does not, and then those operations are named.
Values the contract gives as examples are not secrets wherever they reappear.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome
from apiward.scan.checks._debug_documented import documented
from apiward.scan.checks._discovery import (
    VERSION,
    NotFound,
    collections,
    fingerprint,
    judge,
    prefixes,
    segments,
    unique,
)
from apiward.scan.checks._privilege import ranks
from apiward.scan.checks._secrets import contract_values
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.spec import Api

MAX_SHADOW = 80
MAX_DEBUG = 40
HIDDEN_RESOURCES = 4
# Words whose answer can be a finding: not a health or status check (public by design),
# not a documentation page (only a served document can name operations the contract lacks),
# not graphql (a GET without a query is refused; its explorer is a documentation page).
WORDS = (
    "internal", "private", "admin", "export", "backup", "dump", "test", "dev", "legacy",
    "swagger.json", "openapi.json", "api-docs",
)  # fmt: skip
UNDERSCORED = ("_internal", "_admin")
"""Internal tools an app mounts beside its API at the root, an underscore first so that no
resource's name clashes with them (``/_internal``): at the root only, where they live."""
HIDDEN = ("internal", "private", "admin")
ACTIONS = ("export", "all", "dump")
PEOPLE = "users"
"""The records an internal listing most often holds, asked for whether or not the contract
names them (``/internal/users``: the Litestar trial's help desk documented no user list)."""
# One name per thing a framework or an app shows: its debug page, its configuration, its
# environment, a heap dump, a console; not every synonym of each (config.json is most
# often a front end's public settings).
DEBUG = (
    "debug", "debug/config", "debug/vars", "debug/pprof", "config", "settings", "env",
    "actuator/env", "actuator/heapdump", "__debug__", "console",
)  # fmt: skip
FIRST_WORDS = 3
"""Debug words asked under every prefix before the root's underscored routes and files."""
DEBUG_UNDERSCORED = ("_debug", "_debug/state", "_debug/config")
"""The same, mounted at the root with an underscore first (``/_debug/config``); at the root only."""
ROOT_FILES = (".env", "phpinfo.php", "server-status", ".git/config", "elmah.axd")
"""Files and handlers of a web server's document root: never under an API's prefix."""


class _Discovery:
    """Probe candidate paths anonymously; report the live ones by content."""

    id = ""
    owasp = ""
    cwe = ""
    remediation = ""
    limit = 0
    safe = True

    candidates: Callable[[Api], Iterator[str]]
    """The paths to try, most telling first: each check below says which."""

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Fingerprint the 404, probe the candidates, report what is alive.

        Anonymously first; a candidate refused for want of credentials where nonsense is
        not is there, so it is asked again as the identity of least reach. Where even
        nonsense is refused (authentication before routing), every candidate goes as it.
        """
        bases = _probed(prefixes(ctx.api))
        wanted = (p for p in self.candidates(ctx.api) if not ctx.scope.why_out_path("GET", p))
        paths = unique(wanted, ctx.api, self.limit)
        missing = await fingerprint(ctx, bases)
        caller = await _least(ctx) if missing.refuses_all else None
        if caller is not None:
            missing = await fingerprint(ctx, bases, caller)
        replies = await asyncio.gather(*(_get(ctx, path, caller) for path in paths))
        guarded = [p for p, r in zip(paths, replies, strict=True) if missing.guarded(r)]
        for outcome in self._report(ctx, paths, replies, missing, caller):
            yield outcome
        low = await _least(ctx) if caller is None and guarded else None
        if low is not None:
            missing = await fingerprint(ctx, bases, low)
            replies = await asyncio.gather(*(_get(ctx, path, low) for path in guarded))
            for outcome in self._report(ctx, guarded, replies, missing, low):
                yield outcome

    def _report(
        self,
        ctx: Context,
        paths: list[str],
        replies: list[Reply],
        missing: NotFound,
        caller: Identity | None,
    ) -> Iterator[Outcome]:
        for path, reply in zip(paths, replies, strict=True):
            if not _alive(missing, reply):
                continue
            if not is_documentation(reply):
                yield self._finding(ctx, path, reply, missing, caller)
            elif extra := undocumented(ctx.api, reply):
                yield self._revealing(ctx, path, reply, extra)

    def _revealing(self, ctx: Context, path: str, reply: Reply, extra: list[str]) -> Outcome:
        shown = ", ".join(extra[:10]) + (f" and {len(extra) - 10} more" if len(extra) > 10 else "")
        return ctx.finding(
            self,
            f"GET {path}",
            title=f"GET {path} serves API documentation naming {len(extra)} undocumented operations",
            severity=Severity.MEDIUM,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"GET {path} answers with an API document that lists operations the "
                f"contract given to the scan does not: {shown}."
            ),
            evidence=[reply],
            key=path,
        )

    def _finding(
        self,
        ctx: Context,
        path: str,
        reply: Reply,
        missing: NotFound,
        caller: Identity | None,
    ) -> Outcome:
        severity, what = judge(reply, contract_values(ctx.api))
        who = "anonymously" if caller is None else f"to {caller.name}"
        sent = (
            "without credentials"
            if caller is None
            else f"to {caller.name} ({caller.role}), the identity of least reach"
        )
        return ctx.finding(
            self,
            f"GET {path}",
            title=f"Undocumented GET {path} answers {who} with {what}",
            severity=severity,
            confidence=Confidence.CONFIRMED if severity >= Severity.HIGH else Confidence.FIRM,
            detail=(
                f"GET {path} is not in the contract, yet it answered {reply.status} {sent} "
                f"with {what}; random paths get "
                f"{', '.join(sorted({str(r.status) for r in missing.replies}))}."
            ),
            evidence=[*missing.replies[:1], reply],
            key=path,
        )


class ShadowEndpoints(_Discovery):
    """Undocumented endpoints that answer."""

    id = "shadow_endpoints"
    title = "Undocumented endpoint answers"
    owasp = "API9:2023"
    cwe = "CWE-1059"
    limit = MAX_SHADOW
    remediation = (
        "Document every endpoint the API serves or remove it; keep internal and export "
        "endpoints off the public listener and behind authentication."
    )

    def candidates(self, api: Api) -> Iterator[str]:
        """Common words under every prefix, then hidden resource paths under the newest ones."""
        bases = _probed(prefixes(api))
        yield from (f"{base}/{word}" for base in bases for word in WORDS)
        yield from (f"/{word}" for word in UNDERSCORED)
        names = collections(api)[:HIDDEN_RESOURCES]
        names += [PEOPLE] if PEOPLE not in names else []
        newest = _newest(prefixes(api)) or [""]
        for base in newest:
            for name in names:
                for hidden in HIDDEN:
                    yield f"{base}/{hidden}/{name}"
                    yield f"{base}/{hidden}/{name}/{ACTIONS[0]}"
                yield from (f"{base}/{name}/{action}" for action in ACTIONS)
        # The export named before what it exports: the Django Ninja trial's
        # /api/admin/export/users, the Sanic trial's /_internal/export/users.
        for base in newest:
            yield from (
                f"{base}/{hidden}/{ACTIONS[0]}/{PEOPLE}" for hidden in HIDDEN[::2]
            )  # internal, admin
        yield f"/{UNDERSCORED[0]}/{ACTIONS[0]}/{PEOPLE}"


class DebugEndpoints(_Discovery):
    """Debug and configuration endpoints left on."""

    id = "debug_endpoints"
    title = "Debug or configuration endpoint exposed"
    owasp = "API8:2023"
    cwe = "CWE-215"
    limit = MAX_DEBUG
    remediation = (
        "Turn debug features off in production builds; never serve configuration or "
        "environment over HTTP; rotate every secret such an endpoint has shown."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """The undocumented debug paths, then the documented debug operations."""
        async for outcome in super().run_once(ctx):
            yield outcome
        async for outcome in documented(self, ctx):
            yield outcome

    def candidates(self, api: Api) -> Iterator[str]:
        """Each debug word under every prefix (deepest first) in turn, the root's own early.

        Word by word, not prefix by prefix: with many prefixes the request cap would
        otherwise end the list before the root's ``/_debug/config`` was ever asked.
        """
        bases = sorted(_probed(prefixes(api)), key=lambda p: -p.count("/"))
        for turn, word in enumerate(DEBUG):
            yield from (f"{base}/{word}" for base in bases)
            if turn == FIRST_WORDS - 1:
                yield from (f"/{word}" for word in (*DEBUG_UNDERSCORED, *ROOT_FILES))


def _probed(bases: list[str]) -> list[str]:
    """The root and the newest version of each prefix (every prefix when none is versioned)."""
    newest = _newest(bases)
    return ["", *[b for b in newest if b]] if "" in bases else newest


def _newest(bases: list[str]) -> list[str]:
    """Versioned prefixes keeping only the highest version of each; or the unversioned ones."""
    best: dict[str, tuple[int, str]] = {}
    for base in bases:
        parts = segments(base)
        match = VERSION.match(parts[-1]) if parts else None
        if match:
            stem = "/".join(parts[:-1])
            if stem not in best or int(match[1]) > best[stem][0]:
                best[stem] = (int(match[1]), base)
    return [base for _, base in best.values()] or [b for b in bases if b]


async def _get(ctx: Context, path: str, caller: Identity | None = None) -> Reply:
    return await ctx.send(Request(method="GET", path=path), as_=caller, note="undocumented path")


async def _least(ctx: Context) -> Identity | None:
    """The identity that reaches least (``_privilege.ranks``), or None without identities."""
    if not ctx.identities:
        return None
    rank = await ranks(ctx)
    return min(ctx.identities, key=lambda i: rank[i.name])


def _alive(missing: NotFound, reply: Reply) -> bool:
    return missing.alive(reply)


_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
_DOC_PAGE = re.compile(r"<title>[^<]*(swagger|redoc|api doc|openapi)", re.IGNORECASE)


def is_documentation(reply: Reply) -> bool:
    """An OpenAPI/Swagger document, or a Swagger UI / ReDoc page."""
    data = reply.data
    if isinstance(data, dict) and ("openapi" in data or "swagger" in data):
        return True
    return bool(_DOC_PAGE.search(reply.text[:5000]))


def undocumented(api: Api, reply: Reply) -> list[str]:
    """``METHOD /path`` of a served document's operations that the contract lacks."""
    data = reply.data
    paths = data.get("paths") if isinstance(data, dict) else None
    if not isinstance(paths, dict):
        return []  # a documentation page: it shows the contract, nothing more
    known = {(op.method, _shape(op.path)) for op in api.operations}
    extra = [
        f"{method.upper()} {path}"
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in item
        if method in _METHODS and (method.upper(), _shape(str(path))) not in known
    ]
    return sorted(extra)


def _shape(path: str) -> str:
    """A path template with its parameter names erased: ``/a/{x}`` and ``/a/{id}`` agree."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")
