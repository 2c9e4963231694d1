"""bola on objects addressed by a query id on their collection (``GET /api/recordings?id=7``).

A Flask field-recordings archive (``recordings_app``) with no item paths: a recording is
read, changed and deleted at ``/api/recordings?id=``, a playlist deleted at
``/api/playlists?playlistId=`` and read only in its owner's listing. A missing recording
reads 200 ``{"ok": false}``. The flawed twin lets a recordist read, change and delete
another's; the fixed twin does not, though its ``DELETE /api/recordings`` answers 200 to
any id. Either way the scan leaves the archive as it found it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ownership_support import scan_app
from recordings_app import IDENTITIES, PLAYLISTS, RECORDINGS, Archive

from apiward.scan import Results
from apiward.scan.changes import State
from apiward.scan.checks.bola import Bola
from serving import serving

READ = "GET /api/recordings"
PATCH = "PATCH /api/recordings"
DELETE = "DELETE /api/recordings"
DELETE_PLAYLIST = "DELETE /api/playlists"


@pytest.fixture(scope="module", params=[False, True], ids=["flawed", "fixed"])
def scanned(request: pytest.FixtureRequest) -> Iterator[tuple[bool, Results]]:
    """A bola scan of a fresh archive, and whether it was the fixed twin."""
    archive = Archive(owner_check=request.param)
    with serving(archive.app, wsgi=True) as url:
        yield request.param, scan_app(url, Bola(), IDENTITIES)
    assert archive.state() == (RECORDINGS, PLAYLISTS), "the scan left the archive changed"


def test_reading_anothers_recording_by_query_id_is_found_on_the_flawed_twin_only(
    scanned: tuple[bool, Results],
) -> None:
    """A peer's id in ``?id=`` on the collection answers the owner's recording: high BOLA."""
    fixed, results = scanned
    reads = [f for f in results.findings if f.operation == READ]
    if fixed:
        assert not reads, reads
        return
    assert len(reads) == 1, (results.findings, results.skipped)
    assert reads[0].title.endswith("through query id")


def test_deleting_anothers_object_by_query_id_is_found_by_the_owners_read_afterwards(
    scanned: tuple[bool, Results],
) -> None:
    """A DELETE by query id is proven by the owner's read after it, whether that read is the
    object's own (``?id=``, gone as a 200 ``ok: false``) or its owner's listing."""
    fixed, results = scanned
    deletes = {f.operation: f for f in results.findings if f.operation.startswith("DELETE")}
    if fixed:
        assert not deletes, deletes  # a 200 "removed" that removed nothing is no finding
        return
    assert set(deletes) == {DELETE, DELETE_PLAYLIST}, (results.findings, results.skipped)
    after = deletes[DELETE].evidence[-1]
    assert after.request.method == "GET"
    assert "?id=" in after.request.url


def test_changing_anothers_recording_by_query_id_is_found_and_written_back(
    scanned: tuple[bool, Results],
) -> None:
    """The ledger reads a recording by ``GET ?id=`` before a peer's PATCH by query id, and the
    restore phase writes its old title back; the fixed twin refuses the peer."""
    fixed, results = scanned
    patches = [f for f in results.findings if f.operation == PATCH]
    if fixed:
        assert not patches, patches
        return
    assert len(patches) == 1, (results.findings, results.skipped)
    restored = [c for c in results.target_state if c.state is State.RESTORED]
    assert [c.object for c in restored] == ["/api/recordings?id=1"], results.target_state


def test_what_the_scan_made_by_query_id_collections_is_deleted_again(
    scanned: tuple[bool, Results],
) -> None:
    """Every recording and playlist the scan made is deleted by its query-id DELETE."""
    _, results = scanned
    assert results.target_state, "the scan made nothing: the test proves nothing"
    left = [c for c in results.target_state if c.damage or c.state is State.LEFT]
    assert not left, left
