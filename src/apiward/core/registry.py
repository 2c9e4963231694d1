"""A named collection of extension points (checks, rules, report formats, storages).

Registries are explicit objects started from an explicit tuple, never filled by import
side effects, so a test can build its own and nothing global needs resetting::

    FORMATS = Registry[Writer]("report format", (("json", write_json), ("sarif", write_sarif)))
    FORMATS.get("sarif")
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Items by unique name, in the order they were registered."""

    def __init__(self, kind: str, items: Iterable[tuple[str, T]] = ()) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        for name, item in items:
            self.register(name, item)

    def register(self, name: str, item: T) -> T:
        """Add ``item`` under ``name``; a name is registered once."""
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        """The item called ``name``; a KeyError says which names exist."""
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(self._items) or "none"
            raise KeyError(f"unknown {self.kind} {name!r} (known: {known})") from None

    def names(self) -> tuple[str, ...]:
        """Every registered name, in registration order."""
        return tuple(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)
