"""The dashboard in a real headless Chromium (Debian's, driven by Playwright for Python).

Browser builds cannot be downloaded here, so the test uses ``/usr/bin/chromium``
(``scripts/browser.sh`` installs it for ``make test``); without it the test is skipped,
except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_store import BOLA, PASSWORD

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


def test_a_triager_signs_in_filters_and_marks_a_false_positive(
    dashboard: str, browser_page: object, tmp_path: Path
) -> None:
    """Sign in, open every page, filter to high findings, mark one false positive; no console error."""
    from playwright.sync_api import ConsoleMessage, Page, expect

    page: Page = browser_page  # type: ignore[assignment]
    errors: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def shot(name: str) -> None:
        page.screenshot(path=tmp_path / f"{name}.png", full_page=True)

    page.goto(f"{dashboard}/")
    expect(page).to_have_url(f"{dashboard}/login?next=%2F")
    shot("login")
    page.get_by_label("Name").fill("tom")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("svg")).to_have_count(2)
    shot("overview")

    page.get_by_role("link", name="Findings", exact=True).click()
    expect(page.get_by_role("heading", name="Findings")).to_contain_text("(3)")
    page.get_by_label("high").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="Findings")).to_contain_text("(1)")
    shot("findings-high")

    page.get_by_role("link", name=BOLA.title).click()
    expect(page.get_by_role("heading", name="Evidence")).to_be_visible()
    shot("finding")
    page.get_by_label("Decision").select_option("false-positive")
    page.get_by_label("Reason").fill("orders are public by design")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("dl.facts")).to_contain_text("false-positive: orders are public by design")
    shot("finding-triaged")

    page.get_by_role("link", name="Findings", exact=True).click()
    expect(page.get_by_role("heading", name="Findings")).to_contain_text("(2)")
    expect(page.get_by_role("link", name=BOLA.title)).to_have_count(0)

    page.get_by_role("link", name="Runs", exact=True).click()
    page.get_by_role("link", name="#2").click()
    expect(page.get_by_role("heading", name="Skipped (1)")).to_be_visible()
    shot("run")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert errors == []
    assert len(list(tmp_path.glob("*.png"))) == 6
