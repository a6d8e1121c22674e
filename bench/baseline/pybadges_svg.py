"""BASELINE ONLY: the pybadges-based renderer that common/badge_render replaced (main @ 34cee1c).

Kept unchanged but for one import, so `make bench` can measure what a badge used to cost. It runs
in a throwaway Python 3.11 virtualenv where pybadges 3.0.1 still imports (setuptools<81); the
project itself no longer depends on pybadges. Never imported by the services.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from xml.sax.saxutils import escape

import pybadges

# the project's palette (common/badge_colors.py), inlined so this runs without the project
_NAMED = {"brightgreen": "#4c1", "blue": "#007ec6", "grey": "#555", "red": "#e05d44"}


def to_svg_color(color: str) -> str:
    """The SVG fill for a colour name or hex (as common.badge_colors.to_svg_color)."""
    return _NAMED.get(color, color)


STYLES = ("flat", "flat-square")  # the styles render_svg draws

CACHE_SIZE = 4096

_PYBADGES_IDS = ("smooth", "round")
_SHADOW_TEXT = re.compile(r'<text ([^>]*fill="#010101"[^>]*)>')
_SHADOW_TEXT_ELEMENT = re.compile(r'<text [^>]*fill="#010101"[^>]*>.*?</text>')
_GRADIENT = re.compile(r"<linearGradient .*?</linearGradient>")
_GRADIENT_RECT = re.compile(r'<rect [^>]*fill="url\(#smooth\)"/>')
_FLOAT_ATTRIBUTE = re.compile(r'="(\d+\.\d{4,})"')  # pybadges' 1703.9999999999998
_TEXT = re.compile(r"<text ")
DARK_TEXT = "#333"
DARK_SHADOW = "#ccc"
LIGHT_BACKGROUND = 0.69  # shields' threshold: above this brightness, text turns dark


def accessible_text(label: str, message: str) -> str:
    """The full text a screen reader gets: `label: message` (or the message alone)."""
    return f"{label}: {message}" if label else message


def brightness(color: str) -> float:
    """Perceived brightness (0..1) of a `#rgb`/`#rrggbb` colour, as shields computes it."""
    hex_digits = color.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(ch * 2 for ch in hex_digits)
    red, green, blue = (int(hex_digits[i : i + 2], 16) for i in (0, 2, 4))
    return (red * 299 + green * 587 + blue * 114) / 255000


def _dark_text(svg: str, left: bool, right: bool) -> str:
    # pybadges writes four <text>: left shadow, left, right shadow, right (no shadows when square)
    parts = _TEXT.split(svg)
    texts = parts[1:]
    sides = [True] * (len(texts) // 2) + [False] * (len(texts) - len(texts) // 2)
    out = [parts[0]]
    for is_left, text in zip(sides, texts, strict=True):
        dark = left if is_left else right
        if dark and 'fill="#010101"' in text:
            text = text.replace(
                'fill="#010101" fill-opacity=".3"', f'fill="{DARK_SHADOW}" fill-opacity=".3"', 1
            )
        elif dark:
            text = f'fill="{DARK_TEXT}" ' + text
        out.append(text)
    return "<text ".join(out)


def _round_floats(svg: str) -> str:
    return _FLOAT_ATTRIBUTE.sub(lambda m: f'="{round(float(m.group(1)), 2):g}"', svg)


def _square(svg: str) -> str:
    svg = _GRADIENT.sub("", svg, count=1)
    svg = _GRADIENT_RECT.sub("", svg, count=1)
    svg = _SHADOW_TEXT_ELEMENT.sub("", svg)
    return svg.replace('rx="3"', 'rx="0"', 1)


def _unique_ids(svg: str) -> str:
    prefix = "b" + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:12] + "-"
    for name in _PYBADGES_IDS:
        svg = svg.replace(f'id="{name}"', f'id="{prefix}{name}"')
        svg = svg.replace(f"url(#{name})", f"url(#{prefix}{name})")
    return svg


@lru_cache(maxsize=CACHE_SIZE)
def render_svg(
    label: str,
    message: str,
    color: str,
    label_color: str = "grey",
    links: tuple[str, ...] = (),
    logo: str | None = None,
    style: str = "flat",
) -> bytes:
    """An accessible SVG badge; inputs must already be validated (see params.py)."""
    text = accessible_text(label, message)
    link_args: dict[str, str] = {}
    if len(links) == 1:
        link_args["whole_link"] = links[0]
    elif len(links) == 2:
        link_args["left_link"], link_args["right_link"] = links
    svg = pybadges.badge(
        left_text=label,
        right_text=message,
        left_color=to_svg_color(label_color),
        right_color=to_svg_color(color),
        logo=logo,
        embed_logo=False,  # never let pybadges fetch or read anything
        whole_title=text,
        **link_args,
    )
    svg = _round_floats(svg)
    if style == "flat-square":
        svg = _square(svg)
    svg = _SHADOW_TEXT.sub(r'<text aria-hidden="true" \1>', svg)
    left_dark = brightness(to_svg_color(label_color)) > LIGHT_BACKGROUND
    right_dark = brightness(to_svg_color(color)) > LIGHT_BACKGROUND
    if left_dark or right_dark:
        svg = _dark_text(svg, left_dark, right_dark)
    svg = svg.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(text, {chr(34): "&quot;"})}" ', 1
    )
    return _unique_ids(svg).encode("utf-8")


def warm_up() -> None:
    """Load pybadges' text widths and template now, not on the first request (~1 s)."""
    pybadges.badge(left_text="warm", right_text="up")
