"""SVG output: pinned goldens, accessibility (role, aria-label, title) and safe unique ids."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

from common.badge_svg import accessible_text
from common.badge_svg import render_svg
from tests.services.badges.helpers import parse_svg

GOLDEN = Path(__file__).parent / "golden"
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14">'
    b'<circle r="7" cx="7" cy="7"/></svg>'
)
LOGO = "data:image/svg+xml;base64," + base64.b64encode(LOGO_SVG).decode()

# (golden file, label, message, colour, keyword arguments)
GOLDENS = [
    ("version-zlib.svg", "conda | main", "1.2.11", "blue", {}),
    ("downloads-pytest.svg", "downloads", "648k", "brightgreen", {}),
    ("license-unknown.svg", "license", "unknown", "lightgrey", {}),
    ("platforms-zlib.svg", "platforms", "linux-64 | osx-64 | win-32 | win-64", "blue", {}),
    ("error-not-found.svg", "conda", "not found", "red", {}),
    ("light-colours.svg", "updated", "8 years ago", "yellow", {"label_color": "#eee"}),
    ("dark-text-right.svg", "license", "Zlib", "#ff0", {}),
    (
        "square-link-logo.svg",
        "updated",
        "3 days ago",
        "#abc",
        {
            "label_color": "informational",
            "links": ("https://example.org/pkg",),
            "logo": LOGO,
            "style": "flat-square",
        },
    ),
]


@pytest.mark.parametrize(("filename", "label", "message", "color", "kwargs"), GOLDENS)
def test_golden(filename, label, message, color, kwargs):
    svg = render_svg(label, message, color, **kwargs)
    path = GOLDEN / filename
    if os.environ.get("BADGES_UPDATE_GOLDEN") == "1":
        path.write_bytes(svg + b"\n")  # the newline keeps end-of-file fixers away
    assert svg + b"\n" == path.read_bytes(), f"{filename} changed; BADGES_UPDATE_GOLDEN=1 accepts"


@pytest.mark.parametrize(("filename", "label", "message", "color", "kwargs"), GOLDENS)
def test_accessible(filename, label, message, color, kwargs):
    root = parse_svg(render_svg(label, message, color, **kwargs))
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == f"{label}: {message}"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text == f"{label}: {message}"
    assert root[0] is title  # first child, so it names the whole image


def _ids(svg: bytes) -> list[str]:
    return re.findall(rb'id="([^"]+)"', svg)


def test_ids_are_prefixed_per_content_and_references_follow():
    one = render_svg("license", "MIT", "blue")
    two = render_svg("license", "BSD-3-Clause", "blue")
    assert b'id="smooth"' not in one and b'id="round"' not in one
    assert set(_ids(one)).isdisjoint(_ids(two))
    for ident in _ids(one):
        assert re.fullmatch(rb"b[0-9a-f]{12}-(smooth|round)", ident)
        assert b"url(#" + ident + b")" in one
    assert re.findall(rb"url\(#([^)]+)\)", one) and all(
        ref in _ids(one) for ref in re.findall(rb"url\(#([^)]+)\)", one)
    )
    assert render_svg("license", "MIT", "blue") == one  # deterministic, so ETags are stable


def test_text_is_escaped():
    svg = render_svg('a"<b>&', "</text><script>alert(1)</script>", "red")
    root = parse_svg(svg)  # still well-formed
    assert root.get("aria-label") == 'a"<b>&: </text><script>alert(1)</script>'
    assert b"<script>" not in svg


def test_single_link_wraps_both_halves_and_two_links_split():
    whole = parse_svg(render_svg("l", "m", "blue", links=("https://a.example/",)))
    hrefs = [a.get(XLINK_HREF) for a in whole.iter(f"{SVG_NS}a")]
    assert hrefs == ["https://a.example/", "https://a.example/"]
    split = parse_svg(
        render_svg("l", "m", "blue", links=("https://a.example/", "https://b.example/"))
    )
    hrefs = [a.get(XLINK_HREF) for a in split.iter(f"{SVG_NS}a")]
    assert hrefs == ["https://a.example/", "https://b.example/"]


def test_flat_square_has_square_corners_and_no_gradient():
    flat = render_svg("l", "m", "blue")
    square = render_svg("l", "m", "blue", style="flat-square")
    assert b'rx="3"' in flat and b"linearGradient" in flat
    assert b'rx="0"' in square and b"linearGradient" not in square
    assert b"#010101" not in square  # no text shadow either


def test_logo_is_embedded_as_given_never_fetched():
    svg = render_svg("l", "m", "blue", logo=LOGO)
    images = list(parse_svg(svg).iter(f"{SVG_NS}image"))
    assert [image.get(XLINK_HREF) for image in images] == [LOGO]


def test_colours_become_fills():
    root = parse_svg(render_svg("l", "m", "brightgreen", label_color="#123"))
    fills = [rect.get("fill") for rect in root.iter(f"{SVG_NS}rect")]
    assert "#4c1" in fills and "#123" in fills


def test_accessible_text_without_label():
    assert accessible_text("", "1.0") == "1.0"


def _text_fills(svg: bytes) -> list[str | None]:
    root = parse_svg(svg)
    return [t.get("fill") for t in root.iter(f"{SVG_NS}text") if t.get("aria-hidden") is None]


def test_text_turns_dark_on_light_backgrounds_only():
    assert _text_fills(render_svg("l", "m", "blue")) == [None, None]  # inherits white
    assert _text_fills(render_svg("l", "m", "#ff0")) == [None, "#333"]
    assert _text_fills(render_svg("l", "m", "blue", label_color="#fff")) == ["#333", None]
    assert _text_fills(render_svg("l", "m", "#fff", style="flat-square")) == [None, "#333"]
    for name in ("brightgreen", "green", "yellowgreen", "yellow", "orange", "red", "lightgrey"):
        assert _text_fills(render_svg("l", "m", name)) == [None, None], name


def test_shadows_are_hidden_from_screen_readers():
    root = parse_svg(render_svg("license", "MIT", "blue"))
    texts = list(root.iter(f"{SVG_NS}text"))
    assert [t.get("aria-hidden") for t in texts] == ["true", None, "true", None]


def test_no_float_artefacts_in_geometry():
    svg = render_svg("updated", "8 years ago", "red")
    assert not re.search(rb'="\d+\.\d{4,}"', svg)
    assert b'width="130.4"' in svg
