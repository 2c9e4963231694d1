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
"""

from __future__ import annotations

from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.envelope import unwrap
from apiward.scan.harvest import Sighting, Slot
from apiward.scan.identities import Identity
from apiward.scan.privacy import public_by
from apiward.scan.request import Request, Where
from apiward.spec import Operation, ParameterLocation


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


async def public_parent(ctx: Context, op: Operation, request: Request, owner: Identity) -> str:
    """The parent of ``request``'s object that says anyone may see it (``/projects/7:
    visibility: 'public'``), read as ``owner``; "" when none does. On a collection's path
    (``/projects/{key}/issues``) the last path id names a parent too."""
    names = [p.name for p in op.parameters if p.location is ParameterLocation.PATH]
    if op.path.rstrip("/").endswith("}"):
        names = names[:-1]
    for name in names:
        item = _item(ctx, op, name, request)
        if item is None:
            continue
        reply = await ctx.send(item, as_=owner, note=f"control: is {item.target} public?")
        said = public_by(unwrap(reply.data)) if reply.ok else ""
        if said:
            return f"{item.target} says {said}"
    return ""


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
