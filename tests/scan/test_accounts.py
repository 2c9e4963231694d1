"""Which sign-ups are the scan's own: names it made afresh, or every name given back."""

from __future__ import annotations

from apiward.scan.accounts import foreign_names, made_names

PASSWORD = {"password": "apiward-pw"}


def test_fresh_names_make_the_account_the_scans() -> None:
    """Every name made afresh: the scan's, whatever the answer says of nothing else."""
    body = {"username": "apiward1a2b3", "email": "apiward1a2b4@example.com", **PASSWORD}
    assert made_names(body, {"id": 7}) == {"apiward1a2b3", "apiward1a2b4@example.com"}


def test_a_probes_value_is_the_scans_only_when_the_answer_gives_a_name_back() -> None:
    """A payload in one name, beside a fresh one: claimed when the answer echoes either, top or
    envelope (the PHP trial's sign-up answered the id and the user name only)."""
    body = {"username": "' OR 1=1--", "email": "apiward9f@example.com", **PASSWORD}
    echoed = {"id": 8, "username": "' OR 1=1--", "email": "apiward9f@example.com"}
    assert made_names(body, echoed) == {"apiward9f@example.com"}
    assert made_names(body, {"data": echoed}) == {"apiward9f@example.com"}
    assert made_names(body, {"success": True, "user_id": 8, "username": "' OR 1=1--"}) == {
        "apiward9f@example.com"
    }
    assert made_names(body, {"id": 8}) == frozenset()
    # The scan's own fresh name given back: the new account's record, whatever the payload.
    assert made_names(body, {"id": 8, "email": "apiward9f@example.com"}) == {
        "apiward9f@example.com"
    }
    junk = {"username": "apiward1a2b3", "email": "aaaaaaaaaaaaaaaa!", **PASSWORD}
    answer = {"success": True, "user_id": 46, "username": "apiward1a2b3"}
    assert made_names(junk, answer) == {"apiward1a2b3"}
    assert made_names(junk, {"success": True, "user_id": 46}) == frozenset()


def test_an_answer_naming_another_account_claims_nothing() -> None:
    """A lookup the payload turned answers with alice: even fresh-looking names claim nothing."""
    alice = {"id": 1, "username": "alice", "email": "alice@example.org"}
    spliced = {"username": "apiward1a2b3'", "email": "apiward1a2b4@example.com", **PASSWORD}
    fresh = {"username": "apiward1a2b5", "email": "apiward1a2b6@example.com", **PASSWORD}
    assert made_names(spliced, alice) == frozenset()
    assert made_names(fresh, alice) == frozenset()
    assert made_names(spliced, {"id": 1}) == frozenset()


def test_no_name_of_the_scans_or_no_password_is_no_sign_up_of_its_own() -> None:
    """Someone's name given back, or a body without a password, claims nothing."""
    assert made_names({"username": "carol", **PASSWORD}, {"username": "carol"}) == frozenset()
    assert made_names({"username": "apiward1a"}, {"username": "apiward1a"}) == frozenset()


def test_the_names_the_scan_did_not_make_are_named() -> None:
    """What a 'left' row shows: the fields that were not the scan's."""
    body = {"username": "apiward1a", "email": "aaaa!", **PASSWORD}
    assert foreign_names(body) == ["email 'aaaa!'"]


def test_an_email_stored_lowercased_is_still_given_back() -> None:
    """Django lowercases an e-mail's domain (the Ninja trial): a probe's e-mail shown so is its own."""
    body = {"username": "apiward7c1", "email": "apiward7c2@EXAMPLE.com' OR '1'='1", **PASSWORD}
    shown = {"id": 31, "username": "apiward7c1", "email": "apiward7c2@example.com' or '1'='1"}
    assert made_names(body, shown) == {"apiward7c1"}
    other = {"id": 2, "username": "apiward7c1", "email": "bob@example.com"}
    assert made_names(body, other) == frozenset()
