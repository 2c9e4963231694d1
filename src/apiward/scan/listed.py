"""What each identity sees in listings it is entitled to, and the parents each object sits under.

A listing an identity is *entitled* to read is one it reaches without naming another's
object: a listing with no path parameter (``GET /recipes``), or one nested under a
parent it sees there itself or owns (``GET /recipes/{id}/comments`` of a public recipe
in its own listing, ``GET /orders/{id}/lines`` of its own order). Harvesting reads
nested listings only under such parents (``scan.nested``), so every row kept here is
one the identity may see by design. A nested listing under a parent the identity only
knows from another identity's listing is never entitlement: that read could itself be
the broken authorization.

``bola`` asks :meth:`Listed.shows`: an identity that reads object X by its id and gets
nothing but what its own entitled listing already showed of X (same object: same value
and kind; every value of the answer in the row, volatile ones aside) learns nothing it
may not know; a private object it never saw listed, or a read that adds what the row
does not show (a directory lists names, the profile adds an e-mail), is still tested.
A text the object's row lacks may come from another row the identity may read (a comment
read that adds its recipe's title); a number may not.

A field of every row an identity lists that always holds its own id (``student_id`` in
a student's enrollments) is that id under another name (:meth:`Listed.aliases`): a
``?student_id=`` filter takes it, though no answer names the caller a ``student``. So are
the fields ``keep`` (a ``scan.filters`` filter may take them) holds, whatever their name:
``grower`` for ``?grower=`` (:meth:`Listed.held`).

Objects also remember the path ids they were seen or made under (``{"orders": "7"}``),
so that a read of ``/orders/{order_id}/lines/{line_id}`` names a line with its own order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from apiward.scan._objects import VOLATILE, unwrap
from apiward.scan.envelope import objects
from apiward.scan.fitting import IDLIKE, is_primary
from apiward.scan.request import Request, Where
from apiward.scan.resources import collection_of
from apiward.spec import Operation, ParameterLocation

_DEPTH = 8


class Listed:
    """Rows of entitled listings per identity and object, and each object's parents."""

    def __init__(
        self,
        keep: Callable[[str], bool] = lambda name: False,
        collection_of: Callable[[str, str], str | None] = collection_of,
    ) -> None:
        """``collection_of``: a path parameter's collection (``scan._links``' own kinds)."""
        self._keep = keep
        self._collection_of = collection_of
        self._rows: dict[tuple[str, str, str], list[frozenset[str]]] = {}
        self._parents: dict[tuple[str, str], dict[str, str]] = {}
        self._texts: dict[str, set[str]] = {}
        """Every text value of every row each identity may read, for :meth:`shows`."""
        self._ids: dict[tuple[str, str, str], dict[str, str]] = {}
        """For :meth:`held`, by identity, kind and id-like (or kept) field but the key
        (``""``: every row): each object's value there."""

    def add(self, who: str, kind: str, value: str | int, row: Mapping[str, Any]) -> None:
        """``who`` saw the object ``(kind, value)`` as ``row`` in a listing it is entitled to."""
        values = frozenset(_leaves(row))
        self._ids.setdefault((who, kind, ""), {})[str(value)] = ""
        for name, v in row.items():
            wanted = IDLIKE.search(name) or self._keep(name)
            if wanted and not is_primary(name, kind) and isinstance(v, str | int):
                self._ids.setdefault((who, kind, name), {})[str(value)] = str(v)
        rows = self._rows.setdefault((who, kind, str(value)), [])
        if values not in rows:
            rows.append(values)
        self._texts.setdefault(who, set()).update(v for v in values if not _number(v))

    def aliases(self, who: str, own: set[str]) -> set[tuple[str, str]]:
        """Id-like fields of ``who``'s rows of one kind that always hold one id of ``own``, and it.

        Every row of the kind has the field, all with that value: an enrollment's
        ``student_id`` in a student's own enrollments.
        """
        return {(name, value) for _, name, value in self.held(who, own) if IDLIKE.search(name)}

    def held(self, who: str, own: set[str]) -> set[tuple[str, str, str]]:
        """Kinds and fields of ``who``'s rows that always hold one value of ``own``, and it."""
        found = set()
        for (w, kind, name), values in self._ids.items():
            rows = self._ids[(w, kind, "")]
            held = set(values.values())
            if w == who and name and len(values) == len(rows) and len(held) == 1 and held <= own:
                found.add((kind, name, held.pop()))
        return found

    def lists(self, who: str, row: Mapping[str, Any]) -> bool:
        """True when a row ``who`` may read, in any listing, shows every value of ``row``."""
        shown = frozenset(_leaves(row))
        return bool(shown) and any(
            shown <= seen for (w, _, _), rows in self._rows.items() if w == who for seen in rows
        )

    def lists_all(self, who: str, data: Any) -> bool:
        """True when ``data`` is a list of rows each of which a listing ``who`` may read shows
        (a filter over what it lists anyway: ``?author_id=`` over published recipes)."""
        rows = objects(data)
        return bool(rows) and all(self.lists(who, row) for row in rows or ())

    def valued(self, who: str, kind: str, name: str, value: str) -> set[str]:
        """The objects of ``kind`` ``who`` listed whose id-like field ``name`` holds ``value``."""
        held = self._ids.get((who, kind, name), {})
        return {obj for obj, v in held.items() if v == value}

    def has(self, who: str, kind: str, value: str | int) -> bool:
        """True when ``who`` saw the object in a listing it is entitled to."""
        return (who, kind, str(value)) in self._rows

    def shows(self, who: str, kind: str, value: str | int, answer: Any) -> bool:
        """True when ``answer`` holds nothing ``who``'s entitled listings did not show it.

        Every value is in the object's own row, but for texts another row it may read
        shows (the recipe's title beside a comment); a number must be in the row itself.
        """
        shown = set(_leaves(unwrap(answer)))
        texts = self._texts.get(who, set())
        return bool(shown) and any(
            all(v in texts and not _number(v) for v in shown - row)
            for row in self._rows.get((who, kind, str(value)), ())
        )

    def under(self, kind: str, value: str | int, sent: Request) -> None:
        """The object ``(kind, value)`` was listed or made by ``sent``: its path ids are its parents."""
        parents = {
            collection: str(v)
            for name, v in sent.path_params.items()
            if (collection := self._collection_of(sent.path, name)) is not None
        }
        if parents:
            self._parents.setdefault((kind, str(value)), parents)

    def parents(self, kind: str, value: str | int) -> Mapping[str, str]:
        """The path ids the object was seen or made under, by collection (empty: none known)."""
        return self._parents.get((kind, str(value)), {})

    def place(
        self, request: Request, operation: Operation, name: str, kind: str, value: str | int
    ) -> Request:
        """``request`` with path id ``name`` set to ``value`` and its other path ids to its parents."""
        request = request.with_param(Where.PATH, name, value)
        parents = self.parents(kind, value)
        for p in operation.parameters:
            collection = self._collection_of(operation.path, p.name)
            if p.location is not ParameterLocation.PATH or p.name == name or collection is None:
                continue
            if collection in parents:
                request = request.with_param(Where.PATH, p.name, parents[collection])
        return request


def _number(text: str) -> bool:
    """True for a value that reads as a number: too common to tell one object's data."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _leaves(data: Any, key: str = "", depth: int = 0) -> Iterator[str]:
    """Every scalar value of a JSON document as ``text``, under a key that is not volatile."""
    if depth > _DEPTH or (key and VOLATILE.search(key)):
        return
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, str(k), depth + 1)
    elif isinstance(data, list):
        for v in data:
            yield from _leaves(v, key, depth + 1)
    elif data is not None and not isinstance(data, bool) and str(data) != "":
        yield str(data)
