"""The pages in a real browser (Debian Chromium via Playwright) against the running system."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from playwright.sync_api import expect

from services.badges import kinds
from tests.conftest import mint
from tests.gateway.web.conftest import AXE
from tests.gateway.web.conftest import DESKTOP
from tests.gateway.web.conftest import PHONE
from tests.gateway.web.conftest import screenshot

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("browser")]

ZLIB_LINUX = "zlib-1.2.11-h7b6447c_3.conda"
PAGE_AUDIENCES = ["api", "badges", "sbom"]


def serious_violations(page) -> list:
    """Run the vendored axe-core 4.14 in the page; its serious and critical violations."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["version"].startswith("4.14")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _no_csp_violations(page) -> None:
    assert not [e for e in page.errors if "Content Security Policy" in e], page.errors


def test_a_slow_older_answer_never_replaces_a_newer_one(page):
    page.goto("/")
    expect(page.get_by_role("heading", name="Find a conda package")).to_be_visible()
    # answers to requests without a query arrive 1.5 s late: the channel change's answer comes
    # after the answer to the query typed just after it
    page.evaluate(
        """() => {
            const fetchNow = window.fetch;
            window.fetch = (url, options) => fetchNow(url, options).then(response =>
                String(url).includes("q=") ? response
                    : new Promise(done => setTimeout(() => done(response), 1500)));
        }"""
    )
    page.get_by_label("Channel", exact=True).select_option("test-recipes")
    page.get_by_label("Package name contains").fill("depend")
    heading = page.locator("#results-heading")
    expect(heading).to_have_text(re.compile(r"matching “depend”$"))
    page.wait_for_timeout(2000)  # past the late answer
    expect(heading).to_have_text(re.compile(r"^\d+ packages? in test-recipes matching “depend”$"))


def test_search_and_open_a_package(page, web_url):
    page.goto("/")
    expect(page.get_by_role("heading", name="Find a conda package")).to_be_visible()
    page.get_by_label("Channel", exact=True).select_option("test-recipes")
    page.get_by_label("Package name contains").fill("depend")
    heading = page.locator("#results-heading")
    expect(heading).to_have_text(re.compile(r"^\d+ packages? in test-recipes matching “depend”$"))
    names = page.locator("#results tbody th a").all_inner_texts()
    assert names and all("depend" in name for name in names)
    assert {"dependency", "dependent", "another_dependent"} <= set(names)
    row = page.locator(
        "#results tbody tr", has=page.get_by_role("link", name="dependency", exact=True)
    )
    expect(row.locator("td[data-label=Version]")).to_have_text("2.0")
    expect(row.locator("td[data-label=Platforms]")).to_have_text("noarch")
    assert "q=depend" in page.url and "channel=test-recipes" in page.url
    screenshot(page, "search-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "search-phone")
    page.get_by_role("link", name="dependency", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("dependency")
    assert page.url == f"{web_url}/test-recipes/dependency"
    used_by = page.locator("#dependencies").get_by_role("link", name="dependent", exact=True)
    used_by.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("dependent")
    _no_csp_violations(page)


def test_package_page_files_badges_and_copy(page, web_url):
    response = page.goto("/main/zlib")
    assert response.status == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_have_text("zlib")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("1.2.11")
    expect(facts).to_contain_text("Zlib")
    rows = page.locator("#files tbody tr")
    expect(rows).to_have_count(9)
    expect(rows.first.locator("td[data-label=Version]")).to_contain_text("1.2.11")
    # every badge kind has a preview that the badges service really drew
    previews = page.locator(".badge-preview img")
    expect(previews).to_have_count(7)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.badge-preview img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    # nothing wider than the window: every column and SBOM button of the files table fits
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "package-desktop")
    page.evaluate("document.getElementById('badges').scrollIntoView()")
    screenshot(page, "package-badges-desktop")
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "package-phone")
    page.evaluate("document.getElementById('badges').scrollIntoView()")
    screenshot(page, "package-badges-phone")
    page.set_viewport_size(DESKTOP)

    copy = page.get_by_role("button", name="Copy Markdown for the version badge")
    copy.click()
    expect(page.locator("[data-copy=snippet-version-markdown]")).to_contain_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == (
        f"[![zlib conda version]({web_url}/main/zlib/badges/version.svg)]({web_url}/main/zlib)"
    )

    page.get_by_label("Label", exact=True).fill("conda-forge? no: main")
    page.get_by_label("Colour", exact=True).select_option("orange")
    markdown = page.locator("#snippet-version-markdown")
    expect(markdown).to_contain_text(
        "version.svg?label=conda-forge%3F%20no%3A%20main&color=orange)"
    )
    src = page.locator("#badge-version img").get_attribute("src")
    assert src == "/main/zlib/badges/version.svg?label=conda-forge%3F%20no%3A%20main&color=orange"
    page.wait_for_function("() => document.querySelector('#badge-version img').naturalWidth > 0")
    assert "label=conda-forge" in page.url and "token" not in page.url
    page.get_by_role("button", name="Copy reStructuredText for the license badge").click()
    rst = page.evaluate("navigator.clipboard.readText()")
    assert rst.startswith(f".. image:: {web_url}/main/zlib/badges/license.svg?label=")
    assert rst.endswith(f":target: {web_url}/main/zlib")
    _no_csp_violations(page)


