"""The pages without a browser: headers, errors, escaping, tokens, snippets (in-process app)."""

from __future__ import annotations

import re

import pytest

from gateway import web
from gateway.web import snippets
from tests.conftest import gateway_client
from tests.conftest import mint

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A test client of the gateway app, whose web blueprint serves the page."""
    return gateway_client(tmp_path_factory.mktemp("state"), TOKEN_DEV_KEY="false")


def bearer(audience=("api", "badges", "sbom")) -> dict[str, str]:
    """Headers with a valid token for the private channel."""
    return {**HTML, "Authorization": f"Bearer {mint('private', audience=list(audience))}"}


@pytest.mark.parametrize("path", ["/", "/main/zlib", "/ui/fragments/results?channel=main"])
def test_pages_carry_a_strict_csp_and_no_referrer(client, path):
    response = client.get(path, headers=HTML)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == web.CSP
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body and "<style" not in body
    assert not re.search(r"\son[a-z]+=", body), "no inline event handlers"


def test_search_lists_matching_packages_server_side(client):
    body = client.get("/?channel=test-recipes&q=DEPEND", headers=HTML).get_data(as_text=True)
    assert "4 packages in test-recipes matching “DEPEND”" in body
    assert 'href="/test-recipes/dependency"' in body
    assert 'href="/test-recipes/python"' not in body


def test_dependencies_search_the_channel_and_dependants_open_their_page(client):
    body = client.get("/test-recipes/dependent", headers=HTML).get_data(as_text=True)
    assert 'href="/?channel=test-recipes&amp;q=dependency"' in body
    body = client.get("/test-recipes/dependency", headers=HTML).get_data(as_text=True)
    assert 'href="/test-recipes/dependent"' in body


def test_search_text_is_escaped(client):
    body = client.get("/?channel=main&q=<img src=x>", headers=HTML).get_data(as_text=True)
    assert "<img src=x>" not in body and "&lt;img src=x&gt;" in body


def test_search_pages_through_a_channel(client):
    body = client.get("/?channel=private", headers=bearer()).get_data(as_text=True)
    assert "Showing 1–25 of" in body and "offset=25" in body
    second = client.get("/?channel=private&offset=25", headers=bearer()).get_data(as_text=True)
    assert "Showing 26–50 of" in second and "Previous page" in second


def test_private_channel_is_not_found_without_a_token(client):
    page = client.get("/private/r-base", headers=HTML)
    assert page.status_code == 404
    body = page.get_data(as_text=True)
    assert 'data-retry="/ui/fragments/package/private/r-base"' in body
    assert "r-base" not in body.split("<main", 1)[1].split("data-retry", 1)[0]
    assert client.get("/", headers=HTML).get_data(as_text=True).count('value="private"') == 0


def test_private_package_with_a_token_puts_it_at_the_end_of_badge_urls(client):
    headers = bearer()
    token = headers["Authorization"].split()[1]
    fragment = client.get("/ui/fragments/package/private/r-base?color=red", headers=headers)
    assert fragment.status_code == 200
    assert fragment.headers["Cache-Control"] == "private, no-store"
    body = fragment.get_data(as_text=True)
    assert "These URLs and snippets contain your token." in body
    assert f"/private/r-base/badges/version.svg?color=red&amp;token={token}" in body
    # previews are loaded by the script with the header, never with the token in a URL
    assert 'data-auth-src="/private/r-base/badges/version.svg?color=red"' in body
    assert f'src="/private/r-base/badges/version.svg?color=red&amp;token={token}"' not in body


def test_a_separate_readme_token_goes_into_private_snippets_only(client):
    headers = {**bearer(), "X-Snippet-Token": "readme.only.token"}
    body = client.get("/ui/fragments/badges/private/r-base", headers=headers).get_data(as_text=True)
    assert "version.svg?token=readme.only.token" in body
    assert headers["Authorization"].split()[1] not in body
    assert "contain the README token" in body
    public = client.get("/ui/fragments/badges/main/zlib", headers=headers).get_data(as_text=True)
    assert "token=" not in public


def test_public_snippets_never_carry_a_token(client):
    body = client.get("/ui/fragments/badges/main/zlib", headers=bearer()).get_data(as_text=True)
    assert "token=" not in body and "contain your token" not in body


def test_a_token_without_the_api_audience_is_refused(client):
    response = client.get("/ui/fragments/package/private/r-base", headers=bearer(["badges"]))
    assert response.status_code == 401
    assert "Access denied" in response.get_data(as_text=True)


def test_errors_are_json_for_programs(client):
    response = client.get("/main/no-such-package", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "package_not_found"


def test_api_and_badge_routes_are_not_shadowed(client):
    assert client.get("/api/channels").get_json()["total"] == 2
    assert client.get("/api/openapi.yaml").mimetype == "application/yaml"


def test_invalid_search_offset_is_a_400_page(client):
    response = client.get("/?channel=main&offset=-1", headers=HTML)
    assert response.status_code == 400 and "offset" in response.get_data(as_text=True)


def test_style_drops_values_the_badges_would_refuse():
    style = snippets.Style.from_args({"label": "a\x07b", "color": "javascript:x", "style": "3d"})
    assert style == snippets.Style(label="ab", color="", style="flat")
    assert snippets.Style.from_args({"color": "orange", "style": "flat-square"}).query() == [
        ("color", "orange"),
        ("style", "flat-square"),
    ]


def test_snippets_in_four_formats_with_the_token_last():
    style = snippets.Style(label="my label", color="blue")
    badges = snippets.badges("https://conda.example.com/", "private", "r-base", style, "t.o.k")
    version = badges[0]
    url = "https://conda.example.com/private/r-base/badges/version.svg?label=my%20label&color=blue&token=t.o.k"
    assert [b["kind"] for b in badges] == list(snippets.KINDS)
    assert version["url"] == url
    assert version["preview"] == "/private/r-base/badges/version.svg?label=my%20label&color=blue"
    link = "https://conda.example.com/private/r-base"
    html_url = url.replace("&", "&amp;")
    assert version["snippets"] == {
        "markdown": f"[![r-base conda version]({url})]({link})",
        "html": f'<a href="{link}"><img src="{html_url}" alt="r-base conda version"></a>',
        "rst": f".. image:: {url}\n   :alt: r-base conda version\n   :target: {link}",
        "asciidoc": f'image:{url}[r-base conda version,link="{link}"]',
    }


def test_style_picker_offers_all_five_styles_and_keeps_the_choice(client):
    body = client.get("/main/zlib?style=social", headers=HTML).get_data(as_text=True)
    picker = body[
        body.index('<select id="badge-style"') : body.index(
            "</select>", body.index('id="badge-style"')
        )
    ]
    options = re.findall(r'<option value="([^"]+)"( selected)?>', picker)
    assert [value for value, _ in options] == [
        "flat",
        "flat-square",
        "plastic",
        "for-the-badge",
        "social",
    ]
    assert [value for value, chosen in options if chosen] == ["social"]
    assert "/main/zlib/badges/version.svg?style=social" in body


def test_every_file_offers_spdx3_plain_and_signed(client):
    body = client.get("/main/zlib", headers=HTML).get_data(as_text=True)
    files = re.findall(r'href="([^"]+)\.spdx\.json"', body)
    assert files
    for sbom in files:
        assert f'href="{sbom}.spdx3.json"' in body
        assert f'href="{sbom}.spdx3.intoto.json"' in body
