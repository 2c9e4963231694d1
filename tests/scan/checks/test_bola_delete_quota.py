"""bola on a DELETE when one owner cannot make the object the attack would remove.

An allotment API written the FastAPI way: members register plots (``POST /plots``), each
up to a quota (``409`` beyond it), read their own and delete their own. A DELETE is only
ever sent on an object the scan made, so the attack removes a plot its owner makes for
it. The first member is at her quota: the scan must try the next owner rather than give
up on the operation (or send a DELETE on a seeded plot). The flawed twin deletes anyone's
plot; the fixed twin checks the owner.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException, Response
from ownership_support import scan_app
from pydantic import BaseModel

from apiward.scan import Identity
from apiward.scan.checks.bola import Bola
from serving import serving

TOKENS = {"Bearer pl-ines": "ines", "Bearer pl-olu": "olu", "Bearer pl-rae": "rae"}
IDENTITIES = tuple(
    Identity(name=name, role="member", headers={"Authorization": token})
    for token, name in TOKENS.items()
)
QUOTA = {"ines": 1, "olu": 3, "rae": 3}
DELETE = "DELETE /plots/{plot_id}"


class PlotIn(BaseModel):
    label: str


class PlotOut(PlotIn):
    id: int
    member: str


def _caller(authorization: Annotated[str, Header()] = "") -> str:
    who = TOKENS.get(authorization)
    if who is None:
        raise HTTPException(401, "Not authenticated")
    return who


Caller = Annotated[str, Depends(_caller)]


def plots_app(*, flawed: bool) -> tuple[FastAPI, dict[int, dict[str, Any]]]:
    """The plots API and its rows; ``flawed`` deletes anyone's plot."""
    plots: dict[int, dict[str, Any]] = {
        1: {"label": "A1", "member": "ines"},
        2: {"label": "B4", "member": "olu"},
        3: {"label": "C2", "member": "rae"},
    }
    app = FastAPI(title="allotments")

    @app.get("/plots")
    def list_plots(who: Caller) -> list[PlotOut]:
        return [PlotOut(id=i, **p) for i, p in plots.items() if p["member"] == who]

    @app.post("/plots", status_code=201)
    def add_plot(body: PlotIn, who: Caller) -> PlotOut:
        if sum(p["member"] == who for p in plots.values()) >= QUOTA[who]:
            raise HTTPException(409, "Plot quota reached")
        made = max(plots) + 1
        plots[made] = {"label": body.label, "member": who}
        return PlotOut(id=made, **plots[made])

    @app.get("/plots/{plot_id}")
    def get_plot(plot_id: int, who: Caller) -> PlotOut:
        found = plots.get(plot_id)
        if found is None or found["member"] != who:
            raise HTTPException(404, "Plot not found")
        return PlotOut(id=plot_id, **found)

    @app.delete("/plots/{plot_id}", status_code=204)
    def delete_plot(plot_id: int, who: Caller) -> Response:
        found = plots.get(plot_id)
        if found is None or (not flawed and found["member"] != who):
            raise HTTPException(404, "Plot not found")
        del plots[plot_id]
        return Response(status_code=204)

    return app, plots


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_member_at_her_quota_does_not_stop_the_delete_attack(flawed: bool) -> None:
    """Found on the flawed twin with another owner's spare; nothing on the fixed; seeded plots kept."""
    app, plots = plots_app(flawed=flawed)
    with serving(app) as url:
        results = scan_app(url, Bola(), IDENTITIES)
    found = [f for f in results.findings if f.operation == DELETE]
    assert len(found) == (1 if flawed else 0), results.findings
    assert DELETE not in {s.operation for s in results.skipped}, results.skipped
    assert set(plots) == {1, 2, 3}, "the scan left plots it made"
