"""What a nested path's parents say: ids numbered per parent, and parents anyone may see.

**Ids numbered per parent**: the same id under other parents names another object.

Many APIs number a child within its parent, as Jira and GitHub number issues
(``/orgs/{org}/projects/{key}/tickets/{number}``: every project has a ticket 3). A BOLA
write sent under the attacker's own parents with the owner's child id then reaches the
attacker's own ticket 3 (the Litestar trial's "alice changes bob's ticket" had
commented on her own). Where ids are global, the same id under any parents is the same
object, which is what the probe relies on. So, before such a probe, the item at that id is
read under both parents: the attacker's and the owner's. Two different objects mean the
ids are per parent, and the probe proves nothing.

**Public parents**: an object its owner made public (``visibility: public``,
``scan.privacy``) shows its children to anyone by design: a public project's issues, a
public playlist's tracks. A read of them, or a child added under them, proves no BOLA
(the Litestar trial's "alice reads bob's object" was a public project's tickets).

**The owner's parents, then the attacker's own**: a write names the object with the
parents the owner's own write went to (:func:`under_owners`, :func:`spare`); refused
there (another tenant's organisation, which the attacker is no member of), it is sent
again under the attacker's own parents (:func:`attack`): the common real-world BOLA,
where the handler checks the caller's membership of the path's organisation and then
loads the child by its id alone (the Nest trial's venue update and promo-code delete,
missed while only reads fell back to the attacker's own parents).

**A parent both share** (:func:`beside`): the owner's write went to a parent the scan made
as the owner (its own workspace), where the attacker is no member, so both attempts above
are refused whatever the API checks. A private object of the owner's under a parent the
attacker lists itself (a saved view in the workspace both belong to) is tried as well: the
object-level check inside one tenant (the Fastify trial's saved view another member could
edit, found at no run).
"""

from __future__ import annotations

import dataclasses
import re

from apiward.core.findings import Finding
from apiward.scan.accounts import holds_accounts
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.envelope import unwrap
from apiward.scan.flows import says_public
from apiward.scan.harvest import Sighting, Slot
from apiward.scan.identities import Identity
from apiward.scan.privacy import public_by
from apiward.scan.request import Request, Where
from apiward.scan.resources import collection_of, norm, singular
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Api, Operation, ParameterLocation


def above(api: Api, operation: Operation, slot: Slot) -> bool:
    """True when path id ``slot`` names a parent of a collection ``operation`` acts on: the
    segment after it is one the contract keeps items in (``{slug}`` of
    ``/workspaces/{slug}/projects``, beside ``/workspaces/{slug}/projects/{project_id}``).
    Not a part of the object itself: ``{username}`` of ``PUT /users/{username}/email``."""
    if slot.where is not Where.PATH:
        return False
    head, marker, rest = operation.path.partition("{" + slot.name + "}")
    literal = rest.strip("/").split("/", 1)[0]
    if not marker or not literal or literal.startswith("{"):
        return False
    items = f"{head}{marker}/{literal}/{{"
    return any(o.path.startswith(items) for o in api.operations)


async def another_object(
    ctx: Context,
    op: Operation,
    slot: Slot,
    pair: tuple[Identity, Identity],
    obj: Sighting,
    aimed: Request,
) -> bool:
    """True when ``aimed``'s id, under its (the attacker's) parents, names another object
    than the owner's ``obj`` under the parents it was seen under."""
    owner, attacker = pair
    nested = sum(p.location is ParameterLocation.PATH for p in op.parameters) >= 2
    if not nested or slot.where is not Where.PATH:
        return False
    seen = ctx.harvest.lists.place(aimed, op, slot.name, obj.kind, obj.value)
    if seen.target == aimed.target:
        return False  # the probe already names the owner's parents
    mine, theirs = _item(ctx, op, slot.name, aimed), _item(ctx, op, slot.name, seen)
    if mine is None or theirs is None:
        return False
    note = f"control: {slot.name}={obj.value} under {attacker.name}'s own parents"
    under_mine = await ctx.send(mine, as_=attacker, note=note)
    if not under_mine.ok:
        return False
    note = f"control: {owner.name}'s {slot.name}={obj.value} where it was seen"
    owners = await ctx.send(theirs, as_=owner, note=note)
    return owners.ok and similarity(under_mine.text, owners.text) < SAME