@pytest.mark.parametrize(
    ("style", "height"),
    [("flat-square", 20), ("plastic", 18), ("for-the-badge", 28), ("social", 20), ("flat", 20)],
)
def test_style_picker_redraws_the_previews_in_each_style(page, style, height):
    page.goto("/main/zlib?style=plastic" if style == "flat" else "/main/zlib")
    page.get_by_label("Style", exact=True).select_option(style)
    suffix = "" if style == "flat" else f"?style={style}"
    expect(page.locator("#badge-license img")).to_have_attribute(
        "src", f"/main/zlib/badges/license.svg{suffix}"
    )
    expect(page.locator("#snippet-license-markdown")).to_contain_text(f"license.svg{suffix})")
    count = len(kinds.KINDS)
    drawn = (
        "([h, n]) => [...document.querySelectorAll('.badge-preview img')]"
        ".map(i => i.complete ? i.naturalHeight : 0).join() === Array(n).fill(h).join()"
    )
    page.wait_for_function(drawn, arg=[height, count])  # times out unless all come in that style
    heights = page.eval_on_selector_all(
        ".badge-preview img", "imgs => imgs.map(i => i.naturalHeight)"
    )
    assert heights == [height] * count  # every kind drawn by the badges service in that style
    _no_csp_violations(page)


def test_download_a_cyclonedx_sbom(page, tmp_path: Path):
    page.goto("/main/zlib")
    row = page.locator("#files tbody tr", has_text=ZLIB_LINUX)
    with page.expect_download() as info:
        row.get_by_role("link", name=f"CycloneDX SBOM of {ZLIB_LINUX}").click()
    download = info.value
    assert download.suggested_filename == f"{ZLIB_LINUX}.cdx.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    document = json.loads(text)
    assert document["metadata"]["component"]["name"] == "zlib"
    assert document["metadata"]["component"]["version"] == "1.2.11"


def test_token_opens_the_private_channel(page, web_url, tmp_path: Path):
    page.goto("/?channel=private&q=r-base")
    expect(page.locator("#results-heading")).to_have_text("Not found")
    panel = page.locator("#token-panel")
    panel.get_by_text("Private channels: access token").click()
    field = page.get_by_label("Access token")
    field.fill("not-a-token")
    page.get_by_role("button", name="Use token").click()
    expect(page.locator("#token-status")).to_contain_text("Token not accepted")

    token = mint("private", audience=PAGE_AUDIENCES)
    field.fill(token)
    field.press("Enter")
    expect(page.locator("#token-status")).to_have_text("Token accepted. Private channels: private.")
    expect(page.get_by_label("Access token")).to_have_value("")
    expect(page.locator("#results-heading")).to_contain_text("in private matching “r-base”")
    page.get_by_role("link", name="r-base", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("r-base")
    expect(page.locator(".notice--warning")).to_contain_text("contain your token")
    url = page.locator("#url-version").input_value()
    assert url == f"{web_url}/private/r-base/badges/version.svg?token={token}"
    assert (
        page.locator("#snippet-license-markdown")
        .inner_text()
        .startswith(
            f"[![r-base license]({web_url}/private/r-base/badges/license.svg?token={token})]"
        )
    )
    page.wait_for_function(
        "() => document.querySelector('#badge-version img').src.startsWith('data:image/svg+xml')"
    )
    readme_token = mint("private", audience="badges")
    page.get_by_label("Token in the snippets").fill(readme_token)
    expect(page.locator("#url-version")).to_have_value(
        f"{web_url}/private/r-base/badges/version.svg?token={readme_token}"
    )
    expect(page.locator(".notice--warning")).to_contain_text("contain the README token")
    filename = page.locator("#files tbody tr .filename").first.inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name=f"CycloneDX SBOM of {filename}").click()
    saved = tmp_path / "private.cdx.json"
    info.value.save_as(saved)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(saved.read_text()) is None
    assert token not in page.url
    assert page.evaluate("sessionStorage.getItem('conda-badges-token')") == token
    _no_csp_violations(page)
    assert serious_violations(page) == []


