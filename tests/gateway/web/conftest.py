"""Fixtures for the web pages: a gateway that serves them, one Chromium, fresh pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.processes import REPO

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = REPO / "docs" / "screenshots"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"


@pytest.fixture(scope="session")
def web_url(system) -> str:
    """The base URL of the gateway serving the pages (the running system's)."""
    return system.gateway_url


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the session, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a broken environment, said plainly
        pytest.fail("playwright is not installed: .venv/bin/pip install 'playwright>=1.56,<2'")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run `make debian-packages` "
            "(or `apt-get install chromium`); Playwright's own browser download is not used"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, web_url):
    """A fresh browser context (own sessionStorage), desktop-sized, clipboard allowed."""
    ctx = browser.new_context(
        base_url=web_url, viewport=DESKTOP, accept_downloads=True, locale="en-US"
    )
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=web_url)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A page that records console errors (CSP violations show up there) in `page.errors`."""
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    yield pg
    pg.close()


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the current page to docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    return path