async def public_parent(
    ctx: Context, op: Operation, request: Request, owner: Identity, shown: object = None
) -> str:
    """The parent of ``request``'s object that says anyone may see it (``/projects/7:
    visibility: 'public'``), read as ``owner``; "" when none does. On a collection's path
    (``/projects/{key}/issues``) the last path id names a parent too, and so does a field of
    the object as ``shown`` (``boardId`` beside ``GET /boards/{boardId}``: the Express
    trial's cards of a public board, read at ``/cards/{cardId}``, had been high three times).
    A parent whose read's summary calls every such object public ("Public profile of a user")
    needs no reading.
    """
    names = [p.name for p in op.parameters if p.location is ParameterLocation.PATH]
    if op.path.rstrip("/").endswith("}"):
        names = names[:-1]
    items = [_item(ctx, op, name, request) for name in names] + _referred(ctx, shown)
    asked: set[str] = set()
    for item in items:  # grows by what each parent names: a comment's card's board
        if item is None or item.target in asked or len(asked) >= _PARENTS_READ:
            continue
        asked.add(item.target)
        read = ctx.api.operation(item.method, item.path)
        if read is not None and _WHOLLY.search(read.summary) and says_public(read, ctx.api):
            # "Public profile of a user": what is listed under it is its public part (the
            # APIFlask trial's reviews a user received, called a high BOLA).
            return f"{read.key} is, in the contract's words, public"
        reply = await ctx.send(item, as_=owner, note=f"control: is {item.target} public?")
        said = public_by(unwrap(reply.data)) if reply.ok else ""
        if said:
            return f"{item.target} says {said}"
        items += _referred(ctx, reply.data) if reply.ok else []
    return ""


_WHOLLY = re.compile(r"^\W*public\b|\bpublic\s+profile", re.IGNORECASE)
"""A read whose summary makes its every object public ("Public profile of a user"), not some
("A board of my team, or any public board": its team boards stay private)."""
_PARENTS_READ = 4
"""Parents read at most to find one that says anyone may see what is under it."""


async def spare(
    ctx: Context, op: Operation, slot: Slot, owner: Identity, obj: Sighting, base: Request
) -> tuple[Sighting, Request]:
    """For a DELETE, an object the owner makes for it now, else ``obj``; ``base`` under its parents.

    A DELETE goes out only on what the scan made, and the owner's made objects are the
    ones other checks read: one made for the attack is the only one it may remove. The
    attack names the parents it was made under (its event), not the attacker's.
    """
    if op.method != "DELETE" or slot.where not in {Where.PATH, Where.QUERY}:
        return obj, base
    try:
        fresh = await ctx.fresh_object(op, owner)
    except Withheld:
        return obj, base
    made = fresh.value(slot.where, slot.name) if fresh is not None else None
    if fresh is None or made is None:
        return obj, base
    for name, value in fresh.path_params.items():
        base = base.with_param(Where.PATH, name, value)
    return dataclasses.replace(obj, value=made), base


def beside(
    ctx: Context, op: Operation, slot: Slot, attacker: Identity, owned: list[Sighting]
) -> Sighting | None:
    """For a PUT/PATCH/POST on a nested path, an object of ``owned`` that ``attacker`` never
    saw listed, under parents it lists itself (every other path id); None: there is none."""
    others = [p.name for p in op.parameters if p.location is ParameterLocation.PATH]
    others = [name for name in others if name != slot.name]
    if op.method == "DELETE" or slot.where is not Where.PATH or not others:
        return None
    lists, who = ctx.harvest.lists, attacker.name
    for obj in owned:
        held = lists.parents(obj.kind, obj.value)
        bare = Request(method=op.method, path=op.path, operation=op.key)
        placed = lists.place(bare, op, slot.name, obj.kind, obj.value)
        if lists.has(who, obj.kind, obj.value) or not all(n in placed.path_params for n in others):
            continue
        if held and all(lists.has(who, singular(c), v) for c, v in held.items()):
            return obj
    return None


async def under_owners(
    ctx: Context, op: Operation, slot: Slot, owner: Identity, obj: Sighting, base: Request
) -> tuple[Sighting, Request]:
    """For a PUT/PATCH/POST on a nested path, the object the owner's own write went to.

    Ids harvested one slot at a time need not belong together (the owner's line under
    another of its orders), and an API that checks the line is the order's refuses such
    a pair whether or not it checks the owner: the attack names every path id of the
    object the owner's own legitimate write succeeded on (its order and its line).
    """
    names = [p.name for p in op.parameters if p.location is ParameterLocation.PATH]
    if op.method == "DELETE" or slot.where is not Where.PATH or len(names) < 2:
        return obj, base
    try:
        owners = await ctx.legit(op, owner)
    except Withheld:
        return obj, base
    params = owners.sent.path_params
    if not owners.ok or any(name not in params for name in names):
        return obj, base
    for name in names:
        base = base.with_param(Where.PATH, name, params[name])
    return dataclasses.replace(obj, value=params[slot.name]), base