def test_keyboard_only(page):
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Channel", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Package name contains")).to_be_focused()
    page.keyboard.type("zli")
    expect(page.locator("#results-heading")).to_contain_text("matching “zli”")
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")  # the first result
    expect(page.get_by_role("link", name="zlib", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("zlib")
    button = page.get_by_role("button", name="Copy AsciiDoc for the platforms badge")
    page.locator("#badge-options[data-bound]").wait_for(state="attached")  # the script is up
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-copy=snippet-platforms-asciidoc]")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()").startswith("image:")


@pytest.mark.parametrize("path", ["/", "/main/zlib", "/test-recipes/dependency", "/main/none"])
def test_no_serious_accessibility_violations(page, path):
    page.goto(path)
    page.locator(".badge-preview img, #results-heading, h1").first.wait_for()
    assert serious_violations(page) == []


def test_contents_page_files_licenses_and_a_signed_download(page, web_url, tmp_path: Path):
    import urllib.request

    from conda_package_streaming.package_streaming import stream_conda_info

    from attestation import keys_from_document
    from attestation import verify
    from tests.conftest import CHANNELS

    archive = CHANNELS / "main" / "linux-64" / ZLIB_LINUX
    info = {
        m.name: t.extractfile(m).read() for t, m in stream_conda_info(str(archive)) if m.isfile()
    }
    paths = json.loads(info["info/paths.json"])["paths"]
    page.goto("/main/zlib")
    page.get_by_role("link", name=f"contents of {ZLIB_LINUX}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ZLIB_LINUX)
    rows = page.locator(".paths-table tbody tr")
    expect(rows).to_have_count(len(paths))
    shown = {
        rows.nth(i).locator("th .filename").inner_text(): rows.nth(i)
        .locator("code.hash")
        .inner_text()
        for i in range(len(paths))
    }
    assert shown == {p["_path"]: p["sha256"] for p in paths}
    license_text = page.get_by_label("License text info/LICENSE.txt")
    expect(license_text).to_be_visible()
    assert license_text.inner_text().strip() == info["info/LICENSE.txt"].decode().strip()
    expect(page.locator(".facts")).to_contain_text("sha256 verified")
    with page.expect_download() as download:
        page.get_by_role("link", name="CycloneDX, signed").click()
    assert download.value.suggested_filename == f"{ZLIB_LINUX}.cdx.intoto.json"
    saved = tmp_path / "signed.json"
    download.value.save_as(saved)
    with urllib.request.urlopen(f"{web_url}/.well-known/conda-badges/sbom-keys.json") as answer:
        keys = keys_from_document(json.loads(answer.read()))
    statement = verify(json.loads(saved.read_text()), keys, filename=ZLIB_LINUX)
    assert statement["predicate"]["metadata"]["component"]["name"] == "zlib"
    _no_csp_violations(page)
    assert serious_violations(page) == []
    screenshot(page, "contents-desktop")


def test_signed_downloads_sit_next_to_the_plain_ones(page):
    page.goto("/main/zlib")
    row = page.locator("#files tbody tr", has_text=ZLIB_LINUX)
    for name in ("CycloneDX SBOM of", "SPDX SBOM of", "CycloneDX, signed", "SPDX, signed"):
        expect(row.get_by_role("link", name=re.compile(re.escape(name)))).to_have_count(1)
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("SPDX, signed")).click()
    assert download.value.suggested_filename == f"{ZLIB_LINUX}.spdx.intoto.json"


def test_private_contents_need_the_token(page):
    path = "/private/r-base/contents/linux-64/r-base-3.4.2-haf99962_0.tar.bz2"
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    field = page.get_by_label("Access token")  # the panel is open on a 404 page
    expect(field).to_be_visible()
    field.fill(mint("private", audience=PAGE_AUDIENCES))
    page.get_by_role("button", name="Use token").click()
    # the snapshot has repodata only: with the token the page says so, not "not found"
    expect(page.locator("#package")).to_contain_text("are unavailable")
    _no_csp_violations(page)
