"""The one privilege vocabulary (withhold and mass assignment), unique fields, identifiers,
and the one credential vocabulary of sign-ups and logins."""

from __future__ import annotations

import pytest

from apiward.scan.fields import (
    credentials,
    is_identifier,
    is_password,
    is_privileged,
    is_profile,
    is_recipient,
    is_remember_flag,
    is_unique,
    names_owner,
    privileged_value,
    tokens,
)


def test_names_split_into_words_in_every_spelling() -> None:
    """snake, camel and kebab names give the same words."""
    assert tokens("is_admin") == tokens("isAdmin") == tokens("is-admin") == ["is", "admin"]
    assert tokens("transferLimitEUR") == ["transfer", "limit", "eur"]


PRIVILEGED = [
    "role", "roles", "role_id", "userRole", "is_admin", "isAdmin", "admin", "permissions",
    "scope", "scopes", "verified", "email_verified", "approved", "blocked", "is_banned",
    "balance", "credit", "credits", "tier", "plan", "subscription_plan", "owner", "owner_id",
    "is_staff", "superuser", "groups", "group_id", "quota", "transfer_limit", "creditLimit",
    "spending-limit", "rate_limit_per_minute", "access_level", "profile.role", "plan_id",
    "billingPlan", "membership_plan",
]  # fmt: skip
NOT_PRIVILEGED = [
    "card_limit", "limit", "page_limit", "limits", "nickname", "name", "active", "is_active",
    "enabled", "credit_card", "creditCardNumber", "owner_name", "owner_email", "staff_id",
    "overdraft", "description", "level", "log_level", "planet", "scoped_note", "rolex",
    "balanced_diet", "grouping", "planting_plan", "lessonPlan", "care_plan",
]  # fmt: skip


@pytest.mark.parametrize("name", PRIVILEGED)
def test_privilege_fields(name: str) -> None:
    """Rights, standings, money and qualified limits are privilege fields, in any spelling."""
    assert is_privileged(name)


@pytest.mark.parametrize("name", NOT_PRIVILEGED)
def test_not_privilege_fields(name: str) -> None:
    """Whole words only, and a limit of a thing one creates (card_limit) is not a privilege."""
    assert not is_privileged(name)


def test_a_flag_that_bans_grants_when_false() -> None:
    """Being unblocked is the gain: blocked/banned grant when false, is_admin when true."""
    assert privileged_value("is_admin") is True
    assert privileged_value("blocked") is False
    assert privileged_value("user.is_banned") is False


@pytest.mark.parametrize(
    ("name", "unique"),
    [
        ("email", True), ("contact_email", True), ("phone", True), ("mobileNumber", True),
        ("username", True), ("slug", True), ("handle", True), ("name", True), ("title", True),
        ("display_name", True), ("first_name", False), ("department", False),
        ("description", False), ("amount", False),
    ],
)  # fmt: skip
def test_unique_fields(name: str, unique: bool) -> None:
    """Contact details, user names, slugs and a bare name/title are unique; a first name is not."""
    assert is_unique(name) is unique


@pytest.mark.parametrize(
    ("name", "identifier"),
    [
        ("id", True), ("owner_id", True), ("userId", True), ("api_key", True),
        ("created_at", True), ("updatedAt", True), ("password_hash", True),
        ("referral_code", True), ("role", False), ("transfer_limit", False), ("bio", False),
    ],
)  # fmt: skip
def test_identifiers_and_secrets(name: str, identifier: bool) -> None:
    """Ids, keys, codes, hashes, passwords and timestamps are identifiers, never candidates."""
    assert is_identifier(name) is identifier


PASSWORDS = [
    "password", "new_password", "passwordConfirmation", "password_confirmation", "Passwd",
    "pwd", "PASSWORD", "user_pass", "newPassword", "userpassword", "client_secret", "password2",
]  # fmt: skip
NOT_PASSWORDS = ["passport", "passenger", "bypass_token", "passcode", "username", "pin"]


@pytest.mark.parametrize("name", PASSWORDS)
def test_password_fields(name: str) -> None:
    """A password word in any spelling, as a word of the name or its end, is a password field."""
    assert is_password(name)


@pytest.mark.parametrize("name", NOT_PASSWORDS)
def test_words_that_hold_pass_are_no_password_fields(name: str) -> None:
    """``passport`` and ``passenger`` hold the letters, not the word."""
    assert not is_password(name)


@pytest.mark.parametrize(
    ("names", "pair"),
    [
        (["email", "password"], ("email", "password")),
        (["client_id", "client_secret", "username", "password"], ("username", "password")),
        (["id", "pwd"], ("id", "pwd")),
        (["id", "login", "password"], ("login", "password")),
        (["grant_type", "client_secret"], None),
        (["username", "remember_me"], None),
    ],
    ids=["email", "oauth-password-grant", "bare-id", "id-last", "client-only", "no-password"],
)
def test_credentials_pick_the_account_and_the_password(
    names: list[str], pair: tuple[str, str] | None
) -> None:
    """A password word before a client secret; ``id`` only when nothing else names the account."""
    assert credentials(names) == pair


@pytest.mark.parametrize(
    ("name", "profile"),
    [
        ("avatarUrl", True),
        ("display_name", True),
        ("bio", True),
        ("member_since", True),
        ("followers_count", True),
        ("runnerId", True),
        ("email", False),
        ("last_login", False),
        ("birth_date", False),
        ("private_url", False),
        ("national_id", False),
        ("bank_account_id", False),
    ],
)
def test_profile_fields(name: str, profile: bool) -> None:
    """What a public member profile shows: names, avatar, bio, dates, counts, its own id."""
    assert is_profile(name) is profile


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("owner", True),
        ("ownerId", True),
        ("author_id", True),
        ("created_by", True),
        ("user_id", True),
        ("user", True),
        ("username", False),
        ("contact_email", False),
        ("company", False),
    ],
)
def test_fields_naming_an_owner(name: str, owner: bool) -> None:
    """An owner, author or creator, or a bare user id, names whom an object belongs to."""
    assert names_owner(name) is owner


@pytest.mark.parametrize(
    ("name", "recipient"),
    [
        ("to", True), ("to_account", True), ("toUserId", True), ("send_to", True),
        ("transfer_to_wallet", True), ("recipient_id", True), ("payee_email", True),
        ("user", True), ("user_id", False), ("daysToMaturity", False), ("time_to_live", False),
        ("ready_to_ship", False), ("username", False), ("recipient_phone", True),
        ("recipientName", False), ("recipient_address", False), ("beneficiaryName", False),
    ],
)  # fmt: skip
def test_fields_naming_who_receives(name: str, recipient: bool) -> None:
    """A payee or a "to" before whom it pays; a "to" inside a duration or a state names no
    one, nor does a delivery's addressee (``recipientName``, the Go trial's shipments)."""
    assert is_recipient(name) is recipient


@pytest.mark.parametrize(
    ("name", "flag"),
    [
        ("remember", True), ("remember_me", True), ("rememberMe", True), ("persistent", True),
        ("keep_signed_in", True), ("keepMeLoggedIn", True), ("stay_logged_in", True),
        ("remembered_at", False), ("keep_notes", False), ("stay_days", False), ("login", False),
    ],
)  # fmt: skip
def test_remember_me_flags(name: str, flag: bool) -> None:
    """A login's "remember me" or "keep me signed in" flag, in every spelling; no other keep or stay."""
    assert is_remember_flag(name) is flag
