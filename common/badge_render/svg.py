"""The pieces every style shares: escaping, numbers, text colours and the outer <svg> element."""

from __future__ import annotations

from dataclasses import dataclass

from common.badge_colors import brightness

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"
SOCIAL_FONT_FAMILY = "Helvetica Neue,Helvetica,Arial,sans-serif"
LIGHT_BACKGROUND = 0.69  # shields' threshold: above this brightness, text turns dark
LIGHT_TEXT, LIGHT_SHADOW = "#fff", "#010101"
DARK_TEXT, DARK_SHADOW = "#333", "#ccc"

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"})


def esc(text: str) -> str:
    """`text` safe inside XML character data and double-quoted attributes."""
    return text.translate(_ESCAPES)


def num(value: float) -> str:
    """A coordinate as SVG text: `12`, `12.5`, `1237.5` (never `12.0` or float noise)."""
    if value == int(value):
        return str(int(value))
    return repr(round(value, 2))


@dataclass(frozen=True, slots=True)
class TextColors:
    """The fill of text and of its shadow on one background."""

    text: str
    shadow: str


def text_colors(background: str) -> TextColors:
    """Dark text on light backgrounds, white text elsewhere (as shields decides)."""
    if brightness(background) > LIGHT_BACKGROUND:
        return TextColors(DARK_TEXT, DARK_SHADOW)
    return TextColors(LIGHT_TEXT, LIGHT_SHADOW)


def document(
    *, width: float, height: int, title: str, body: str, whole_link: str | None = None
) -> str:
    """The outer element: size, `role="img"`, `aria-label`, `<title>` first, optional link."""
    label = esc(title)
    if whole_link is not None:
        body = f'<a target="_blank" xlink:href="{esc(whole_link)}">{body}</a>'
    return (
        f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" width="{num(width)}" '
        f'height="{height}" role="img" aria-label="{label}"><title>{label}</title>{body}</svg>'
    )


def link_area(link: str, x: float, width: float, height: int, content: str) -> str:
    """`content` inside a link whose transparent rectangle covers one half of the badge."""
    return (
        f'<a target="_blank" xlink:href="{esc(link)}">'
        f'<rect x="{num(x)}" width="{num(width)}" height="{height}" fill="rgba(0,0,0,0)"/>'
        f"{content}</a>"
    )
