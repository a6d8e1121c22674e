"""Embed snippets: URLs, the four markups, the token at the end, the link target."""

from __future__ import annotations

from services.badges.kinds import KINDS
from services.badges.snippets import snippets


def test_every_kind_with_all_markups():
    body = snippets("https://badges.example.org/", "main", "zlib")
    assert body["link"] == "https://badges.example.org/main/zlib"
    assert list(body["badges"]) == list(KINDS)
    version = body["badges"]["version"]
    url = "https://badges.example.org/main/zlib/badges/version.svg"
    assert version["url"] == url
    assert version["json_url"] == "https://badges.example.org/main/zlib/badges/version.json"
    link = "https://badges.example.org/main/zlib"
    assert version["markdown"] == f"[![zlib conda version]({url})]({link})"
    assert version["html"] == f'<a href="{link}"><img src="{url}" alt="zlib conda version"></a>'
    assert version["rst"] == f".. image:: {url}\n   :alt: zlib conda version\n   :target: {link}"
    assert version["asciidoc"] == f'image:{url}[zlib conda version,link="{link}"]'


def test_subchannel_and_token_and_link():
    body = snippets(
        "http://gw:8080", "private", "r-base", "dev", "https://example.org/?a=1&b=2", "t.o+k/en"
    )
    downloads = body["badges"]["downloads"]
    assert downloads["url"] == (
        "http://gw:8080/private/label/dev/r-base/badges/downloads.svg?token=t.o%2Bk%2Fen"
    )
    assert downloads["markdown"].endswith("(https://example.org/?a=1&b=2)")
    assert 'href="https://example.org/?a=1&amp;b=2"' in downloads["html"]
    assert "?token=t.o%2Bk%2Fen" in downloads["rst"] and "?token=" in downloads["asciidoc"]
    assert body["link"] == "https://example.org/?a=1&b=2"


def test_default_link_is_the_package_page_without_token():
    body = snippets("http://gw", "private", "r-base", "dev", None, "secret")
    assert body["link"] == "http://gw/private/r-base"
    assert "secret" not in body["link"]


def test_styles_are_offered_and_the_chosen_one_goes_in_every_url():
    body = snippets("http://gw", "main", "zlib", style="for-the-badge", token="t.k")
    assert body["styles"] == ["flat", "flat-square", "plastic", "for-the-badge", "social"]
    assert body["style"] == "for-the-badge"
    version = body["badges"]["version"]
    assert version["url"] == "http://gw/main/zlib/badges/version.svg?style=for-the-badge&token=t.k"
    assert version["json_url"].endswith("version.json?style=for-the-badge&token=t.k")
    assert "?style=for-the-badge&token=t.k)" in version["markdown"]
    flat = snippets("http://gw", "main", "zlib")["badges"]["version"]["url"]
    assert flat == "http://gw/main/zlib/badges/version.svg"  # the default stays off the URL
