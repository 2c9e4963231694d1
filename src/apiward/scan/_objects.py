"""Objects in a contract: which operation reads, deletes or rewrites the object a write touched.

``/items/{id}`` is an *item* of the *collection* ``/items``; a write on an item path (or
below one: ``POST /orders/{id}/pay``) changes that item. From the contract alone: which
POST creates, how to read an object back, delete one the scan made, write old values back.

**A creation** (:func:`creates`, the one rule harvesting and the ledger share) is a POST
on a collection path (no trailing path parameter) that is neither a login nor an action.
Documented ``201`` is enough; otherwise the path must be a collection the contract reads
from too (``GET`` on the same path, or an item path ``path/{x}`` below it), and neither
its last segment nor its operationId may name an action (``login``, ``token``,
``search``, ``query``, ``verify``, ``redeem``...): many APIs create with 200 or 204,
while a search POST is a read and a sign-up is not a collection of the caller's objects.

**A query id** (:func:`query_key`) names one item without an item path (``DELETE
/loans?id=7``, as many PHP, Express and Flask APIs do): a query parameter named for the
items' key (``id``, ``uuid``, ``loan_id``, ``loanId``, its item path's parameter) of an
operation on a collection path; an item path, where there is one, is still preferred.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from apiward.scan._links import documented, is_link
from apiward.scan._self_links import key_in_links
from apiward.scan.envelope import OBJECT_KEYS, is_meta
from apiward.scan.fitting import is_primary, key_fields
from apiward.scan.flows import is_login
from apiward.scan.questions import named, only_asks
from apiward.scan.request import Request, Where
from apiward.scan.resources import made_in, names_caller, on_caller, resource_of, singular, words
from apiward.scan.wrapped import answer_fields, inside
from apiward.spec import Api, Operation, ParameterLocation

if TYPE_CHECKING:
    from apiward.scan.transport import Reply

_PARAM = re.compile(r"^\{([^}]+)\}$")
_ID_NAMES = ("id", "uuid", "_id", "guid", "key", "slug")
ROW_IDS = ("id", "_id", "uuid")
"""The fields a row's own surrogate id is under: what tells two reads of one record apart."""
VOLATILE = re.compile(
    r"updated|modified|timestamp|version|etag|_at$|(?-i:[a-z]At)$|_on$|time$"
    r"|last_?(?:login|seen|used|active|activity|access|accessed|visit|sync)|csrf|xsrf|nonce",
    re.IGNORECASE,
)
"""Fields the target changes on its own (a write's time, a version, a last login, a
session's CSRF token): never restored, never compared. Not every ``last_…``: a
``last_name`` is the user's."""
_ACTIONS = frozenset(
    {
        "login", "logout", "logon", "signin", "signon", "signup", "register", "registration",
        "token", "tokens", "auth", "authenticate", "authorize", "oauth", "session", "sessions",
        "search", "query", "find", "lookup", "filter", "verify", "validate", "check", "confirm",
        "preview", "redeem", "reset", "refresh", "forgot", "recover", "import", "export",
        "batch", "bulk", "graphql", "rpc", "execute", "run", "send", "test", "calculate",
    }
)  # fmt: skip
"""Words that make a POST an action on the server rather than a new object in a collection."""


def hands_out_logins(api: Api, operation: Operation) -> bool:
    """A login (``POST /token``, ``/sessions``), not a collection of them.

    ``POST /api/tokens`` beside ``DELETE /api/tokens/{token_id}`` makes a token the user
    keeps, lists and revokes: an object like any other, which the scan deletes again.
    """
    return is_login(operation) and item_path(api, operation.path.rstrip("/")) is None


def item_path(api: Api, collection: str) -> tuple[str, str] | None:
    """The item path under ``collection`` (``/items`` → ``/items/{id}``) and its parameter."""
    for op in api.operations:
        # DRF and Django end every path in "/": /menu/ holds /menu/{slug}/
        head, _, last = op.path.rstrip("/").rpartition("/")
        if head == collection.rstrip("/") and (match := _PARAM.match(last)):
            return op.path, match.group(1)
    return None