async def attack(
    ctx: Context,
    op: Operation,
    slot: Slot,
    pair: tuple[Identity, Identity],
    obj: Sighting,
    requests: tuple[Request, Request],
    note: str,
) -> Reply | None:
    """The attacker's write on the owner's ``obj``: its 2xx answer, else None.

    ``requests``: the write aimed at the object under the owner's parents, and the
    attacker's own legitimate one. Refused under the owner's parents, it goes again under
    the attacker's own (those of its legitimate write), unless a read there shows another
    object under that id (ids numbered per parent); a DELETE only where such a read tells.
    """
    aimed, own = requests
    attacker = pair[1]
    reply = await ctx.send(aimed, as_=attacker, note=note)
    if reply.ok or slot.where is not Where.PATH:
        return reply if reply.ok else None
    again = ctx.harvest.rows.spare(op, slot, own.with_param(slot.where, slot.name, obj.value), obj)
    if again.path_params in (aimed.path_params, own.path_params):
        return None
    if await _another_there(ctx, op, slot, pair, (again, aimed)):
        return None
    note = f"{note}, under its own parents"
    reply = await ctx.send(again, as_=attacker, note=note, moved=op.method == "DELETE")
    return reply if reply.ok else None


async def _another_there(
    ctx: Context,
    op: Operation,
    slot: Slot,
    pair: tuple[Identity, Identity],
    requests: tuple[Request, Request],
) -> bool:
    """True when the owner's id under the attacker's parents may name another object.

    ``requests``: the attack under the attacker's parents, and under the owner's. The item's
    read there, as the attacker, must answer nothing, or what the owner's read of its own
    answers; with no read in the contract only a write goes ahead, never a DELETE.
    """
    owner, attacker = pair
    mine, theirs = (_item(ctx, op, slot.name, r) for r in requests)
    if mine is None or theirs is None:
        return op.method == "DELETE"
    note = f"control: {slot.name}={requests[0].path_params.get(slot.name)} under "
    under_mine = await ctx.send(mine, as_=attacker, note=note + f"{attacker.name}'s own parents")
    if not under_mine.ok:
        return False
    owners = await ctx.send(theirs, as_=owner, note=note + f"{owner.name}'s parents")
    return not owners.ok or similarity(under_mine.text, owners.text) < SAME


def noted(finding: Finding, aimed: Request, attack: Reply) -> Finding:
    """``finding`` saying so when its attack went under the attacker's own parents."""
    if attack.sent.target == aimed.target:
        return finding
    detail = (
        f"{finding.detail} Under the owner's parents ({aimed.target}) it was refused; under "
        f"the attacker's own ({attack.sent.target}) it went through: the API checks the "
        "caller's parent, then takes the child by its id alone."
    )
    return dataclasses.replace(finding, detail=detail)


def _referred(ctx: Context, shown: object) -> list[Request | None]:
    """The GETs of the objects ``shown``'s id fields name, at item paths of one id."""
    found: list[Request | None] = []
    fields = unwrap(shown) if isinstance(unwrap(shown), dict) else {}
    for read in (o for o in ctx.api.operations if o.method == "GET"):
        last = read.path.rstrip("/").rsplit("/", 1)[-1]
        params = [p.name for p in read.parameters if p.location is ParameterLocation.PATH]
        name = last[1:-1] if last.startswith("{") and len(params) == 1 else ""
        noun = singular(norm(collection_of(read.path, name) or "")) if name else ""
        noun = "" if holds_accounts(noun) else noun  # a public profile makes no note public
        for key, value in fields.items():
            said = norm(key).removesuffix("id")
            if noun and said == noun and isinstance(value, str | int) and str(value):
                found.append(Request(method="GET", path=read.path, operation=read.key,
                                     path_params={name: str(value)}))  # fmt: skip
    return found


def _item(ctx: Context, op: Operation, name: str, request: Request) -> Request | None:
    """The GET of the object path id ``name`` names in ``request``'s path, where there is one."""
    marker = "{" + name + "}"
    if marker not in op.path:
        return None
    path = op.path[: op.path.index(marker) + len(marker)]
    if ctx.api.operation("GET", path) is None:
        return None
    params = {k: v for k, v in request.path_params.items() if "{" + k + "}" in path}
    return Request(method="GET", path=path, operation=f"GET {path}", path_params=params)
