"""The words a policy chooses from, as types: one check however a policy is built.

A record of the policy (``ValidatePolicy``, ``OwnershipRule``...) turns each of its
vocabulary fields into the member of its ``StrEnum`` in ``__post_init__``, through
:func:`choose`, so ``ValidatePolicy(unknown_properties="Refuse")`` built in Python
fails exactly as the same word in a YAML file does; the file's JSON Schema lists
the members of the same enums (:func:`words`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from apiward.core.errors import ConfigError

E = TypeVar("E", bound=StrEnum)


class Decision(StrEnum):
    """What the guard does with something the contract does not allow."""

    REFUSE = "refuse"
    ALLOW = "allow"


class Strings(StrEnum):
    """What the guard does with control characters and non-NFC text in strings."""

    REFUSE_UNSAFE = "refuse-unsafe"
    ALLOW = "allow"


class Unknown(StrEnum):
    """What an ownership rule does when its hook knows no such object."""

    REFUSE = "refuse"
    PASS = "pass"  # noqa: S105 - a word of the policy, not a credential


class Location(StrEnum):
    """Where a request value an ownership rule reads travels."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    BODY = "body"


class Signature(StrEnum):
    """A kind of injection the injection stage looks for in free strings."""

    SQL = "sql"
    TEMPLATE = "template"
    TRAVERSAL = "traversal"


def choose(record: Any, name: str, vocabulary: type[E], pointer: str) -> None:
    """Set ``record.name`` to its member of ``vocabulary``; ConfigError naming the choices if none."""
    object.__setattr__(record, name, _member(getattr(record, name), vocabulary, pointer))


def choose_each(record: Any, name: str, vocabulary: type[E], pointer: str) -> None:
    """Set the tuple ``record.name`` to members of ``vocabulary``, as :func:`choose` does one."""
    values = getattr(record, name)
    members = tuple(_member(v, vocabulary, f"{pointer}/{i}") for i, v in enumerate(values))
    object.__setattr__(record, name, members)


def _member(value: Any, vocabulary: type[E], pointer: str) -> E:
    try:
        return vocabulary(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in vocabulary)
        raise ConfigError(f"{value!r} is not one of {allowed}", pointer=pointer) from None


def words(vocabulary: type[StrEnum]) -> dict[str, list[str]]:
    """The JSON Schema of a vocabulary field: its members' values."""
    return {"enum": [m.value for m in vocabulary]}
