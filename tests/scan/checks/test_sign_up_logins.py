"""How a user the scan signed up logs in: with its own values, never a file identity's secret."""

from __future__ import annotations

import pytest

from apiward.core.errors import ConfigError
from apiward.scan.checks._sign_up import _filled
from apiward.scan.identities import Login
from apiward.scan.request import Request

ALICE = Login(
    method="POST",
    path="/authentication",
    body={"strategy": "local", "email": "alice@huddle.test", "password": "Alice#Huddle2024"},
)


def _sign_up(**body: str) -> Request:
    return Request(method="POST", path="/users", body=body)


def test_the_sign_ups_values_replace_the_identitys() -> None:
    """E-mail and password are the new account's; the rest of the login stays."""
    login = _filled(ALICE, _sign_up(email="apiward1@example.com", password="Aw-new-9x"))
    assert login.body == {
        "strategy": "local",
        "email": "apiward1@example.com",
        "password": "Aw-new-9x",
    }


def test_a_password_under_another_name_is_the_one_sent() -> None:
    """A sign-up's ``passwd`` fills the login's ``password``."""
    login = _filled(ALICE, _sign_up(email="apiward2@example.com", passwd="Aw-other-9x"))
    assert login.body["password"] == "Aw-other-9x"


def test_without_a_password_of_its_own_the_account_does_not_log_in() -> None:
    """The Feathers trial's scan had sent alice's password for a password-less sign-up."""
    with pytest.raises(ConfigError):
        _filled(ALICE, _sign_up(email="apiward3@example.com"))


def test_a_login_taking_no_password_needs_none() -> None:
    """A login by e-mail and a code the sign-up does not set keeps its other fields."""
    by_code = Login(method="POST", path="/login", body={"email": "a@x.example", "code": "123"})
    login = _filled(by_code, _sign_up(email="apiward4@example.com"))
    assert login.body == {"email": "apiward4@example.com", "code": "123"}
