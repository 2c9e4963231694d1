"""A policy without ``authentication`` says at start which secured operations it does not check.

An empty policy file protects what the guard can check without secrets of the API's own:
it cannot verify a token it has no key for, so the operations the contract secures pass
to the API unauthenticated. A new user took the empty file for full protection; the
guard now names those operations in one warning, unless the policy says
``authentication: {enabled: false}`` (the API checks credentials itself, on purpose).
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

import pytest

from apiward.guard import Guard, Policy
from apiward.guard.authn.config import AuthnPolicy
from apiward.guard.policy import AuditPolicy

CONTRACT = resources.files("apiward.demo").joinpath("bank-openapi.json")


async def _app(scope: object, receive: object, send: object) -> None:
    return None


def test_an_absent_section_names_the_unchecked_operations(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The demo bank's secured operations are counted and the first ones named."""
    with caplog.at_level(logging.WARNING, logger="apiward.guard"):
        Guard(_app, policy=Policy(audit=AuditPolicy(enabled=False)), api=str(CONTRACT)).close()
    [warning] = [r.getMessage() for r in caplog.records if "no authentication" in r.getMessage()]
    assert "verifies no credentials on the" in warning
    assert "GET /api/v2/accounts" in warning


def test_a_section_turned_off_on_purpose_is_quiet(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``enabled: false`` is the user's word that the API checks credentials itself."""
    policy = Policy(audit=AuditPolicy(enabled=False), authentication=AuthnPolicy(enabled=False))
    with caplog.at_level(logging.WARNING, logger="apiward.guard"):
        Guard(_app, policy=policy, api=str(CONTRACT)).close()
    assert not [r for r in caplog.records if "no authentication" in r.getMessage()]
