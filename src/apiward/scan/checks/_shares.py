"""Objects the scan itself shared with someone: another may read or edit them by design.

A share of a document, a member added to a project: a creation under an object whose
body names a person. The harvest makes such things with made-up values, and a made-up
``user_id`` may be the very peer ``bola`` then tries the object as: it reads the
document because its owner shared it (the Connexion-style desk of
``tests/scan/test_patterned_ids.py``, once bola looked past a first object with no
shares to one the harvest had shared).
"""

from __future__ import annotations

from apiward.scan.context import Context
from apiward.scan.fields import tokens
from apiward.scan.harvest import Sighting

_GRANTEES = frozenset(
    {"user", "member", "grantee", "recipient", "email", "assignee", "collaborator", "invitee"}
)


def shared_by_scan(ctx: Context, obj: Sighting) -> bool:
    """True when the scan made something under ``obj`` whose body names a person."""
    value = str(obj.value)
    for made in ctx.ledger.created:
        if value not in {str(v) for v in made.create.path_params.values()}:
            continue
        body = made.create.body
        if isinstance(body, dict) and any(_GRANTEES & set(tokens(str(k))) for k in body):
            return True
    return False
