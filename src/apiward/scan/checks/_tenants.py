"""Peers of one tenant: an owner's object that the attacker reaches through the tenant they share.

Two recruiters of one company (``company_id: 1`` in both their ``GET /me``) may both edit
the company's jobs: "Any recruiter of the owning company may edit the company's jobs", the
Rails trial's contract says, and its scan had called that high. A peer is still the right
attacker in another tenant, and within one a private record (a note "only its author may
edit") is still private. So the object counts as the tenant's, and a finding on it is
**low and tentative**, only when the owner's and the attacker's own records (a read with
no id that answers one object: ``GET /me``) hold one reference with one value
(``company_id: 1``), the object holds that value there too, and either

- the operation's summary or description names the tenant ("company") and no owner
  of the object ("author", "owner", "their own"), or
- both list an object of its kind with that value that no anonymous request lists: each
  sees the tenant's records in that collection, not only its own; or
- the object names no person, and names a parent (``property_id: 9``), or names what names
  one, that holds that value or that both list with it, in a collection where both list
  the tenant's objects and no anonymous request does: a unit of the tenant's property,
  itself holding no ``org_id`` (a renter's maintenance request on that property names the
  renter, and stays the renter's); or
- the object holds no such reference at all and names no user, and the operation's words
  give it to the tenant: "Any recruiter of the owning company" on a candidate that holds no
  ``company`` of its own (the Litestar trial's shared talent pool, 17 high findings); or,
  where they name neither the tenant nor an owner ("Recruiters only."), those of the read of
  the item it acts on do (``GET /candidates/{slug}`` for its CV import).

The records' reference may also be a field named by the noun of a collection whose item
path takes its value (``company: "acme"`` beside ``/companies/{slug}``).

``id_enumeration`` asks the same of one caller alone, by the contract's words only: a
neighbour of its own tenant that the operation gives to the tenant is no stranger's.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from apiward.core.findings import Confidence, Finding, Severity
from apiward.scan._objects import unwrap
from apiward.scan.accounts import holds_accounts
from apiward.scan.checks._recipients import own_values
from apiward.scan.context import Context
from apiward.scan.envelope import objects
from apiward.scan.fitting import IDLIKE, item_nouns
from apiward.scan.identities import Identity
from apiward.scan.resources import norm, singular, words
from apiward.spec import Operation

_PERSONAL = re.compile(
    r"\b(author|authors|creator|owner|owners|uploader|(?:your|their|its|his|her) own)\b", re.I
)
"""Words that give an object to one person, not to its tenant ("only the note's author")."""
_REFERENCE = frozenset({"id", "uuid", "guid", "ref", "key", "code", "slug"})
_PERSONS = frozenset(
    {"by", "reporter", "requester", "assignee", "submitter", "renter", "buyer", "seller", "sender"}
)
"""Nouns of a reference that names a person (``created_by_id``, ``reporter_id``)."""
_HOPS = 2
"""References followed from an object to the tenant's parent (a lease, its unit, its property)."""


