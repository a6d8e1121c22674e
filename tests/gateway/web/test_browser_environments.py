"""The environments page in a real browser (Debian Chromium via Playwright) against the
running system: paste a real pixi.lock, pick a platform, filter, download the SBOM."""

from __future__ import annotations

import json
import urllib.request

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from playwright.sync_api import expect

from tests.environments.lockdata import PIXI
from tests.gateway.web.conftest import screenshot
from tests.gateway.web.test_browser import _no_csp_violations
from tests.gateway.web.test_browser import serious_violations

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("browser")]
LOCK = next(p for p in PIXI if p.name.startswith("setup-pixi"))


def api_report(base: str, platform: str) -> dict:
    request = urllib.request.Request(
        f"{base}/api/environments/report?platform={platform}", data=LOCK.read_bytes()
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_paste_pick_filter_and_download(page, web_url, tmp_path):
    page.goto("/ui/environments")
    page.get_by_label("Paste a lockfile").fill(LOCK.read_text())
    page.get_by_role("button", name="Check").click()
    report = api_report(web_url, "linux-64")
    heading = page.locator("#env-summary-heading")
    expect(heading).to_have_text(f"default · linux-64: {report['summary']['verdict']}")
    expect(page.locator("#env-untracked")).to_have_text(
        f"{report['summary']['not_tracked']} not tracked"
    )
    rows = page.locator("#env-table tbody tr")
    expect(rows).to_have_count(len(report["packages"]))
    page.get_by_label("Filter by package, CVE or status").fill("bzip2")
    wanted = [p for p in report["packages"] if "bzip2" in p["name"]]
    assert 0 < len(wanted) < len(report["packages"])
    expect(page.locator("#env-table tbody tr:visible")).to_have_count(len(wanted))
    page.get_by_label("Platform").select_option("osx-arm64")
    page.get_by_role("button", name="Check").click()
    other = api_report(web_url, "osx-arm64")
    expect(heading).to_have_text(f"default · osx-arm64: {other['summary']['verdict']}")
    expect(rows).to_have_count(len(other["packages"]))
    screenshot(page, "environments-desktop")
    with page.expect_download() as info:
        page.get_by_role("button", name="CycloneDX 1.6").click()
    download = info.value
    assert download.suggested_filename == "environment-default-osx-arm64.cdx.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert len(json.loads(text)["components"]) == len(other["packages"])
    _no_csp_violations(page)
    assert serious_violations(page) == []


def test_an_environment_yml_is_explained_on_the_page(page):
    page.goto("/ui/environments")
    page.get_by_label("Paste a lockfile").fill(
        "name: x\nchannels: [conda-forge]\ndependencies: [python]\n"
    )
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("alert")).to_contain_text("not_a_lockfile")
    expect(page.get_by_role("alert")).to_contain_text("pixi lock")
