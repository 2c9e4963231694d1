"""Each identity creates under its own tenant's parent, not the first one some answer named.

The Nest trial's public catalogue (and a support listing it should not have reached)
named Acme's organisation before Blue Note's own membership reads answered, so every
identity, Blue Note's owner and manager too, created venues and promo codes under Acme,
was refused, and owned nothing there: no BOLA write had an object of its own to start
from. The organisation an identity's own record names (``orgId`` in ``GET /v1/users/me``)
comes first now (``scan._near``). ``boxoffice_app`` answers its membership reads after
its public catalogue, which names North first.
"""

from __future__ import annotations

from pathlib import Path

from boxoffice_app import IDENTITIES, NORTH, SOUTH, Boxoffice
from tests.conftest import scan_with_identities

from serving import serving

_CREATE = "/venues"


def test_each_owner_creates_under_its_own_organisation(tmp_path: Path) -> None:
    """sam (South) and nora (North) each add venues under their own organisation only."""
    app = Boxoffice(flawed=False)
    with serving(app) as url:
        done, _ = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode == 0, done.stderr
    posts = [(who, path, status) for who, method, path, status in app.log
             if method == "POST" and path.endswith(_CREATE)]  # fmt: skip
    own = {"nora": NORTH, "sam": SOUTH}
    assert posts, app.log
    assert all(f"/orgs/{own[who]}/" in path for who, path, _ in posts), posts
    assert {who for who, _, status in posts if status == 201} == {"nora", "sam"}, posts
