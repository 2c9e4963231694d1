"""What makes the contract mark an operation as a privileged role's (``_privilege.marking``)."""

from __future__ import annotations

import pytest

from apiward.scan.checks._privilege import Marking, granted, marking, owner_403
from apiward.spec.model import Operation, Response

MARKED = [
    ("/invoices", (), "List every invoice. Admin only.", "admin", True),
    ("/reports", (), "For administrators only", "administrators", True),
    ("/reports", (), "Only staff may see this", "staff", True),
    ("/reports", (), "Internal use only", "internal", True),
    ("/reports", (), "Restricted to moderators.", "moderators", True),
    ("/reports", (), "Requires the admin role.", "admin", True),
    ("/manage/payouts", (), "", "manage", False),
    ("/v1/internal/flags", (), "", "internal", False),
    ("/refunds", ("Back-office",), "", "back-office", False),
]
UNMARKED = [
    ("/projects/{id}", (), "Manage only your own projects"),
    ("/users/me", (), "Admin-only fields are left out for everyone else."),
    ("/projects/{id}", (), "Only the owner or an admin may edit it."),
    ("/invoices", (), "Users see their own; admins see all."),
    ("/users/{adminId}", (), "Requires authentication."),
    ("/devops-tips", ("tips",), ""),
]


@pytest.mark.parametrize(
    ("path", "tags", "description", "word", "stated"), MARKED, ids=[m[2] or m[0] for m in MARKED]
)
def test_a_sentence_a_path_segment_or_a_tag_marks_it(
    path: str, tags: tuple[str, ...], description: str, word: str, stated: bool
) -> None:
    """A sentence says who may call (stated); a literal path segment or a tag only names it."""
    found = marking(Operation(method="GET", path=path, description=description, tags=tags))
    assert found is not None
    assert (found.word, found.stated) == (word, stated)


@pytest.mark.parametrize(
    ("path", "tags", "description"), UNMARKED, ids=[u[2] or u[0] for u in UNMARKED]
)
def test_other_mentions_of_roles_do_not(path: str, tags: tuple[str, ...], description: str) -> None:
    """A verb, a field list, an owner-or-admin rule, a path parameter, a word inside a word."""
    assert marking(Operation(method="GET", path=path, description=description, tags=tags)) is None


@pytest.mark.parametrize(
    ("word", "role", "above"),
    [
        ("admin", "user", True),
        ("admin", "support", True),
        ("admin", "admin", False),
        ("staff", "customer", True),
        ("staff", "employee", False),
        ("internal", "agent", False),
        ("manage", "employee", True),
        ("manage", "manager", False),
        # The aiohttp trial's "Patient directory (staff only)": its lab technician is staff.
        ("staff", "lab_tech", False),
        ("staff", "billing", False),
        ("staff", "patient", True),
        ("staff", "renter", True),
        ("admin", "lab_tech", True),
    ],
)
def test_the_marked_role_must_be_above_the_callers(word: str, role: str, above: bool) -> None:
    """'Staff only' does not keep an employee or a lab technician out, only the other side of
    the counter (a customer, a patient); 'managers' do keep employees out."""
    assert Marking(word=word, where="", stated=True).above(role) is above


GRANTED = [
    ("Editors and admins only.", "editor"),  # the Ninja trial's
    ("Record a vaccination (vets only)", "vet"),  # the Nest trial's
    ("Only moderators may hide a comment.", "moderator"),
    ("Restricted to staff and support.", "support"),
    ("Only admins and editors may publish.", "editor"),
    ("Admins, editors or vets only", "vet"),
]
NOT_GRANTED = [
    ("Editors and admins only.", "member"),
    ("Admin only.", "editor"),
    ("Feature a recipe on the home page.", "editor"),
    ("List every user account (admins only)", "user"),  # the second Nest trial's
    ("Only admins may read a user's sessions.", "user"),
]


@pytest.mark.parametrize(("description", "role"), GRANTED)
def test_a_sentence_naming_the_role_grants_it(description: str, role: str) -> None:
    """A role the sentence gives the operation to may call it: no bfla for that role."""
    assert granted(Operation(method="POST", path="/x/{id}/act", description=description), role)


@pytest.mark.parametrize(("description", "role"), NOT_GRANTED)
def test_a_sentence_that_does_not_name_the_role_grants_nothing(description: str, role: str) -> None:
    """Another role, or no sentence saying who may call: nothing granted."""
    assert not granted(Operation(method="POST", path="/x/{id}/act", description=description), role)


OWNER_RULES = [
    ("Change the plan of a workspace (workspace owner)", "Not allowed", True),  # the Nest trial's
    ("Only the owner may delete a board.", "Forbidden", True),
    ("Archive a project", "Not your project", True),
    ("List every user account (admins only)", "Admins only", False),
    ("Suspend an account (staff only)", "Forbidden", False),
]


@pytest.mark.parametrize(("summary", "refusal", "owners"), OWNER_RULES)
def test_a_403_on_an_operation_given_to_its_owner_is_an_owner_check(
    summary: str, refusal: str, owners: bool
) -> None:
    """An owner's operation refuses others for being others, not for their role."""
    responses = {"403": Response(description=refusal)}
    operation = Operation(method="PATCH", path="/x/{id}", summary=summary, responses=responses)
    assert owner_403(operation) is owners
