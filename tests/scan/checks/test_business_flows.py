"""business_flows on a tiny shop: invitation points and a coupon claimed again and again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits_support import on, scan_only, token_user

from apiward.scan import Results
from apiward.scan.checks.business_flows import BusinessFlows

_BEARER = HTTPBearer()
STATE: dict[str, Any] = {}


def _me(creds: Annotated[HTTPAuthorizationCredentials, Depends(_BEARER)]) -> str:
    if creds.credentials not in STATE["tokens"]:
        raise HTTPException(401)
    return str(STATE["tokens"][creds.credentials])


User = Annotated[str, Depends(_me)]


def _app(*, guarded: bool) -> FastAPI:
    """Invites pay 10 points, coupons credit 5; guarded caps invites at 2 and coupons at one."""
    STATE.clear()
    STATE.update(tokens={"t-kim": "kim"}, points={"kim": 0}, credit={"kim": 0.0}, invited={})
    STATE["claimed"] = set()
    app = FastAPI()

    @app.post("/signup", status_code=201)
    def signup(
        email: Annotated[str, Body()],
        password: Annotated[str, Body()],
        invited_by: Annotated[str | None, Body()] = None,
    ) -> dict[str, str]:
        """Create a shopper."""
        inviter = next((u for u in STATE["points"] if f"INV-{u}" == invited_by), None)
        if inviter is not None:
            STATE["invited"][inviter] = STATE["invited"].get(inviter, 0) + 1
            if not guarded or STATE["invited"][inviter] <= 2:
                STATE["points"][inviter] += 10
        return {"email": email}

    @app.get("/profile")
    def profile(user: User) -> dict[str, str]:
        """Who you are, and your invitation code."""
        return {"name": user, "invite_code": f"INV-{user}"}

    @app.get("/wallet")
    def wallet(user: User) -> dict[str, float]:
        """Your points and store credit."""
        return {"points": STATE["points"][user], "store_credit": STATE["credit"][user]}

    @app.post("/coupons/claim")
    def claim(user: User, coupon: Annotated[str, Body(embed=True)]) -> dict[str, str]:
        """Claim a coupon for store credit."""
        if coupon != "FREE5":
            raise HTTPException(404)
        if guarded and user in STATE["claimed"]:
            raise HTTPException(409, "already claimed")
        STATE["claimed"].add(user)
        STATE["credit"][user] += 5.0
        return {"coupon": coupon}

    return app


def _scan(
    serve: Callable[[Any], Any], *, guarded: bool, safe: bool = False, aggressive: bool = False
) -> Results:
    url = serve(_app(guarded=guarded)).url
    kim = token_user("kim", "t-kim")
    results = scan_only(
        url, [BusinessFlows()], (kim,), safe=safe, aggressive=aggressive, values={"coupon": "FREE5"}
    )
    assert results.errors == []
    return results


def test_fires_on_unlimited_invites_and_repeated_coupons(serve: Callable[[Any], Any]) -> None:
    """Points per invite (not money) → medium; store credit per claim (money) → high.

    kim is the only account (no login to sign one up): her claims go only under
    --aggressive, as a credit is for good.
    """
    found = on(_scan(serve, guarded=False, aggressive=True), "business_flows")
    assert found == {"POST /signup": "medium", "POST /coupons/claim": "high"}


def test_a_real_users_coupon_is_not_claimed_without_aggressive(
    serve: Callable[[Any], Any],
) -> None:
    """Without a user of the scan's own, kim's credit stays as it was; the skip says why."""
    results = _scan(serve, guarded=False)
    assert STATE["credit"] == {"kim": 0.0}
    assert any("redemption credits its sender" in s.detail for s in results.skipped)


def test_capped_flows_are_not_findings(serve: Callable[[Any], Any]) -> None:
    """Capped invites and single-use coupons leave only the low 'sign-up can be scripted'.

    Under --aggressive: nothing deletes the shop's accounts, so a default scan sends no
    scripted sign-up at all.
    """
    found = on(_scan(serve, guarded=True, aggressive=True), "business_flows")
    assert found == {"POST /signup": "low"}


def test_skipped_under_safe(serve: Callable[[Any], Any]) -> None:
    """Every probe creates data: --safe skips the check and says so."""
    results = _scan(serve, guarded=False, safe=True)
    assert results.findings == []
    assert any(s.check == "business_flows" and "--safe" in s.reason for s in results.skipped)
