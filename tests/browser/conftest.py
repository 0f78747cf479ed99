"""The sandbox page in a real headless Chromium (Debian's `chromium` package, driven by
Playwright; no browser is ever downloaded). Without it these tests are skipped — except under
CI=true, where a missing browser fails them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from tests.e2e.sandbox_client import running_sandbox
from tests.system_packages import require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True)
def _chromium_installed():
    require(CHROMIUM.exists(), "real-browser tests need Chromium: apt-get install chromium")


@pytest.fixture
async def sandbox(tmp_path):
    async with running_sandbox(tmp_path, answer_seconds=2.0, SLACK_UPDATE_INTERVAL="0.2") as sb:
        yield sb


@pytest.fixture
async def browser():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                   args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def open_page(sandbox, browser):
    """open_page(user) → a new tab showing the sandbox as that person; page errors fail."""
    errors: list[str] = []

    async def open_as(user: str = "U0ALICE"):
        page = await browser.new_page(viewport={"width": 1280, "height": 760})
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{sandbox.page.url}?user={user}")
        await page.wait_for_selector("#channels .channel.active")
        return page

    yield open_as
    assert errors == [], errors
