"""The scanner: attacks a running API from its contract and real identities, with evidence.

A scan runs in four phases (``scan.runner``)::

    authenticate   log every identity in (identities file: ``scan.identities``, ``scan.sessions``)
    harvest        run listings and creations per identity; learn who sees and owns which ids
                   and where each id fits (``scan.harvest``)
    checks         every check × operation (``scan.checks``), each deciding by comparing
                   attacked answers with legitimate ones (``scan.diff``)
    restore        put back what the checks changed, delete what they made, log in again
                   (``scan.ledger`` records every write as it goes; ``scan.restore``)

Modules, one concept each:

    request      Request: a value (path template + values, query, headers, body), never a host
    synthesis    a valid request per operation from the schemas (examples, formats, patterns)
    fields       what a field's name says: privilege fields, unique fields, identifiers
    flows        what an operation's words say: login, sign-up, password reset (public flows)
    values       the values a field can hold: seen in answers, enum, type; fresh unique ones
    transport    the only way out: one target URL, keep-alive, --concurrency / --rate, recorded
    identities   the identities file, with file:line errors
    sessions     sending as an identity or anonymously (no credentials at all); token refresh
    login        one login: the request it sends, the credential it yields or why not
    cookies      one identity's cookie jar (path, expiry, deletion)
    harvest      producer/consumer map of object ids, and ownership among peers
    diff         body similarity and the leaves that tell two owners' answers apart
    canary       out-of-band HTTP listener on 127.0.0.1: tokens, and hits that carry them
    withhold     which legitimate writes are never sent (others' objects, privilege fields)
    ledger       every write the scan sends: snapshots before the first write, objects made
    restore      the restore phase and TargetChange, one row of the report's target state
    destructive  which operations destroy or reset state, whatever their method
    scope        --include/--exclude patterns: which operations a scan may touch
    context      Context: everything a check may use, and nothing global
    check        the Check protocol, Skip and SkipReason
    checks/      the checks, registered in one tuple (checks/__init__.py has an example)
    runner       scan() and Scan: the phases, progress, coverage, partial results

Writing a check: see :mod:`apiward.scan.checks`. In short, an object with ``id``,
``title``, ``owasp``, ``cwe``, ``safe``, ``remediation`` and
``async def run(self, ctx, operation)`` yielding ``Finding``s (``ctx.finding(...)``) or
``Skip(reason=SkipReason...)``; add it to ``BUILTIN``.
"""

from apiward.scan.identities import IdentitiesFile, Identity, load_identities, read_identities_file
from apiward.scan.restore import TargetChange
from apiward.scan.runner import Results, Scan, ScanConfig, Skipped, Treated, scan

__all__ = [
    "IdentitiesFile",
    "Identity",
    "Results",
    "Scan",
    "ScanConfig",
    "Skipped",
    "TargetChange",
    "Treated",
    "load_identities",
    "read_identities_file",
    "scan",
]