def item_of(api: Api, collection: str, *, linked: bool = False) -> tuple[str, str] | None:
    """The item path of what a POST on ``collection`` makes, and its parameter.

    Below the collection (``/items/{id}``); else, for a collection under a parent, the
    same collection without that parent, nearest parent dropped first: many APIs make a
    note at ``POST /projects/{project_id}/notes`` and then read, change and delete it at
    ``/notes/{note_id}``, with no project in the path. Never for links (``scan._links``).
    So is the caller's own (``POST /me/webhooks``: ``/webhooks/{id}``, the Fastify trial's).
    """
    collection = made_in(collection)
    found = item_path(api, collection)
    if found is not None or linked or documented(api, collection):
        return found
    parts = collection.rstrip("/").split("/")
    parents = [
        i for i in range(2, len(parts)) if _PARAM.match(parts[i]) and "{" not in parts[i - 1]
    ]
    for k in range(1, len(parents) + 1):
        dropped = {j for i in parents[-k:] for j in (i - 1, i)}
        found = item_path(api, "/".join(p for j, p in enumerate(parts) if j not in dropped))
        if found is not None:
            return found
    mine = {i for i, part in enumerate(parts[:-1]) if i and names_caller(part)}
    found = item_path(api, "/".join(p for j, p in enumerate(parts) if j not in mine))
    return found if mine else None


def creation_of(api: Api, item: str) -> Operation | None:
    """The POST under a parent (or ``/me``) that makes the objects of ``item`` (``/notes/{id}``), if any.

    A collection of the same name under a parent (``POST /projects/{p}/notes``) whose
    :func:`item_of` is ``item``.
    """
    collection = item.rstrip("/").rsplit("/", 2)[-2]
    for op in api.operations:
        path = op.path.rstrip("/")
        under = "{" in path or on_caller(path)
        if op.method == "POST" and under and path.rsplit("/", 1)[-1] == collection:
            found = item_of(api, op.path)
            if found is not None and found[0].rstrip("/") == item.rstrip("/"):
                return op
    return None


def creates(api: Api, operation: Operation, logins: Collection[str] = ()) -> bool:
    """True when this POST adds an object to a collection (see the module docstring).

    ``logins`` are the keys of the operations identities log in with: never creations.
    """
    path = operation.path.rstrip("/")
    if operation.method != "POST" or operation.key in logins or path.endswith("}"):
        return False
    if hands_out_logins(api, operation):
        return False
    if only_asks(operation) and item_of(api, path) is None:
        return False  # a preview or a search answered 201 that nothing reads back keeps nothing
    if "201" in operation.responses:
        return True
    if _names_action(operation):
        return False
    return api.operation("GET", operation.path) is not None or item_of(api, path) is not None


class ObjectSlot(NamedTuple):
    """Where a write names the object it changes, and the POST that makes one."""

    name: str
    create: Operation
    where: Where = Where.PATH


def object_slot(api: Api, operation: Operation) -> ObjectSlot | None:
    """The id a write changes the object of, and the POST that makes one; None if neither.

    A DELETE must end in that id; a POST, PUT or PATCH names it anywhere in its path
    (``POST /notes/{slug}/attachment``). A creation under a parent
    (``POST /reports/{slug}/comments``) adds to that parent: its slot is the parent's id,
    so what it makes goes under a parent the scan made, not on another's record. The
    POST of an item handled at the top level (``/notes/{id}``) may be under a parent
    (``POST /projects/{p}/notes``, :func:`creation_of`). A DELETE, PUT or PATCH on the
    collection path itself names it by its query id (:func:`query_key`).
    """
    method = operation.method.upper()
    key = query_key(api, operation) if method in {"DELETE", "PUT", "PATCH"} else None
    make = api.operation("POST", operation.path)
    if key is not None and make is not None:
        return ObjectSlot(key, make, Where.QUERY)
    parts = operation.path.rstrip("/").split("/")
    slots = [i for i, part in enumerate(parts) if part.startswith("{") and part.endswith("}")]
    if method not in {"DELETE", "POST", "PUT", "PATCH"} or not slots:
        return None
    if method == "DELETE" and slots[-1] != len(parts) - 1:
        return None
    head = "/".join(parts[: slots[-1]])
    create = api.operation("POST", head) or api.operation("POST", f"{head}/")
    if create is None:  # made under a parent, handled at the top level (``/notes/{id}``)
        create = creation_of(api, "/".join(parts[: slots[-1] + 1]))
    if create is None:  # made by an action above the collection (``POST /recipes/import``)
        making = (o for o in api.operations if o.method == "POST" and o.path != head)
        create = next((o for o in making if made_in(o.path) == head), None)
    return ObjectSlot(parts[slots[-1]][1:-1], create) if create is not None else None


