"""What a scan changed on its target, and where each change stands after the restore phase."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from apiward.core.findings import RecordedRequest
from apiward.scan.entries import Sender
from apiward.scan.request import BodyKind, Request, curl

if TYPE_CHECKING:
    from apiward.scan.ledger import Ledger


class What(StrEnum):
    """What kind of change the scan made."""

    WRITTEN = "object written"
    CREATED = "object created"
    ACCOUNT = "account signed up"
    INVITED = "account an invitation made"
    BESIDE = "object a sign-up made"
    MOVED = "value moved"
    IDENTITY = "identity"


class State(StrEnum):
    """Where the change stands after the restore phase."""

    RESTORED = "restored"
    NOT_RESTORED = "not restored"
    DELETED = "deleted"
    LEFT = "left"
    NO_LOGIN = "no longer logs in"


DAMAGE = frozenset({State.NOT_RESTORED, State.NO_LOGIN})


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetChange:
    """One thing the scan changed on the target and where it stands now."""

    what: What
    object: str
    state: State
    by: str = ""
    detail: str = ""
    undo: str = ""
    """A ``curl`` line (without credentials: send it as ``by``) that undoes it, if one is known."""

    @property
    def damage(self) -> bool:
        """True when the target is left worse than the scan found it."""
        return self.state in DAMAGE


def change(
    what: What, request: Request, now: State, by: Sender, detail: str, undo: str = ""
) -> TargetChange:
    """The change ``request``'s object went through, as ``by``."""
    return TargetChange(
        what=what, object=request.target, state=now, by=by.name, detail=detail, undo=undo
    )


def curl_line(ledger: Ledger, request: Request) -> str:
    """``request`` as a curl line without credentials (the report says whose they must be)."""
    body = ""
    headers: tuple[tuple[str, str], ...] = ()
    if request.body_kind is BodyKind.JSON:
        transport = ledger.sessions.transport
        body = json.dumps(transport.json_body(request))
        headers = (("content-type", transport.json_media(request)),)
    elif request.body_kind is BodyKind.FORM and isinstance(request.body, dict):
        body = urlencode(request.body)
        headers = (("content-type", "application/x-www-form-urlencoded"),)
    url = ledger.sessions.transport.url(request)
    return curl(RecordedRequest(method=request.method, url=url, headers=headers, body=body))
