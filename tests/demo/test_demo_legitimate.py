"""Legitimate use works the same in the vulnerable and the fixed bank."""

from __future__ import annotations

from demo_target import Target

from apiward.demo.seed import account_ids


def test_json_login_returns_a_bearer_token(either: Target) -> None:
    """POST /api/v2/auth/login with a JSON body gives a token that /me accepts."""
    response = either.client.post(
        "/api/v2/auth/login", json={"username": "alice", "password": "alice-wonderland-2026"}
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    token = response.json()["access_token"]
    me = either.get("/api/v2/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "alice"


def test_oauth2_password_grant_takes_a_form_body(either: Target) -> None:
    """POST /api/v2/auth/token with a form body gives a working token."""
    response = either.client.post(
        "/api/v2/auth/token",
        data={"grant_type": "password", "username": "bob", "password": "bob-builder-2026"},
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = either.get("/api/v2/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "bob"


def test_wrong_password_is_refused(either: Target) -> None:
    """A wrong password gets 401 and no token."""
    response = either.client.post(
        "/api/v2/auth/login", json={"username": "olivia", "password": "not-her-password"}
    )
    assert response.status_code == 401
    assert "access_token" not in response.text


def test_requests_without_a_token_are_refused(either: Target) -> None:
    """Documented operations that need a token answer 401 without one."""
    assert either.get("/api/v2/accounts").status_code == 401


def test_customer_reads_own_account(either: Target) -> None:
    """Alice reads her own checking account by id."""
    checking = account_ids("alice")[0]
    response = either.get(f"/api/v2/accounts/{checking}", "alice")
    assert response.status_code == 200
    assert response.json()["owner"] == "alice"


def test_customer_sends_and_reads_back_own_transfer(either: Target) -> None:
    """A transfer from Bob's own account is created, then readable by its UUID."""
    body = {
        "from_account_id": account_ids("bob")[1],
        "to_account_id": account_ids("alice")[1],
        "amount": 12.5,
        "memo": "legit transfer",
    }
    created = either.send("POST", "/api/v2/transfers", "bob", json=body)
    assert created.status_code == 201, created.text
    read = either.get(f"/api/v2/transfers/{created.json()['id']}", "bob")
    assert read.json()["memo"] == "legit transfer"


def test_statement_export_can_be_downloaded(either: Target) -> None:
    """An exported statement file downloads as CSV with the account's transfers."""
    checking = account_ids("alice")[0]
    exported = either.send(
        "POST", "/api/v2/statements/export", "alice", json={"account_id": checking}
    )
    assert exported.status_code == 201
    download = either.get(exported.json()["download_url"], "alice")
    assert download.status_code == 200
    assert "Pizza night" in download.text


def test_notification_placeholders_are_filled(either: Target) -> None:
    """{{ user.full_name }} and {{ payment.amount }} are replaced in a preview."""
    template = "Hi {{ user.full_name }}, you paid {{ payment.amount }} EUR."
    response = either.send(
        "POST", "/api/v2/notifications/preview", "alice", json={"template": template}
    )
    assert response.json()["rendered"] == "Hi Alice Liddell, you paid 42.00 EUR."


def test_known_exchange_rate(either: Target) -> None:
    """A known currency has a rate, without a token."""
    assert either.get("/api/v2/exchange-rates/usd").json() == {
        "currency": "USD",
        "rate_to_eur": 0.92,
    }


def test_admin_lists_users_and_changes_a_role(either: Target) -> None:
    """The admin lists users and makes Tina an admin, then back to support."""
    users = either.get("/api/v2/admin/users", "admin").json()
    assert {"alice", "bob", "admin"} <= {user["username"] for user in users}
    changed = either.send("PUT", "/api/v2/admin/users/tina/role", "admin", json={"role": "admin"})
    assert changed.json()["role"] == "admin"
    either.send("PUT", "/api/v2/admin/users/tina/role", "admin", json={"role": "support"})


def test_support_sees_customers_accounts(either: Target) -> None:
    """Staff may read any customer's account."""
    response = either.get(f"/api/v2/accounts/{account_ids('carol')[0]}", "sam")
    assert response.json()["owner"] == "carol"


def test_promo_code_redeems_once(either: Target) -> None:
    """The first redemption of SUMMER20 credits 20 EUR."""
    response = either.send(
        "POST", "/api/v2/promo-codes/redeem", "olivia", json={"code": "SUMMER20"}
    )
    assert response.status_code == 200
    assert response.json()["credited"] == 20.0


def test_registration_opens_a_customer_account(either: Target) -> None:
    """A sign-up creates a customer with an empty checking account."""
    body = {"username": "newbie", "password": "newbie-password", "email": "newbie@example.org"}
    created = either.client.post("/api/v2/auth/register", json=body)
    assert created.status_code == 201
    assert created.json()["role"] == "customer"
    login = either.client.post(
        "/api/v2/auth/login", json={"username": "newbie", "password": "newbie-password"}
    )
    token = login.json()["access_token"]
    accounts = either.get("/api/v2/accounts", headers={"Authorization": f"Bearer {token}"})
    assert [account["balance"] for account in accounts.json()] == [0.0]