def query_key(api: Api, operation: Operation) -> str | None:
    """The query parameter by which ``operation`` names one item of its path's collection.

    See the module docstring; None on an item path, an action, or a path that is no
    collection (nothing creates there and nothing lists it).
    """
    path = operation.path.rstrip("/")
    if path.endswith("}") or not _collection(api, operation.path):
        return None
    _, noun = resource_of(path)
    item = item_path(api, path)
    for p in operation.parameters:
        if p.location is ParameterLocation.QUERY and (
            is_primary(p.name, noun) or (item is not None and p.name == item[1])
        ):
            return p.name
    return None


def query_id(api: Api, request: Request) -> tuple[str, str] | None:
    """The query key ``request`` names its object by, and its value; None when it names none so."""
    operation = api.operation(request.method, request.path)
    name = query_key(api, operation) if operation is not None else None
    value = request.value(Where.QUERY, name) if name is not None else None
    return (name, str(value)) if name is not None and value is not None else None


def ids(api: Api, request: Request) -> dict[str, str]:
    """The ids ``request`` names objects by: its path's, then its query id (the object's own)."""
    found = {k: str(v) for k, v in request.path_params.items()}
    queried = query_id(api, request)
    if queried is not None:
        found[queried[0]] = queried[1]
    return found


def _collection(api: Api, path: str) -> bool:
    """A path whose POST creates items, or whose GET lists them and is not an action."""
    post = api.operation("POST", path)
    if post is not None and creates(api, post):
        return True
    get = api.operation("GET", path)
    return get is not None and not _names_action(get)


