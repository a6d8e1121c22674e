"""The package page's CVEs in a real browser: columns, the CVEs section, filters, hover, tokens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import mint
from tests.gateway.web.conftest import screenshot
from tests.gateway.web.test_browser import _no_csp_violations
from tests.vulns import records

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("browser")]


def test_zlib_page_shows_scores_counts_statuses_and_filters(page):
    page.goto("/main/zlib")
    first = page.locator("#files tbody tr").first
    version = first.locator("td[data-label=Version]").inner_text().split()[0]
    expected = records.nvd_cves_for_cpe("zlib:zlib", version)
    expect(first.locator("td[data-label=CVEs]")).to_have_text(str(len(expected)))
    expect(first.locator("td[data-label='CVE status']")).to_have_text("reported")
    rows = page.locator("#cve-list tbody tr")
    expect(rows).to_have_count(len(records.nvd_cves_for_cpe("zlib:zlib", "1.2.11")))
    score = page.locator("tr[data-cve=CVE-2018-25032] .cve-score")
    v2 = records.nvd("CVE-2018-25032")["metrics"]["cvssMetricV2"][0]["cvssData"]["baseScore"]
    expect(score).to_have_attribute(
        "title", f"CVSS 3.1: 7.5 high (NVD) · CVSS 2.0: {v2} medium (NVD)"
    )
    score.hover()
    page.evaluate("document.getElementById('cves').scrollIntoView()")
    screenshot(page, "package-cves-desktop")
    page.get_by_label("Score ≤").fill("8")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-cve", "CVE-2018-25032")
    assert "score_lte=8" in page.url
    page.get_by_label("Score ≤").fill("")
    page.get_by_label("Status").select_option("cleared")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-cve", "CVE-2023-45853")  # the embedded curation
    page.get_by_label("Score ≥").fill("eleven")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#cve-list [role=alert]")).to_contain_text("score_gte")
    _no_csp_violations(page)


def test_a_package_no_source_covers_says_so(page):
    page.goto("/main/vc")
    expect(page.locator("#files tbody tr td[data-label=CVEs]").first).to_have_text("not covered")
    expect(page.locator("[data-cve-state=not-covered]")).to_contain_text("Not covered")


def test_private_cves_load_with_the_token(page):
    page.goto("/private/r-base")  # 404 without a token: the page opens the token panel
    page.get_by_label("Access token").fill(mint("private", audience=["api", "badges", "sbom"]))
    page.get_by_role("button", name="Use token").click()
    expect(page.locator("tr[data-cve=CVE-2024-27322]")).to_be_visible()
    page.get_by_label("CVE name").fill("2024-27322")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#cve-list tbody tr")).to_have_count(1)
    _no_csp_violations(page)
