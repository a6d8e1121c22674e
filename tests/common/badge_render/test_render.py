"""The renderer: goldens per style, accessibility, unique ids, escaping, links, logos, colours."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from common.badge_render import STYLES
from common.badge_render import accessible_text
from common.badge_render import render
from common.badge_render import render_svg
from services.badges import kinds
from tests.common.badge_render.sheets import LOGO
from tests.common.badge_render.sheets import VARIANTS
from tests.common.badge_render.sheets import kind_badges
from tests.common.badge_render.sheets import sheet
from tests.common.badge_render.sheets import sheet_badges
from tests.services.badges.helpers import parse_svg

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
WIDTHS = HERE / "badge_maker_widths.json"
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def test_five_styles_as_shields_names_them():
    assert STYLES == ("flat", "flat-square", "plastic", "for-the-badge", "social")


@pytest.mark.parametrize("style", STYLES)
def test_golden_sheet(style):
    """Every kind and variant in `style`, byte for byte as reviewed (docs/screenshots)."""
    svg = sheet(style)
    path = GOLDEN / f"{style}.svg"
    if os.environ.get("BADGES_UPDATE_GOLDEN") == "1":
        path.write_bytes(svg + b"\n")  # the newline keeps end-of-file fixers away
    assert svg + b"\n" == path.read_bytes(), f"{path.name} changed; BADGES_UPDATE_GOLDEN=1 accepts"


def _ids(root) -> list[str]:
    return [el.get("id") for el in root.iter() if el.get("id") is not None]


def _references(svg: bytes) -> list[str]:
    return [ref.decode() for ref in re.findall(rb"url\(#([^)]+)\)", svg)]


def _check_accessible(svg: bytes, label: str, message: str) -> None:
    root = parse_svg(svg)  # parses as XML, or fails here
    text = f"{label.strip()}: {message.strip()}" if label.strip() else message.strip()
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == text
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text == text
    assert root[0] is title  # first child, so it names the whole image
    ids = _ids(root)
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"b[0-9a-f]{12}-[a-z]+", ident) for ident in ids), ids
    assert set(_references(svg)) <= set(ids)  # every url(#...) points inside this badge
    for element in root.iter(f"{SVG_NS}text"):  # shadows are hidden from screen readers
        if element.get("y") in ("150", "140") and element.get("fill-opacity") == ".3":
            assert element.get("aria-hidden") == "true"
    assert float(root.get("width")) > 0 and int(root.get("height")) in (18, 20, 28)


@pytest.mark.parametrize("style", STYLES)
def test_every_kind_renders_accessibly(style):
    badges = kind_badges()
    assert len(badges) == len(kinds.KINDS)
    for badge in badges:
        _check_accessible(
            render(badge.label, badge.message, badge.color, style=style).encode(),
            badge.label,
            badge.message,
        )


@pytest.mark.parametrize("style", STYLES)
def test_every_variant_renders_accessibly(style):
    for (label, message, _, _), svg in zip(
        VARIANTS, sheet_badges(style)[len(kinds.KINDS) :], strict=True
    ):
        _check_accessible(svg, label, message)


@pytest.mark.parametrize("style", STYLES)
def test_ids_differ_between_badges_so_a_page_can_inline_many(style):
    all_ids: list[str] = []
    for svg in sheet_badges(style):
        all_ids += _ids(parse_svg(svg))
    assert len(all_ids) == len(set(all_ids))
    assert bool(all_ids) == (style in ("flat", "plastic", "social"))  # the others need no ids
    assert render("l", "m", "blue", style=style) == render("l", "m", "blue", style=style)


@pytest.mark.parametrize("style", STYLES)
def test_text_is_escaped(style):
    svg = render("a\"<b>&'", "</text><script>alert(1)</script>", "red", style=style)
    root = parse_svg(svg.encode())  # still well-formed
    assert root.get("aria-label") == "a\"<b>&': </text><script>alert(1)</script>"
    assert "<script>" not in svg and "<b>" not in svg
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]
    assert "</text><script>alert(1)</script>".upper() in {t.upper() for t in texts}


@pytest.mark.parametrize("style", STYLES)
def test_links_whole_or_per_half(style):
    whole = parse_svg(render("l", "m", "blue", style=style, links=("https://a.example/?x&y",)))
    assert [a.get(XLINK_HREF) for a in whole.iter(f"{SVG_NS}a")] == ["https://a.example/?x&y"]
    assert whole[1].tag == f"{SVG_NS}a"  # right after <title>: it wraps the whole badge
    split = parse_svg(
        render("l", "m", "blue", style=style, links=("https://a.example/", "https://b.example/"))
    )
    hrefs = [a.get(XLINK_HREF) for a in split.iter(f"{SVG_NS}a")]
    assert hrefs == ["https://a.example/", "https://b.example/"]
    assert split[1].tag != f"{SVG_NS}a"
    with pytest.raises(ValueError, match="at most two links"):
        render("l", "m", "blue", style=style, links=("https://a/", "https://b/", "https://c/"))


@pytest.mark.parametrize("style", STYLES)
def test_logo_is_embedded_as_given_and_makes_room(style):
    plain = parse_svg(render("label", "m", "blue", style=style))
    with_logo = parse_svg(render("label", "m", "blue", style=style, logo=LOGO))
    images = list(with_logo.iter(f"{SVG_NS}image"))
    assert [image.get(XLINK_HREF) for image in images] == [LOGO]
    assert images[0].get("width") == "14" and images[0].get("height") == "14"
    assert float(with_logo.get("width")) >= float(plain.get("width")) + 14
    with pytest.raises(ValueError, match="data:image"):
        render("l", "m", "blue", style=style, logo="https://example.org/logo.png")


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown badge style 'popout'"):
        render("l", "m", "blue", style="popout")


@pytest.mark.parametrize("style", ["flat", "plastic", "flat-square", "for-the-badge"])
def test_colours_become_fills(style):
    root = parse_svg(render("l", "m", "brightgreen", "#123", style=style))
    fills = [rect.get("fill") for rect in root.iter(f"{SVG_NS}rect")]
    assert "#4c1" in fills and "#123" in fills


def _text_fills(svg: str) -> list[str | None]:
    root = parse_svg(svg.encode())
    return [t.get("fill") for t in root.iter(f"{SVG_NS}text") if t.get("aria-hidden") is None]


@pytest.mark.parametrize("style", ["flat", "plastic", "flat-square", "for-the-badge"])
def test_text_turns_dark_on_light_backgrounds_only(style):
    assert _text_fills(render("l", "m", "blue", style=style)) == [None, None]  # inherits #fff
    assert _text_fills(render("l", "m", "#ff0", style=style)) == [None, "#333"]
    assert _text_fills(render("l", "m", "blue", "#fff", style=style)) == ["#333", None]
    for name in ("brightgreen", "green", "yellowgreen", "yellow", "orange", "red", "lightgrey"):
        assert _text_fills(render("l", "m", name, style=style)) == [None, None], name


@pytest.mark.parametrize("style", ["flat", "plastic"])
def test_shadows_follow_the_text_colour(style):
    root = parse_svg(render("l", "m", "#ff0", style=style).encode())
    shadows = [t.get("fill") for t in root.iter(f"{SVG_NS}text") if t.get("aria-hidden")]
    assert shadows == ["#010101", "#ccc"]


def test_style_shapes():
    flat = parse_svg(render("l", "m", "blue"))
    assert (
        flat.get("height") == "20"
        and flat.find(f".//{SVG_NS}clipPath/{SVG_NS}rect").get("rx") == "3"
    )
    plastic = parse_svg(render("l", "m", "blue", style="plastic"))
    assert plastic.get("height") == "18"
    assert len(plastic.findall(f".//{SVG_NS}linearGradient/{SVG_NS}stop")) == 4
    square = render("l", "m", "blue", style="flat-square")
    assert "linearGradient" not in square and "rx=" not in square and "#010101" not in square
    badge = parse_svg(render("version", "1.2.11", "blue", style="for-the-badge"))
    assert badge.get("height") == "28"
    assert ["".join(t.itertext()) for t in badge.iter(f"{SVG_NS}text")] == ["VERSION", "1.2.11"]
    social = parse_svg(render("stars", "12k", "red", style="social"))
    texts = ["".join(t.itertext()) for t in social.iter(f"{SVG_NS}text")]
    assert texts == ["Stars", "Stars", "12k", "12k"]
    assert "#e05d44" not in render("stars", "12k", "red", style="social")  # its own colours


def test_text_is_trimmed_as_shields_does():
    assert render(" l ", " m ", "blue") == render("l", "m", "blue")


def test_accessible_text_without_label():
    assert accessible_text("", "1.0") == "1.0"
    assert parse_svg(render("", "1.0", "blue")).get("aria-label") == "1.0"


def test_no_float_noise_in_numbers():
    for style in STYLES:
        svg = render("updated", "8 years ago", "red", style=style)
        assert not re.search(r'="[^"]*\d\.\d{3,}', svg), style
        assert '.0"' not in svg


def test_render_svg_is_cached_bytes():
    render_svg.cache_clear()
    first = render_svg("license", "MIT", "blue", "grey", (), None, "social")
    assert first == render("license", "MIT", "blue", style="social").encode()
    assert render_svg("license", "MIT", "blue", "grey", (), None, "social") is first
    assert render_svg.cache_info().hits == 1


def _badge_maker() -> dict:
    return json.loads(WIDTHS.read_text(encoding="utf-8"))


def test_width_fixture_is_what_the_provenance_says():
    recorded = _badge_maker()
    assert recorded["badge-maker"] == "6.0.0"
    assert len(recorded["cases"]) >= 200
    labels = {case["label"] for case in recorded["cases"]}
    assert {
        "conda | main",
        "downloads",
        "license",
        "platforms",
        "last updated",
        "updated",
    } <= labels
    assert all(set(case["widths"]) == set(STYLES) for case in recorded["cases"])


@pytest.mark.parametrize("style", STYLES)
def test_widths_agree_with_badge_maker_within_a_pixel(style):
    """Badge width, label width and message width, for every recorded real label and message."""
    worst = 0.0
    for case in _badge_maker()["cases"]:
        root = parse_svg(render(case["label"], case["message"], "blue", style=style).encode())
        lengths = [float(t.get("textLength")) / 10 for t in root.iter(f"{SVG_NS}text")]
        ours = (float(root.get("width")), lengths[0], lengths[-1])
        theirs = case["widths"][style]
        for mine, recorded in zip(ours, theirs, strict=True):
            assert abs(mine - recorded) <= 1, (style, case["label"], case["message"], ours, theirs)
            worst = max(worst, abs(mine - recorded))
    assert worst <= 1
