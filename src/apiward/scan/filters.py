"""Listing filters that name the caller by another word: ``?grower=alma``, ``?member=M-1042``.

Staff filter a listing by person (``GET /deliveries?grower=alma``), and an API may honour
that filter for everyone, so that one member lists another's rows. Such a query parameter
names no id (nothing like ``grower_id`` tells it apart), yet it is an object slot when

* it is a query parameter of a listing (``scan.producers.is_listing``), a string or an
  integer without an ``enum``, and not id-like (those are slots already: ``scan.fitting``);
* every row of each identity's own listing there (``scan.listed``) holds one value under a
  field named like it, or like it and one identifier word (``member_no``,
  ``member_number``, ``memberId`` for ``member``);
* that value is the identity's own identifier: what names it (its login's ids, its
  ``/me``'s id, user name, e-mail or handle) or a person's number in its own record
  (``member_no``, ``customerNumber``: a word for people and an identifier word);
* two identities at least hold one there, and no two the same.

Such a filter then takes each identity's own value (``Harvest.record_own``), and ``bola``
tries a peer's listing with the owner's. A filter on a property (``?status=open``,
``?crop=wheat``) never becomes one, even when a member's rows all share one value and
another's another: its values name nobody.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from apiward.scan.accounts import holds_accounts
from apiward.scan.fitting import IDLIKE, Slot
from apiward.scan.producers import is_listing
from apiward.scan.request import Where
from apiward.scan.resources import resource_of, words
from apiward.spec import Api, Operation, Parameter, ParameterLocation, json_types

if TYPE_CHECKING:
    from apiward.scan.harvest import Harvest
    from apiward.scan.identities import Identity

_IDENTIFIER = frozenset(
    {"id", "uuid", "guid", "no", "nr", "num", "number", "code", "ref", "handle", "username"}
)
"""Last words of a field that identifies what the words before it name (``member_no``)."""


def filtered_by(parameter: str, field: str) -> bool:
    """True when ``?parameter=`` may filter by rows' ``field``: its name, or it and an identifier word."""
    named, held = words(parameter), words(field)
    return held == named or (
        len(held) == len(named) + 1 and held[:-1] == named and held[-1] in _IDENTIFIER
    )


def person_numbers(record: Mapping[str, Any]) -> set[str]:
    """A person's numbers in its own record: ``member_no``, ``customerNumber``, ``user_id``."""
    found = set()
    for name, value in record.items():
        parts = words(name)
        if len(parts) != 2 or parts[1] not in _IDENTIFIER or not holds_accounts(parts[0]):
            continue
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            found.add(str(value))
    return found


class Filters:
    """An API's listing filters that may name a person, and the row field each was found to take."""

    def __init__(self, api: Api) -> None:
        self._candidates = {
            op.key: (op, found)
            for op in api.operations
            if is_listing(op) and (found := tuple(p for p in op.parameters if _candidate(api, p)))
        }
        self._names = frozenset(p.name for _, ps in self._candidates.values() for p in ps)
        self._kept: dict[str, bool] = {}
        self._taken: dict[tuple[str, str], str] = {}
        """The row field each filter was found to take, by operation key and parameter name."""

    def keeps(self, field: str) -> bool:
        """True for a row field some filter may take: ``scan.listed`` keeps its values."""
        if field not in self._kept:
            self._kept[field] = any(filtered_by(name, field) for name in self._names)
        return self._kept[field]

    def takes(self, field: str) -> bool:
        """True for a row field a filter was found to take (``member_no``)."""
        return field in self._taken.values()

    def slots(self, operation: Operation) -> tuple[Slot, ...]:
        """The filters of ``operation`` found to name the caller, as slots."""
        _, parameters = self._candidates.get(operation.key, (operation, ()))
        return tuple(
            Slot(where=Where.QUERY, name=p.name, schema=p.schema, field=field)
            for p in parameters
            if (field := self._taken.get((operation.key, p.name), ""))
        )

    def learn(self, harvest: Harvest, identities: Sequence[Identity]) -> None:
        """Find the filters every identity's own rows name it in (module docstring)."""
        held = {i.name: harvest.lists.held(i.name, _own(harvest, i)) for i in identities}
        for op, parameters in self._candidates.values():
            _, resource = resource_of(op.path)
            for parameter in parameters:
                found = {
                    identity.name: (identity, pick)
                    for identity in identities
                    if (pick := _pick(parameter.name, resource, held[identity.name]))
                }
                fields = {field for _, (field, _) in found.values()}
                values = {value for _, (_, value) in found.values()}
                if len(found) < 2 or len(fields) > 1 or len(values) < len(found):
                    continue
                (field,) = fields
                self._taken[(op.key, parameter.name)] = field
                integer = "integer" in json_types(parameter.schema)
                for identity, (_, value) in found.values():
                    own = int(value) if integer and value.isdigit() else value
                    harvest.record_own(identity, field, own)


def _candidate(api: Api, parameter: Parameter) -> bool:
    """A query parameter that may name a person: a plain string or integer, not id-like."""
    if parameter.location is not ParameterLocation.QUERY or IDLIKE.search(parameter.name):
        return False
    schema = api.deref(parameter.schema)
    types = json_types(schema)
    return "enum" not in schema and (not types or bool(types & {"string", "integer"}))


def _own(harvest: Harvest, identity: Identity) -> set[str]:
    """What names ``identity``: its login's and ``/me``'s ids and names, its own record's numbers."""
    record = harvest.records.get(identity.name, {})
    return set(harvest.own_names.get(identity.name, ())) | person_numbers(record)


def _pick(parameter: str, resource: str, held: set[tuple[str, str, str]]) -> tuple[str, str] | None:
    """The field of ``resource``'s rows ``?parameter=`` filters by, and the one value they hold."""
    fitting = sorted(
        (field != parameter, field, value)
        for kind, field, value in held
        if kind == resource and filtered_by(parameter, field)
    )
    return (fitting[0][1], fitting[0][2]) if fitting else None