def _names_action(operation: Operation) -> bool:
    return bool(named(operation) & _ACTIONS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reader:
    """How to read an object: ``read`` shows it, or a listing holding it when ``pick`` is set."""

    read: Request
    item: Request
    """The object's own path, or its collection with its query id (what a write names)."""
    pick: str | None = None
    """The object's id in the listing ``read`` answers (None: ``read`` shows the object)."""
    part: bool = False
    """The write changes a part of the caller's record ``read`` shows (``/me/photo``)."""
    one: bool = False
    """``read`` asks for this object by its query id: a 404 says it is gone, though a
    list may answer it (the object is picked from it by ``pick``)."""

    def missing(self, reply: Reply) -> bool:
        """True when ``reply`` to ``read`` says the object is not there.

        A 404 or 410 to a read that names it; a read by query id answered 2xx (one that says
        it failed too) with neither the object nor rows (``{"ok": false, "error": "not
        found"}``, an empty list). A listing without it proves nothing (pagination,
        filters); nor does one answering ``?id=`` with other rows: the API may ignore it.
        """
        listed = self.pick is not None and not self.one
        if listed or reply.status in {404, 410}:
            return not listed
        two, data = 200 <= reply.status < 300, reply.data
        return self.one and two and self.show(data) is None and not _rows(data)

    def show(self, data: Any) -> Any:
        """The object in an answer's JSON (None when a listing does not hold it)."""
        if self.pick is None:
            return unwrap(data)
        rows = [row for row in _rows(data) if isinstance(row, dict)]
        last = self.item.path.rsplit("/", 1)[-1]
        keys = [last[1:-1]] if _PARAM.match(last) else [k for k, _ in self.item.query]
        names = (*keys, *_ID_NAMES)
        for row in rows:  # the row whose id field holds it, else any field
            if any(str(row.get(name)) == self.pick for name in names):
                return row
        found = next((row for row in rows if any(str(v) == self.pick for v in row.values())), None)
        one = unwrap(data)  # a read by query id may answer the object itself
        if found is None and isinstance(one, dict):
            return one if any(str(one.get(name)) == self.pick for name in names) else None
        return found


def reader(api: Api, request: Request) -> Reader | None:
    """How to read the object ``request`` writes: same path, the item above it, or its listing."""
    queried = query_id(api, request)
    if queried is not None:
        return _reader_by_query(api, request, *queried)
    path = request.path
    while path:
        item = read_at(path, request)
        if api.operation("GET", path) is not None and (
            path == request.path or _PARAM.match(path.rsplit("/", 1)[-1])
        ):
            return Reader(read=item, item=item)
        head, _, last = path.rpartition("/")
        if _PARAM.match(last) and api.operation("GET", head) is not None:
            pick = request.path_params.get(last[1:-1])
            if pick is not None:
                return Reader(read=read_at(head, request), item=item, pick=pick)
        if not any(_PARAM.match(part) for part in path.split("/")):
            break
        path = head
    mine = _own_record_above(api, request.path)
    if mine is not None:  # POST /members/me/photo changes what GET /members/me shows
        return Reader(read=read_at(mine, request), item=read_at(mine, request), part=True)
    return _reader_by_body(api, request)


def _reader_by_query(api: Api, request: Request, name: str, value: str) -> Reader | None:
    """An object a write names by its query id: read by the collection's GET taking a query
    id (``GET /loans?id=7``), else its item path, else picked from the collection's listing."""
    item = dataclasses.replace(read_at(request.path, request), query=((name, value),))
    get = api.operation("GET", request.path)
    key = query_key(api, get) if get is not None else None
    if key is not None:
        read = dataclasses.replace(item, query=((key, value),))
        return Reader(read=read, item=item, pick=value, one=True)
    found = item_path(api, request.path)
    if found is not None and api.operation("GET", found[0]) is not None:
        params = {k: v for k, v in request.path_params.items() if "{" + k + "}" in found[0]}
        read = read_at(
            found[0], dataclasses.replace(request, path_params={**params, found[1]: value})
        )
        return Reader(read=read, item=item)
    return Reader(read=read_at(request.path, request), item=item, pick=value) if get else None


def _own_record_above(api: Api, path: str) -> str | None:
    """The caller's own record a path writes part of (``/members/me`` for ``/members/me/photo``).

    Only when the record's answer declares a field named after the part (``photo_url``):
    otherwise the record does not show what the write changes (``/me/notifications``).
    """
    parts = path.rstrip("/").split("/")
    part = singular(parts[-1].lower())
    for end in range(len(parts) - 1, 0, -1):
        above = "/".join(parts[:end])
        read = api.operation("GET", above)
        if _OWN.match(parts[end - 1]) and read is not None and part in shown_words(api, read):
            return above
    return None


def shown_words(api: Api, read: Operation) -> set[str]:
    """The words of the field names the read's 200 answer declares (``photo_url``: photo, url)."""
    return {singular(w) for name in shown_names(api, read) for w in words(name)}


def shown_names(api: Api, read: Operation) -> set[str]:
    """The field names the operation's 200 answer declares, inside an envelope too."""
    return {name for name, _ in answer_fields(api, read)}


_OWN = re.compile(r"^(me|self|whoami|current|profile|account)$", re.IGNORECASE)
"""A path segment that names the caller's own record (``/users/me``, ``/profile``)."""


def read_at(path: str, request: Request) -> Request:
    """A GET of ``path`` with the path ids ``request`` gives it."""
    params = {k: v for k, v in request.path_params.items() if "{" + k + "}" in path}
    return Request(method="GET", path=path, operation=f"GET {path}", path_params=params)


def _rows(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        return lists[0] if len(lists) == 1 else []
    return []


def _reader_by_body(api: Api, request: Request) -> Reader | None:
    """A write on a collection whose body names the item (``PATCH /users {"username": ..}``)."""
    found = item_path(api, request.path)
    body = request.body if isinstance(request.body, dict) else {}
    if found is None or api.operation("GET", found[0]) is None:
        return None
    path, name = found
    value = body.get(name, body.get("id"))
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    # The collection's own parents (``/teams/{team_id}/members``) name the item's too.
    params = {k: v for k, v in request.path_params.items() if "{" + k + "}" in path}
    params[name] = str(value)
    read = Request(method="GET", path=path, operation=f"GET {path}", path_params=params)
    return Reader(read=read, item=read)


def key_name(api: Api, collection: str, *, linked: bool = False) -> str | None:
    """The name the items of ``collection`` are keyed by: its item path's parameter, else
    the query id an operation on the collection takes (``playlistId``)."""
    found = item_of(api, collection, linked=linked)
    if found is not None:
        return found[1]
    for method in ("DELETE", "GET", "PATCH", "PUT"):
        operation = api.operation(method, collection)
        key = query_key(api, operation) if operation is not None else None
        if key is not None:
            return key
    return None


def new_id(api: Api, request: Request, data: Any, location: str | None) -> str | None:
    """The id of the object a creation made, from its answer or its ``Location`` header
    (an ``id``-like field, or the item path's key: ``ref`` for ``{claim_ref}``)."""
    linked = is_link(request.path, unwrap(inside(api, request, data)))  # its id, not part_id
    key = key_name(api, request.path, linked=linked) or ""
    # The new object under its collection's singular: {"recipe": {...}, "source": {...}}.
    named = resource_of(made_in(request.path))[1].lower()
    envelopes = [data.get(e) for e in (*OBJECT_KEYS, named) if isinstance(data, dict)]
    bodies = [b for b in (inside(api, request, data), data, *envelopes) if isinstance(b, dict)]
    item = item_of(api, request.path, linked=linked)
    if item is not None and not any(_text(b.get(key)) for b in bodies):
        # Keyed otherwise than by its id (``{unit_number}``): where the answer links to it.
        found = key_in_links(item[0], key, data, location)
        if found is not None:
            return found
    for body in bodies:
        # The item key's own field (``slug`` for ``{workspaceSlug}``) before a bare ``id``.
        for name in (key, *key_fields(key, resource_of(request.path)[0], body), *_ID_NAMES):
            value = body.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                return str(value)
    if location:
        last = location.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        return last or None
    return None


def _text(value: Any) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def unwrap(data: Any) -> Any:
    """The object inside an envelope (``{"data": {...}}``, ``{"status": "ok", "data": {...}}``), or ``data``."""
    if isinstance(data, dict) and len(data) == 1:
        ((key, value),) = data.items()
        if isinstance(value, dict) and (
            key in OBJECT_KEYS or not any(k in data for k in _ID_NAMES)
        ):
            return value
    if isinstance(data, dict):
        inner = [k for k, v in data.items() if k in OBJECT_KEYS and isinstance(v, dict)]
        rest = [(k, v) for k, v in data.items() if k not in inner]
        if len(inner) == 1 and not any(
            isinstance(v, dict | list) and not is_meta(k) for k, v in rest
        ):
            # Beside it only a status, a message or metadata (``"meta": {}``): the NestJS
            # trial's admin record was compared whole, envelope and all, and never put back.
            return data[inner[0]]
    return data


def state(read: Reader, reply: Reply) -> Any:
    """What a read shows of the object: its JSON (envelope removed) or its text; None: nothing."""
    if not reply.ok:
        return None
    data = reply.data
    return read.show(data) if data is not None else (reply.text if read.pick is None else None)
