"""Reads of an object before the scan's first write to it, for its snapshot.

A listing the object is picked from is read once per identity and kept until a write
under it may have landed (many writes go to objects of one listing), and paged until
the page holding the object (``pages.holding``).
"""

from __future__ import annotations

from apiward.scan import _objects, pages
from apiward.scan.entries import Sender
from apiward.scan.request import Request
from apiward.scan.sessions import Sessions
from apiward.scan.transport import Reply
from apiward.spec import Api

_NOTE = "ledger: snapshot before the first write"


class Before:
    """The reads the ledger's snapshots take, and the writes that stale them."""

    def __init__(self, api: Api, sessions: Sessions) -> None:
        self.api = api
        self.sessions = sessions
        self._lists: dict[tuple[str, str], tuple[int, Reply]] = {}
        self._writes: list[str] = []
        """Paths of the writes the target may have carried out, in order: what stales a listing."""

    def wrote(self, path: str) -> None:
        """A write to ``path`` that the target may have carried out went out."""
        self._writes.append(path)

    async def read(self, read: _objects.Reader, who: Sender) -> Reply:
        """``read`` as ``who``: the page holding the object, when it is picked from a listing."""
        key = (read.read.target, who.name if who.identity else repr(who))
        kept = self._lists.get(key)
        under = _under(read)
        if read.pick is None or kept is None or any(p.startswith(under) for p in self._stale(kept)):
            writes = len(self._writes)
            kept = (writes, await self._send(who.dress(read.read), who))
            if read.pick is not None:
                self._lists[key] = kept
        base = self.sessions.transport.base_url
        return await pages.holding(self.api, read, kept[1], base, lambda r: self._send(r, who))

    def _stale(self, kept: tuple[int, Reply]) -> list[str]:
        return self._writes[kept[0] :]

    async def _send(self, request: Request, who: Sender) -> Reply:
        return await self.sessions.send(request, as_=who.identity, note=_NOTE)


def _under(read: _objects.Reader) -> tuple[str, ...]:
    """Where a write may change what the listing shows: under it, and under the object's
    own collection (a shallow route's ``/comments/{id}`` beside ``/tasks/{id}/comments``)."""
    head, _, last = read.item.path.rstrip("/").rpartition("/")
    own = (head,) if head and last.startswith("{") else ()
    return (read.read.path.rstrip("/"), *own)