def shared_by(
    ctx: Context, op: Operation, mates: tuple[Identity, ...], kind: str, state: Any
) -> tuple[str, str, str] | None:
    """The tenant reference (field, value) through which ``mates`` (an owner and an attacker,
    or one caller alone) all reach the object, and how that shows; None: it is not shown."""
    data = unwrap(state)
    rows = objects(data) or []
    if not isinstance(data, Mapping) and rows and len(mates) > 1:
        # A listing under the object (a candidate's applications): the tenant's when no row
        # holds the reference and the contract gives the read to the tenant.
        held = references(ctx, mates)
        absent = [n for n in held if all(isinstance(r, Mapping) and n not in r for r in rows)]
        named = next((n for n in absent if _gives_tenant(ctx, op, n)), None)
        if named is not None:
            return named, held[named], "the contract gives the read to that tenant"
    if not isinstance(data, Mapping):
        return None
    lists = ctx.harvest.lists
    for name, value in references(ctx, mates).items():
        direct = str(data.get(name)) == value
        if direct and _gives_tenant(ctx, op, name):
            return name, value, "the contract gives the operation to that tenant"
        person = _names_person(ctx, mates, data, rows=False)
        if name not in data and _gives_tenant(ctx, op, name) and not person:
            how = "the contract gives the operation to that tenant, and the object names no other"
            return name, value, how
        if len(mates) < 2:
            continue
        each = [lists.valued(m.name, kind, name, value) for m in mates]
        if direct and set.intersection(*each) - lists.valued("", kind, name, value):
            return name, value, f"both list this collection's objects of that {name}"
        # Under a tenant's parent, an object that names a person is that person's: a renter's
        # maintenance request on the organisation's property is still the renter's.
        personal = _names_person(ctx, mates, data)
        parent = "" if personal else _tenant_parent(ctx, mates, data, (name, value))
        if parent:
            return name, value, f"it belongs to {parent}, of a kind both list as that tenant's"
    return None


def _names_person(
    ctx: Context, mates: tuple[Identity, ...], data: Mapping[str, Any], *, rows: bool = True
) -> bool:
    """True when the object names a person: ``created_by_id``, ``user_id``, ``reporter_id``, an
    object whose row holds an e-mail (``renter_id``), or, of an object the scan never saw, one
    of ``mates``' own ids; with ``rows=False`` only by its field's noun (a candidate an offer
    names is the tenant's record of someone; an ``application_id`` 6 is no user 6)."""
    own = (
        {str(v) for m in mates for k, v in own_values(ctx, m).items() if k == "id"}
        if rows
        else set()
    )
    for field, ref in data.items():
        parts = words(field)
        if len(parts) < 2 or not IDLIKE.search(field) or not isinstance(ref, str | int):
            continue
        noun = singular(parts[-2])
        if noun in _PERSONS or holds_accounts(noun) or _PERSONAL.search(noun):
            return True
        row = ctx.harvest.rows.row(noun, ref)
        if row is None and str(ref) in own:
            return True
        if rows and row is not None and any("mail" in str(k).lower() for k in row):
            return True
    return False


def _tenant_parent(
    ctx: Context,
    mates: tuple[Identity, ...],
    data: Mapping[str, Any],
    tenant: tuple[str, str],
    depth: int = 0,
) -> str:
    """The object's reference to a parent of the tenant (``property_id 9``, a property whose
    ``org_id`` is 2) in a collection every one of ``mates`` lists the tenant's objects of, and
    no anonymous request does; through at most ``_HOPS`` references; else ``""``.

    A unit under a property holds no ``org_id`` of its own, nor a lease naming that unit: the
    Flask trial's two managers of one organisation, each writing a unit the other had just
    made, or a lease on it, had been four high BOLA findings.
    """
    rows, lists = ctx.harvest.rows, ctx.harvest.lists
    for field, ref in data.items():
        parts = words(field)
        if len(parts) < 2 or not IDLIKE.search(field) or not isinstance(ref, str | int):
            continue
        kind = singular(parts[-2])
        each = [lists.valued(m.name, kind, *tenant) for m in mates]
        listed = set.intersection(*each) - lists.valued("", kind, *tenant)
        row = rows.row(kind, ref)
        held = row is not None and str(row.get(tenant[0])) == tenant[1]
        if listed and (str(ref) in listed or held):
            return f"{field} {ref}"
        deeper = _tenant_parent(ctx, mates, row, tenant, depth + 1) if row and depth < _HOPS else ""
        if deeper:
            return f"{field} {ref}, which belongs to {deeper}"
    return ""


