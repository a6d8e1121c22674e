"""The `for-the-badge` style: 28 px high, square, capital letters spaced out, a bold message."""

from __future__ import annotations

from common.badge_render.spec import LOGO_SIZE
from common.badge_render.spec import BadgeSpec
from common.badge_render.svg import FONT_FAMILY
from common.badge_render.svg import LIGHT_TEXT
from common.badge_render.svg import document
from common.badge_render.svg import esc
from common.badge_render.svg import link_area
from common.badge_render.svg import num
from common.badge_render.svg import text_colors
from common.badge_render.widths import VERDANA_10
from common.badge_render.widths import VERDANA_10_BOLD
from common.badge_render.widths import text_width

HEIGHT = 28
TEXT_MARGIN = 12  # px either side of a text
LOGO_MARGIN = 9  # px left of the logo
LOGO_GUTTER = 6  # px between the logo and the text
LETTER_SPACING = 1.25  # px added per letter (drawn through textLength)


def _units(text: str) -> int:
    # shields spaces letters per UTF-16 unit (JavaScript's length): astral characters count twice
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def spaced_width(text: str, font: str) -> float:
    """The width of `text` in `font` with the style's letter spacing (0 for no text)."""
    if not text:
        return 0
    return int(text_width(text, font)) + LETTER_SPACING * _units(text)


def _text(content: str, background: str, min_x: float, width: float, bold: bool) -> str:
    fill = text_colors(background).text
    attributes = (
        f'transform="scale(.1)" x="{num(10 * (min_x + width / 2))}" y="175" '
        f'textLength="{num(10 * width)}"'
    )
    if bold:
        attributes += ' font-weight="bold"'
    if fill != LIGHT_TEXT:
        attributes += f' fill="{fill}"'
    return f"<text {attributes}>{esc(content)}</text>"


def draw(spec: BadgeSpec) -> str:
    """The badge in the for-the-badge style."""
    label, message = spec.label.upper(), spec.message.upper()
    label_width = spaced_width(label, VERDANA_10)
    message_width = spaced_width(message, VERDANA_10_BOLD)
    gutter = LOGO_GUTTER - (LOGO_MARGIN if not label and not message else 0)
    label_min_x = LOGO_MARGIN + LOGO_SIZE + gutter if spec.logo else TEXT_MARGIN
    if label:
        left_width = label_min_x + label_width + TEXT_MARGIN
        message_min_x = left_width + TEXT_MARGIN
        right_width = 2 * TEXT_MARGIN + message_width
    else:  # no left half: a logo sits on the message's colour
        left_width = 0
        logo = LOGO_SIZE + gutter if spec.logo else 0
        message_min_x = TEXT_MARGIN + logo
        right_width = 2 * TEXT_MARGIN + logo + message_width

    parts = []
    if spec.logo:
        y = num((HEIGHT - LOGO_SIZE) / 2)
        parts.append(
            f'<image x="{LOGO_MARGIN}" y="{y}" width="{LOGO_SIZE}" height="{LOGO_SIZE}" '
            f'xlink:href="{esc(spec.logo)}"/>'
        )
    if label:
        text = _text(label, spec.label_color, label_min_x, label_width, bold=False)
        if spec.left_link:
            text = link_area(spec.left_link, 0, left_width, HEIGHT, text)
        parts.append(text)
    text = _text(message, spec.color, message_min_x, message_width, bold=True)
    if spec.right_link:
        text = link_area(spec.right_link, left_width, right_width, HEIGHT, text)
    parts.append(text)

    left = (
        f'<rect width="{num(left_width)}" height="{HEIGHT}" fill="{spec.label_color}"/>'
        if label
        else ""
    )
    body = (
        f'<g shape-rendering="crispEdges">{left}<rect x="{num(left_width)}" '
        f'width="{num(right_width)}" height="{HEIGHT}" fill="{spec.color}"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="{FONT_FAMILY}" '
        f'text-rendering="geometricPrecision" font-size="100">{"".join(parts)}</g>'
    )
    return document(
        width=left_width + right_width,
        height=HEIGHT,
        title=spec.accessible_text,
        body=body,
        whole_link=spec.whole_link,
    )
