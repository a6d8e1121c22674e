"""The five golden sheets drawn by a real Chromium, saved to docs/screenshots/ for review by eye."""

from __future__ import annotations

import base64
import os

import pytest

from common.badge_render import STYLES
from tests.common.badge_render.sheets import sheet
from tests.gateway.web.conftest import CHROMIUM
from tests.gateway.web.conftest import CHROMIUM_ARGS
from tests.gateway.web.conftest import SCREENSHOTS
from tests.services.badges.helpers import parse_svg

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def chromium():
    """A headless Debian Chromium at twice the pixel density, so text can be judged."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make debian-packages`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(device_scale_factor=2, viewport={"width": 900, "height": 900})
        yield context.new_page()
        browser.close()


@pytest.mark.parametrize("style", STYLES)
def test_sheet_draws_in_chromium(chromium, style):
    svg = sheet(style)
    root = parse_svg(svg)
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    chromium.set_content(
        '<!doctype html><html lang="en"><body style="margin:0;background:#fff">'
        f'<div id="sheet" style="display:inline-block;padding:8px">'
        f'<img src="{source}" alt="{style} badges"></div></body></html>'
    )
    image = chromium.locator("img")
    size = image.evaluate("img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])")
    assert size == [round(float(root.get("width"))), int(root.get("height"))]  # decoded as drawn
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chromium.locator("#sheet").screenshot(path=str(SCREENSHOTS / f"badges-{style}.png"))
