"""The dashboard in a real headless Chromium (Debian's, driven by Playwright for Python).

Browser builds cannot be downloaded here, so the test uses ``/usr/bin/chromium``
(``scripts/browser.sh`` installs it for ``make test``); without it the test is skipped,
except under ``CI=true``, where it fails. Screenshots of every page go to the test's
temporary folder, or to ``$APIWARD_SCREENSHOTS`` when it names one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dashboard_store import BOLA, CORS, PASSWORD, SQLI, build, rescan
from sqlalchemy import Engine

from apiward.server.app import create_app

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def browser_page() -> Iterator[object]:
    """A fresh page in headless Chromium; skipped (failed under CI) when there is none."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/browser.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.fixture
def served(serve: Callable[[Any], Any], tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """The dashboard's URL, and its store (the test records a rescan into it)."""
    engine = build(tmp_path / "store.db")
    yield serve(create_app(engine)).url, engine
    engine.dispose()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go."""
    folder = Path(os.environ.get("APIWARD_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_triage_survives_the_rescan_that_fixes_one_finding_and_brings_one_back(
    served: tuple[str, Engine], browser_page: object, shots: Path
) -> None:
    """Every page opens; a false positive stays triaged after a rescan; fixed and regressed show.

    No page logs a console error (a CSP violation would: the pages have no script at all).
    """
    from playwright.sync_api import ConsoleMessage, Page, expect

    dashboard, engine = served
    page: Page = browser_page  # type: ignore[assignment]
    errors: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", note)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    taken: list[str] = []

    def shot(name: str) -> None:
        page.screenshot(path=shots / f"{name}.png", full_page=True)
        taken.append(name)

    def findings_heading() -> Any:
        return expect(page.get_by_role("heading", name="Findings"))

    page.goto(f"{dashboard}/")
    expect(page).to_have_url(f"{dashboard}/login?next=%2F")
    shot("login")
    page.get_by_label("Name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("svg")).to_have_count(2)
    shot("overview")

    # Every page, through the links a user follows.
    page.get_by_role("link", name="orders", exact=True).click()
    expect(page.get_by_role("heading", name="API orders")).to_be_visible()
    expect(page.locator("table.inventory")).to_contain_text("GET /internal/debug")
    expect(page.locator("table.inventory")).to_contain_text("zombie")
    shot("api")
    page.get_by_role("link", name="Guard", exact=True).click()
    expect(page.get_by_role("heading", name="Guard activity")).to_be_visible()
    expect(page.locator("table.clients")).to_contain_text("198.51.100.7")
    shot("guard")
    page.get_by_role("link", name="Settings", exact=True).click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    shot("settings")
    page.get_by_role("link", name="API tokens", exact=True).first.click()
    page.get_by_label("What uses it").fill("ci-nightly")
    page.get_by_role("button", name="Make a token").click()
    expect(page.locator("code.secret")).to_contain_text("apiward_")
    expect(page.locator("table.tokens").first).to_contain_text("ci-nightly")
    shot("tokens")
    page.goto(f"{dashboard}/apis/new")
    expect(page.get_by_role("heading", name="Add an API")).to_be_visible()
    shot("api-new")
    page.get_by_role("link", name="Runs", exact=True).click()
    page.get_by_role("link", name="#2", exact=True).click()
    expect(page.get_by_role("heading", name="Skipped (1)")).to_be_visible()
    shot("run-2")

    # Filter, then mark BOLA a false positive from the list.
    page.get_by_role("link", name="Findings", exact=True).click()
    findings_heading().to_contain_text("(3)")
    page.get_by_label("high", exact=True).check()
    page.get_by_role("button", name="Filter").click()
    findings_heading().to_contain_text("(1)")
    page.get_by_label("OWASP").select_option("API1:2023")
    page.get_by_role("button", name="Filter").click()
    findings_heading().to_contain_text("(1)")
    shot("findings-filtered")
    page.get_by_label(f"select {BOLA.title}").check()
    page.get_by_label("Decision for the selected").select_option("false-positive")
    page.get_by_label("Reason for the selected").fill("orders are public by design")
    page.get_by_role("button", name="Triage selected").click()
    findings_heading().to_contain_text("(0)")
    page.get_by_role("link", name="Findings", exact=True).click()
    findings_heading().to_contain_text("(2)")
    expect(page.get_by_role("link", name=BOLA.title)).to_have_count(0)
    shot("findings-after-triage")

    # The rescan: BOLA reported again, SQLi back after its fix, CORS not reported though tested.
    run = rescan(engine)

    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page.locator("table.apis")).to_contain_text(f"#{run} scan")
    page.get_by_role("link", name="Findings", exact=True).click()
    regressed = page.get_by_role("row").filter(has=page.get_by_role("link", name=SQLI.title))
    expect(regressed.locator("td.state-regressed")).to_have_text("regressed")
    expect(page.get_by_role("link", name=BOLA.title)).to_have_count(0)
    expect(page.get_by_role("link", name=CORS.title)).to_have_count(0)
    shot("findings-after-rescan")

    page.goto(f"{dashboard}/findings?triage=triaged&state=open")
    kept = page.get_by_role("row").filter(has=page.get_by_role("link", name=BOLA.title))
    expect(kept).to_contain_text("false-positive")
    page.get_by_role("link", name=BOLA.title).click()
    expect(page.locator("dl.facts")).to_contain_text("false-positive: orders are public by design")
    expect(page.locator("table.history")).to_contain_text(f"#{run}")
    shot("finding-still-triaged")

    page.goto(f"{dashboard}/findings?state=fixed&triage=all")
    fixed = page.get_by_role("row").filter(has=page.get_by_role("link", name=CORS.title))
    expect(fixed.locator("td.state-fixed")).to_have_text("fixed")
    shot("findings-fixed")

    page.get_by_role("link", name="Runs", exact=True).click()
    page.get_by_role("link", name=f"#{run}", exact=True).click()
    diff = page.locator("table.diff")
    expect(diff.get_by_role("row").filter(has_text=SQLI.title)).to_contain_text("appeared")
    expect(diff.get_by_role("row").filter(has_text=CORS.title)).to_contain_text("fixed")
    shot("run-rescan")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert errors == []
    assert sorted(p.stem for p in shots.glob("*.png")) == sorted(taken)
    assert len(taken) == 14