def graded(
    ctx: Context,
    op: Operation,
    finding: Finding,
    pair: tuple[Identity, Identity],
    obj: tuple[str, Any],
) -> Finding:
    """``finding`` as it is, or low and tentative when its object (``obj``: its kind, and its
    state as a read shows it) is the pair's tenant's."""
    tenant = shared_by(ctx, op, pair, *obj)
    if tenant is None:
        return finding
    (owner, attacker), (name, value, how) = pair, tenant
    why = (
        f" {owner.name} and {attacker.name} belong to one tenant ({name} {value} in both "
        f"their own records), the object is that tenant's, and {how}: where members "
        "share their tenant's records this is the API's policy, so it is low and tentative."
    )
    return dataclasses.replace(
        finding,
        severity=Severity.LOW,
        confidence=Confidence.TENTATIVE,
        detail=finding.detail + why,
    )


def references(ctx: Context, mates: tuple[Identity, ...]) -> dict[str, str]:
    """The references all of ``mates``' own records hold with one value (``company_id`` → 1)."""
    shared = _references(ctx, mates[0])
    for other in mates[1:]:
        theirs = _references(ctx, other)
        shared = {k: v for k, v in shared.items() if theirs.get(k) == v}
    return shared


def tenancy(ctx: Context, identity: Identity) -> frozenset[tuple[str, str]]:
    """The organisations ``identity``'s own records name (``school_id`` → ``1``): references
    of two words or more whose noun holds no people (not ``user_id``, its own id again)."""
    return frozenset(
        (name, value)
        for name, value in _references(ctx, identity).items()
        if (len(parts := words(name)) > 1 and not holds_accounts(parts[-2]))
        or norm(name) in _TENANTS
    )


_TENANTS = frozenset(
    {"team", "org", "organisation", "organization", "company", "tenant", "workspace", "school"}
)
"""A field named only by such a noun names the caller's organisation (``team: "665f…01"``,
the Express trial's, where no ``/teams/{id}`` path says so)."""


def of_tenant(ctx: Context, identity: Identity, candidates: list[Identity]) -> Identity:
    """The first of ``candidates`` whose records name ``identity``'s organisations, else the
    first: a school's student is compared with its own school's admin, not another's."""
    own = tenancy(ctx, identity)
    return next((c for c in candidates if own and tenancy(ctx, c) == own), candidates[0])


def _references(ctx: Context, identity: Identity) -> dict[str, str]:
    """Id-like fields of ``identity``'s own records and login, as text (``company_id`` → ``1``),
    and fields named by the noun of a collection the contract has item paths for, whose value
    is that item's key (``company: "acme"`` beside ``/companies/{slug}``: the Litestar trial's)."""
    # A noun's singular only: a plural (``bookings: 5``) counts what there is, naming none.
    nouns = {n for n in item_nouns(ctx.api) if singular(n) == n}
    return {
        k: str(v)
        for k, v in own_values(ctx, identity).items()
        if IDLIKE.search(k) or (norm(k) in nouns and not holds_accounts(k)) or norm(k) in _TENANTS
    }


def _gives_tenant(ctx: Context, op: Operation, name: str) -> bool:
    """True when ``op`` names the tenant and no owner, or, naming neither, the read of the item
    it acts on does: "Publish a job posting. Recruiters only." on ``/jobs/{code}/publish``,
    whose ``GET /jobs/{code}`` is for "Any member of the owning company"."""
    if _says_tenant(op, name):
        return True
    if _PERSONAL.search(f"{op.summary} {op.description}"):
        return False
    path = op.path.rstrip("/")
    while "/" in path.strip("/"):
        path = path.rsplit("/", 1)[0]
        read = ctx.api.operation("GET", path) if path.endswith("}") else None
        if read is not None and read is not op:
            return _says_tenant(read, name)
    return False


def _says_tenant(op: Operation, name: str) -> bool:
    """True when ``op``'s words name the tenant ``name`` refers to and no owner of the object."""
    text = f"{op.summary} {op.description}"
    nouns = {singular(w) for w in words(name) if w not in _REFERENCE}
    if not nouns or _PERSONAL.search(text):
        return False
    said = {singular(w) for w in words(text)}
    organised = "org" in nouns and any(w.startswith("organi") for w in said)
    return bool(nouns & said) or organised
