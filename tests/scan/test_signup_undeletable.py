"""Where nothing deletes accounts, a default scan signs up only the few it needs.

A podcast directory in FastAPI (its own generated contract, its 422 validation errors):
anyone signs up at ``POST /auth/register`` (201, the new listener) and logs in at
``POST /auth/login``; listeners read and rename themselves at ``/me``. No operation
removes a listener, so every sign-up stays. The injection checks, slow input, resource
limits and scripted sign-ups would each add accounts for good: a default scan withholds
them (a skip saying so) and keeps only the throwaway login account and mass assignment's
bounded probes; ``--aggressive`` sends them. The twin has an admin's
``DELETE /admin/users/{user_id}``: there every probe goes, and its accounts are deleted.
"""

import itertools
import secrets
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from tests.conftest import scan_with_identities

from apiward.scan.check import SkipReason
from apiward.scan.checks.mass_assignment import MAX_FIELDS
from serving import serving

NEEDED = 2 + MAX_FIELDS + 1 + 2
"""The accounts a default scan may leave: the login check's and mass assignment's plain
user, then at most one per privilege field it probes and one for guessed admin flags, and
slow_input's first value of each parsed field when the field takes it (it stops there)."""
PROBES = [
    "sql_injection",
    "nosql_injection",
    "command_injection",
    "template_injection",
    "business_flows",
]


class Registration(BaseModel):
    email: str
    password: str
    display_name: str


class Credentials(BaseModel):
    email: str
    password: str


class Rename(BaseModel):
    display_name: str


class Listener(BaseModel):
    id: int
    email: str
    display_name: str
    role: str


class Directory:
    """The directory's listeners; ``deletable`` adds the admin's DELETE.

    ``logs_in``: the sign-up answers 200 with a token, as the login does, not 201 with
    the listener (no collection beside it: the contract shows no creation).
    """

    def __init__(self, *, deletable: bool, logs_in: bool = False) -> None:
        self.deletable = deletable
        self.logs_in = logs_in
        self.users: dict[int, dict[str, Any]] = {
            1: {"id": 1, "email": "ines@pods.test", "display_name": "Ines", "role": "listener"},
            2: {"id": 2, "email": "omar@pods.test", "display_name": "Omar", "role": "listener"},
            3: {"id": 3, "email": "admin@pods.test", "display_name": "Ed", "role": "admin"},
        }
        self.passwords = {1: "ines-pw-7781", 2: "omar-pw-8812", 3: "admin-pw-9923"}
        self.serial = itertools.count(4)
        self.tokens: dict[str, int] = {}

    def made(self) -> list[dict[str, Any]]:
        """The accounts that are not seeded."""
        return [u for n, u in self.users.items() if n > 3]

    def app(self) -> FastAPI:
        """The directory as an ASGI app."""
        api = FastAPI(title="podcast directory")
        bearer = HTTPBearer(auto_error=False)

        def caller(
            token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        ) -> dict[str, Any]:
            number = self.tokens.get(token.credentials) if token else None
            if number is None or number not in self.users:
                raise HTTPException(status_code=401, detail="Not authenticated")
            return self.users[number]

        def issue(number: int) -> dict[str, str]:
            token = secrets.token_hex(12)
            self.tokens[token] = number
            return {"access_token": token, "token_type": "bearer"}

        def register(body: Registration) -> Any:
            if any(u["email"] == body.email for u in self.users.values()):
                raise HTTPException(status_code=409, detail="Email already registered")
            number = next(self.serial)
            user = {"id": number, "email": body.email, "display_name": body.display_name}
            self.users[number] = {**user, "role": "listener"}
            self.passwords[number] = body.password
            return issue(number) if self.logs_in else Listener(**self.users[number])

        if self.logs_in:
            api.post("/auth/register")(register)
        else:
            api.post("/auth/register", status_code=201, response_model=Listener)(register)

        @api.post("/auth/login")
        def login(body: Credentials) -> dict[str, str]:
            for number, user in self.users.items():
                if (user["email"], self.passwords[number]) == (body.email, body.password):
                    return issue(number)
            raise HTTPException(status_code=401, detail="Incorrect email or password")

        @api.get("/me")
        def me(user: Annotated[dict[str, Any], Depends(caller)]) -> Listener:
            return Listener(**user)

        @api.patch("/me")
        def rename(body: Rename, user: Annotated[dict[str, Any], Depends(caller)]) -> Listener:
            user["display_name"] = body.display_name
            return Listener(**user)

        if self.deletable:

            @api.delete("/admin/users/{user_id}", status_code=204)
            def remove(user_id: int, user: Annotated[dict[str, Any], Depends(caller)]) -> None:
                if user["role"] != "admin":
                    raise HTTPException(status_code=403, detail="Admins only")
                if self.users.pop(user_id, None) is None:
                    raise HTTPException(status_code=404, detail="Not found")

        return api


IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: {role}\n    login: {{operation: POST /auth/login, "
    f"json: {{email: {email}, password: {password}}}, token: access_token}}\n"
    for name, role, email, password in [
        ("ed", "admin", "admin@pods.test", "admin-pw-9923"),
        ("ines", "listener", "ines@pods.test", "ines-pw-7781"),
        ("omar", "listener", "omar@pods.test", "omar-pw-8812"),
    ]
)


def _scan(
    tmp_path_factory: pytest.TempPathFactory, directory: Directory, *mode: str
) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("directory")
    with serving(directory.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, *mode)
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    return report


@pytest.fixture(scope="module", params=[False, True], ids=["answers-listener", "answers-token"])
def default(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Directory, dict[str, Any]]:
    """A default scan of the directory, its sign-up answering the listener or a token."""
    directory = Directory(deletable=False, logs_in=request.param)
    return directory, _scan(tmp_path_factory, directory)


def _lasting(report: dict[str, Any]) -> set[str]:
    """The checks that withheld the sign-up because its account would stay."""
    return {
        s["check"]
        for s in report["skipped"]
        if s["operation"] in {"POST /auth/register", None}
        and s["reason"] == SkipReason.LASTING.value
    }


def test_a_default_scan_leaves_only_the_accounts_it_needs(
    default: tuple[Directory, dict[str, Any]],
) -> None:
    """Probes that would sign up accounts for good are skipped, each saying why; the rest are few."""
    directory, report = default
    assert set(PROBES) <= _lasting(report), _lasting(report)
    assert 0 < len(directory.made()) <= NEEDED, [u["email"] for u in directory.made()]
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    assert len(rows) == len(directory.made())


def test_aggressive_sends_the_sign_up_probes(tmp_path_factory: pytest.TempPathFactory) -> None:
    """--aggressive withholds nothing for that reason, and leaves more accounts than it needs."""
    directory = Directory(deletable=False)
    report = _scan(tmp_path_factory, directory, "--aggressive")
    assert _lasting(report) == set()
    assert len(directory.made()) > NEEDED


def test_where_accounts_can_be_deleted_every_probe_goes_as_before(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The admin's DELETE removes the accounts the scan signed up, so no probe is withheld.

    What stays is what stayed before: a probe's value in the only name (the e-mail) is
    not the scan's to claim (``scan.accounts.made_names``), so that account is listed.
    """
    directory = Directory(deletable=True)
    report = _scan(tmp_path_factory, directory)
    assert _lasting(report) == set()
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    deleted = [r for r in rows if r["state"] == "deleted"]
    left = [r for r in rows if r["state"] != "deleted"]
    assert len(deleted) > NEEDED
    assert all("not made by the scan" in r["detail"] for r in left), left
    assert len(directory.made()) == len(left)
    assert [directory.users[n]["email"] for n in (1, 2, 3)] == [
        "ines@pods.test",
        "omar@pods.test",
        "admin@pods.test",
    ]
