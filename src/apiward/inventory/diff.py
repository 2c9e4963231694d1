"""Traffic against the contract: shadow, zombie and never-seen endpoints, as findings.

* shadow: a method on a template the contract does not document, that answered with
  something other than 404/405/410/501 (a scanner's misses are not endpoints);
* zombie: a deprecated operation, or one under an old version segment (``/v1`` when
  the contract documents ``/v2``), still answering. Only the contract says which version
  is current: an undocumented newer version in traffic (``/v3/beta``) is a shadow API,
  and never makes the documented current one a zombie;
* unseen: documented operations no request reached (info: maybe dead, maybe rare), as
  one finding listing them, so a large contract does not bury the real findings.
Both shadow and zombie are OWASP API9:2023 (improper inventory management); either
is high rather than medium when its traffic carried personal or secret data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

from apiward.core.findings import (
    Exchange,
    Finding,
    Location,
    RecordedRequest,
    RecordedResponse,
    Severity,
)
from apiward.inventory.cluster import Endpoint, Usage
from apiward.inventory.datamap import SensitiveField
from apiward.inventory.observation import Observation
from apiward.inventory.segments import VERSION
from apiward.inventory.templates import segments
from apiward.spec import Api

OWASP = "API9:2023"
EVIDENCE_CHARS = 2000
_PARAM = re.compile(r"\{[^{}/]*\}")


class State(StrEnum):
    """What an operation seen in traffic is, against the contract."""

    DOCUMENTED = "documented"
    SHADOW = "shadow"
    ZOMBIE = "zombie"
    UNROUTED = "unrouted"
    """Undocumented and never served (only 404/405...): probes, typos, scanners."""
    UNKNOWN = "unknown"
    """No contract was given."""


def states(endpoints: Sequence[Endpoint], api: Api | None) -> dict[str, State]:
    """Each seen operation's state, by ``METHOD /template``."""
    if api is None:
        return {u.key: State.UNKNOWN for e in endpoints for u in e.usages}
    paths = {op.path for op in api.operations}
    deprecated = {op.key for op in api.operations if op.deprecated}
    return {
        u.key: _state(u, u.key in deprecated, _old_version(u.path, paths))
        for e in endpoints
        for u in e.usages
    }


def _state(usage: Usage, deprecated: bool, old: bool) -> State:
    if not usage.live:
        return State.DOCUMENTED if usage.documented else State.UNROUTED
    if deprecated or old:
        return State.ZOMBIE
    return State.DOCUMENTED if usage.documented else State.SHADOW


def _old_version(path: str, others: Iterable[str]) -> bool:
    mine = [_PARAM.sub("{}", s) for s in segments(path)]
    for index, part in enumerate(mine):
        if (version := VERSION.match(part)) is None:
            continue
        for other in others:
            theirs = [_PARAM.sub("{}", s) for s in segments(other)]
            newer = len(theirs) > index and VERSION.match(theirs[index])
            if newer and theirs[:index] == mine[:index] and int(newer[1]) > int(version[1]):
                return True
    return False


def diff(
    endpoints: Sequence[Endpoint], api: Api, fields: Sequence[SensitiveField] = ()
) -> tuple[Finding, ...]:
    """The shadow and zombie operations in traffic, and the documented ones never seen."""
    state = states(endpoints, api)
    found = [
        _finding(u, state[u.key], api, _classes(fields, u.key))
        for e in endpoints
        for u in e.usages
        if state[u.key] in (State.SHADOW, State.ZOMBIE)
    ]
    unseen = never_seen(endpoints, api)
    if unseen:
        found.append(_unseen(unseen, len(api.operations), api.source))
    return tuple(found)


def never_seen(endpoints: Sequence[Endpoint], api: Api) -> tuple[str, ...]:
    """The documented operations no request in the traffic reached, in contract order."""
    seen = {u.key for e in endpoints for u in e.usages}
    return tuple(op.key for op in api.operations if op.key not in seen)


def _classes(fields: Sequence[SensitiveField], key: str) -> tuple[str, ...]:
    hits = {
        f"{kind} ({f.place} {f.name})" for f in fields if f.operation == key for kind in f.observed
    }
    return tuple(sorted(hits))


def _finding(usage: Usage, state: State, api: Api, classes: tuple[str, ...]) -> Finding:
    severity = Severity.HIGH if classes else Severity.MEDIUM
    carried = f"; its traffic carried {', '.join(classes)}" if classes else ""
    if state is State.SHADOW:
        return Finding(
            check="inventory.shadow",
            title="Undocumented endpoint answers requests",
            severity=severity,
            owasp=OWASP,
            cwe="CWE-1059",
            operation=usage.key,
            detail=f"{usage.key} is not in the contract, yet {_seen(usage)}{carried}.",
            remediation=(
                "Document the endpoint and give it the controls documented ones have, "
                "or remove it from the deployment."
            ),
            evidence=(exchange(usage.sample),),
            tags=("inventory",),
        )
    op = api.operation(usage.method, usage.path)
    why = "an undocumented old API version"
    if op is not None:
        why = "deprecated in the contract" if op.deprecated else "an old API version"
    return Finding(
        check="inventory.zombie",
        title="Deprecated or old-version endpoint still answers",
        severity=severity,
        owasp=OWASP,
        cwe="CWE-1059",
        operation=usage.key,
        location=Location(source=op.document or api.source, pointer=op.pointer) if op else None,
        detail=f"{usage.key} is {why}, yet {_seen(usage)}{carried}.",
        remediation=(
            "Retire it (answer 410 Gone) once clients have moved to the current version; "
            "until then, give it the current version's authentication and checks."
        ),
        evidence=(exchange(usage.sample),),
        tags=("inventory",),
    )


def _seen(usage: Usage) -> str:
    statuses = ", ".join(f"{s}×{n}" for s, n in usage.statuses.items()) or "status unknown"
    when = ""
    if usage.first_seen and usage.last_seen:
        first, last = (f"{t:%Y-%m-%dT%H:%M:%SZ}" for t in (usage.first_seen, usage.last_seen))
        when = f" at {first}" if first == last else f" between {first} and {last}"
    clients = f" from {usage.clients} client(s)" if usage.clients else ""
    return f"it received {usage.calls} call(s){when}{clients} ({statuses})"


def _unseen(keys: tuple[str, ...], documented: int, source: str) -> Finding:
    return Finding(
        check="inventory.unseen",
        title="Documented endpoints never seen in traffic",
        severity=Severity.INFO,
        owasp=OWASP,
        location=Location(source=source, pointer="/paths"),
        detail=f"{len(keys)} of {documented} documented operations had no request: {', '.join(keys)}.",
        remediation=(
            "If nobody uses them, retire them; if the traffic read was partial, "
            "add the missing logs before concluding."
        ),
        tags=("inventory",),
    )


def exchange(observation: Observation) -> Exchange:
    """An observation as evidence: what was sent and what came back, bodies cut short."""
    query = "&".join(observation.query)
    request = RecordedRequest(
        method=observation.method,
        url=f"{observation.path}?{query}" if query else observation.path,
        headers=_content_type(observation.request_content_type),
        body=(observation.request_body or "")[:EVIDENCE_CHARS],
    )
    response = None
    if observation.status is not None:
        response = RecordedResponse(
            status=observation.status,
            headers=_content_type(observation.response_content_type),
            body=(observation.response_body or "")[:EVIDENCE_CHARS],
        )
    return Exchange(request=request, response=response, note=f"seen at {observation.source}")


def _content_type(value: str | None) -> tuple[tuple[str, str], ...]:
    return (("content-type", value),) if value else ()
