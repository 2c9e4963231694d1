"""A recruiting API's shared talent pool, written the FastAPI way: the tenant named by slug.

acme has two recruiters (rita, rob) and globex one (gina). ``GET /me`` names the caller's
company by its slug (``company: "acme"``, the key of ``/companies/{slug}``), and a candidate
holds no company of its own: the handlers scope it through a table the answers never show.
The contract gives the pool to the company ("Any recruiter of the owning company") and a
candidate's archiving, a one-way action, says only "Recruiters only.". ``GET /me`` also
moves ``last_seen_at`` at every read, and ``POST /me/tokens`` answers the caller's new
personal token once.

``TalentPool(flawed=True)`` loads a candidate for ``PATCH /candidates/{slug}`` by its slug
alone: gina edits acme's candidates. ``flawed=False`` checks the company there too.
"""

import itertools
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

CANDIDATE = "/candidates/{slug}"
PEOPLE = {"rita": "acme", "rob": "acme", "gina": "globex"}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: recruiter\n    headers: {{Authorization: Bearer tp-{name}-7781}}\n"
    for name in PEOPLE
)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


class NewCandidate(BaseModel):
    name: str
    email: str


class CandidateChange(BaseModel):
    name: str | None = None
    stage: str | None = None


class NewToken(BaseModel):
    name: str


def seeded() -> dict[str, dict[str, Any]]:
    """The candidates the pool starts with, and whose company each is."""
    return {
        "ann-lee": {"slug": "ann-lee", "name": "Ann Lee", "email": "ann@mail.test", "stage": "new",
                    "added_by": "rita", "_company": "acme", "archived": False},
        "bo-kim": {"slug": "bo-kim", "name": "Bo Kim", "email": "bo@mail.test", "stage": "screen",
                   "added_by": "gina", "_company": "globex", "archived": False},
    }  # fmt: skip


class TalentPool(FastAPI):
    """The API; ``candidates`` is its state."""

    def __init__(self, *, flawed: bool) -> None:
        super().__init__(title="Talent pool")
        self.flawed = flawed
        self.candidates = seeded()
        self.tokens = {f"tp-{name}-7781": name for name in PEOPLE}
        self.made = itertools.count(1)
        self._routes()

    def caller(self, cred: HTTPAuthorizationCredentials | None) -> str:
        user = self.tokens.get(cred.credentials) if cred else None
        if user is None:
            raise HTTPException(401, "Not authenticated")
        return user

    def candidate(self, slug: str, user: str, *, scoped: bool = True) -> dict[str, Any]:
        found = self.candidates.get(slug)
        if found is None or (scoped and found["_company"] != PEOPLE[user]):
            raise HTTPException(404, "Candidate not found")
        return found

    def _routes(self) -> None:
        def shown(c: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in c.items() if not k.startswith("_")}

        @self.get("/me", summary="My account")
        def me(cred: Bearer) -> dict[str, Any]:
            user = self.caller(cred)
            seen = datetime.now(UTC).isoformat()
            return {"username": user, "company": PEOPLE[user], "last_seen_at": seen}

        @self.post("/me/tokens", status_code=201, summary="Create a personal access token")
        def new_token(body: NewToken, cred: Bearer) -> dict[str, Any]:
            user = self.caller(cred)
            token = secrets.token_urlsafe(24)
            self.tokens[token] = user
            return {"id": next(self.made), "name": body.name, "token": token}

        @self.get("/companies/{slug}", summary="Public profile of a company")
        def company(slug: str) -> dict[str, str]:
            if slug not in set(PEOPLE.values()):
                raise HTTPException(404, "Company not found")
            return {"slug": slug, "name": slug.title()}

        @self.get("/candidates", summary="Your company's talent pool")
        def pool(cred: Bearer) -> list[dict[str, Any]]:
            mine = PEOPLE[self.caller(cred)]
            return [shown(c) for c in self.candidates.values() if c["_company"] == mine]

        @self.post("/candidates", status_code=201, summary="Add a candidate to your company's pool")
        def add(body: NewCandidate, cred: Bearer) -> dict[str, Any]:
            user = self.caller(cred)
            slug = f"{body.name.lower().replace(' ', '-')}-{next(self.made)}"
            made = {"slug": slug, **body.model_dump(), "stage": "new", "added_by": user}
            self.candidates[slug] = {**made, "_company": PEOPLE[user], "archived": False}
            return shown(self.candidates[slug])

        @self.get(CANDIDATE, summary="Get a candidate",
                  description="Any recruiter of the owning company.")  # fmt: skip
        def read(slug: str, cred: Bearer) -> dict[str, Any]:
            return shown(self.candidate(slug, self.caller(cred)))

        @self.patch(CANDIDATE, summary="Update a candidate",
                    description="Any recruiter of the owning company.")  # fmt: skip
        def change(slug: str, body: CandidateChange, cred: Bearer) -> dict[str, Any]:
            found = self.candidate(slug, self.caller(cred), scoped=not self.flawed)
            found.update(body.model_dump(exclude_none=True))
            return shown(found)

        @self.delete(CANDIDATE, status_code=204, summary="Delete a candidate",
                     description="Any recruiter of the owning company.")  # fmt: skip
        def delete(slug: str, cred: Bearer) -> None:
            del self.candidates[self.candidate(slug, self.caller(cred))["slug"]]

        @self.post(f"{CANDIDATE}/archive", summary="Archive a candidate",
                   description="Recruiters only.")  # fmt: skip
        def archive(slug: str, cred: Bearer) -> dict[str, Any]:
            found = self.candidate(slug, self.caller(cred))
            found["archived"] = True
            return shown(found)
