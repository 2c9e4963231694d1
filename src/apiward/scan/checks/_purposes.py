"""Id slots whose purpose is to reach what is not the caller's: no BOLA to name another's there.

* A **destination** (``to_account``, ``recipient``, ``payee``; camelCase ``toAccount``,
  not ``tokenId``): pointing a write at another's object is what it is for.
* A **grantee**: the person a creation under an object is for (``POST
  /documents/{id}/shares {"user_id"}``, adding bob to one's project): the parent's path id
  is what bola tries there.
* An object **the scan itself shared** (:func:`shared_by_scan`): something it made under
  the object names a person in its body, with a made-up value that may be the very peer
  ``bola`` tries it as (the desk of ``tests/scan/test_patterned_ids.py``).
* A **capability**: an unguessable secret in the path named as one (``/shared/invoices/
  {shareToken}``, ``/invites/{code}``): whoever holds it may read by design, so another's
  answering is no finding; a guessable one (``WELCOME50``, ``INV-2024-0001``) is still tried.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from apiward.core.sensitive import entropy
from apiward.scan._objects import creates
from apiward.scan.entries import Created
from apiward.scan.fields import tokens
from apiward.scan.fitting import Slot
from apiward.scan.request import Where
from apiward.spec import Api, Operation, ParameterLocation

_DESTINATION = re.compile(
    r"(^|[_-])(to|dest|destination|target|recipient|payee|beneficiary|receiver)([_-]|$)"
    r"|^(to|dest)(?-i:[A-Z])",  # toAccount, destId; not tokenId, toolId (the Litestar trial's)
    re.IGNORECASE,
)
_DESTINED = frozenset({"recipient", "payee", "beneficiary", "receiver", "destination"})
"""Words that name where something goes, in any case (``recipientId``, ``messageRecipient``)."""
_GRANTEE = frozenset(
    {"user", "member", "person", "collaborator", "invitee", "grantee", "assignee", "signer"}
)
_SHARED_WITH = _GRANTEE | {"email", "recipient"}
"""What a share's body names its person by: a grantee's words, an e-mail, a recipient."""
_CAPABILITY = frozenset({"token", "code", "secret", "share", "invite", "invitation", "link"})
MIN_LENGTH = 10
RANDOMNESS = 0.85
"""A random code's entropy per character is near the most its length allows (``log2`` of
its length, hex's 4 bits at most): ``Tnz3nXcSfv`` has 3.1 of 3.3; ``INV-2024-0001`` 2.8 of 3.7."""


def destination(slot: Slot) -> bool:
    """True when ``slot`` names where a write sends something (``recipientId`` too: the hapi
    trial's message to another student was a high BOLA)."""
    words = tokens(slot.name)
    return bool(_DESTINATION.search(slot.name)) or bool(_DESTINED & set(words))


def grantee(api: Api, op: Operation, slot: Slot) -> bool:
    """True when ``slot`` names a person in the body of a creation under an object.

    Sharing one's document with bob, adding him to one's project: naming another person
    there is the purpose (the Connexion trial's shares).
    """
    if op.method != "POST" or slot.where is not Where.BODY or not creates(api, op):
        return False
    nested = any(p.location is ParameterLocation.PATH for p in op.parameters)
    return nested and bool(_GRANTEE & set(tokens(slot.name)))


def shared_by_scan(created: Iterable[Created], value: object) -> bool:
    """True when one of ``created`` was made under the object ``value`` names and its body
    names a person: the scan shared that object, so another may read or edit it by design."""
    for made in created:
        if str(value) not in {str(v) for v in made.create.path_params.values()}:
            continue
        body = made.create.body
        if isinstance(body, dict) and any(_SHARED_WITH & set(tokens(str(k))) for k in body):
            return True
    return False


def capability(slot: Slot, value: object) -> bool:
    """True when ``value`` in path ``slot`` is a secret link's: named so, and not guessable."""
    words = set(tokens(slot.name))
    if slot.where is not Where.PATH or not words & _CAPABILITY or words & {"id", "uuid"}:
        return False
    text = str(value)
    mixed = any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
    most = min(math.log2(max(len(text), 1)), 4.0)
    return len(text) >= MIN_LENGTH and mixed and entropy(text) >= RANDOMNESS * most
