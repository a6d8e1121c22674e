"""The two-part layout that flat, flat-square and plastic share (shields' geometry).

Text is laid out at 10x scale (`font-size="110"` and `transform="scale(.1)"`), so browsers with a
minimum font size still draw 11px text; `textLength` pins each text to its table width, so a
fallback font cannot overflow its half.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.badge_render.spec import LOGO_SIZE
from common.badge_render.spec import BadgeSpec
from common.badge_render.svg import FONT_FAMILY
from common.badge_render.svg import LIGHT_TEXT
from common.badge_render.svg import esc
from common.badge_render.svg import link_area
from common.badge_render.svg import num
from common.badge_render.svg import text_colors
from common.badge_render.widths import VERDANA_11
from common.badge_render.widths import preferred_width

PADDING = 5  # px of background either side of each text
LOGO_GAP = 3  # px between a logo and the label


@dataclass(frozen=True, slots=True)
class Classic:
    """Where everything goes in a two-part badge of one height."""

    spec: BadgeSpec
    left_width: int
    right_width: int
    label_width: int
    message_width: int
    label_margin: int
    message_margin: int
    label_fill: str

    @property
    def width(self) -> int:
        """The whole badge's width in px."""
        return self.left_width + self.right_width


def layout(spec: BadgeSpec) -> Classic:
    """The widths and offsets of both halves: logo, label, message."""
    has_label = bool(spec.label) or spec.label_color_given  # badge-maker's `hasLabel`
    logo = (LOGO_SIZE + (LOGO_GAP if has_label else 0)) if spec.logo else 0
    label_width = preferred_width(spec.label, VERDANA_11) if spec.label else 0
    left_width = label_width + 2 * PADDING + logo if has_label else 0
    message_width = preferred_width(spec.message, VERDANA_11)
    message_margin = left_width - (1 if spec.message else 0)
    right_width = message_width + 2 * PADDING
    if not has_label and spec.logo:
        message_margin += logo + PADDING
        right_width += logo + (PADDING - 1 if spec.message else 0)
    elif not has_label:
        message_margin += 1
    return Classic(
        spec=spec,
        left_width=left_width,
        right_width=right_width,
        label_width=label_width,
        message_width=message_width,
        label_margin=logo + 1,
        message_margin=message_margin,
        # without a label the logo sits on the message's colour
        label_fill=spec.label_color if has_label else spec.color,
    )


def _text(
    content: str, background: str, x10: int, width: int, baseline10: int, shadow: bool
) -> str:
    colors = text_colors(background)
    fill = "" if colors.text == LIGHT_TEXT else f' fill="{colors.text}"'
    common = f'x="{x10}" transform="scale(.1)" textLength="{10 * width}"'
    text = f'<text {common} y="{baseline10}"{fill}>{esc(content)}</text>'
    if not shadow:
        return text
    return (
        f'<text aria-hidden="true" {common} y="{baseline10 + 10}" fill="{colors.shadow}" '
        f'fill-opacity=".3">{esc(content)}</text>{text}'
    )


def foreground(box: Classic, height: int, baseline10: int, shadow: bool) -> str:
    """The logo and both texts (with shadows if the style has them), links per half."""
    spec = box.spec
    parts = []
    if spec.logo:
        y = num((height - LOGO_SIZE) / 2)
        parts.append(
            f'<image x="{PADDING}" y="{y}" width="{LOGO_SIZE}" height="{LOGO_SIZE}" '
            f'xlink:href="{esc(spec.logo)}"/>'
        )
    if spec.label:
        x10 = 10 * (box.label_margin + PADDING) + 5 * box.label_width
        label = _text(spec.label, box.label_fill, x10, box.label_width, baseline10, shadow)
        if spec.left_link:
            label = link_area(spec.left_link, 0, box.left_width, height, label)
        parts.append(label)
    if spec.message:
        x10 = 10 * (box.message_margin + PADDING) + 5 * box.message_width
        message = _text(spec.message, spec.color, x10, box.message_width, baseline10, shadow)
        if spec.right_link:
            x = box.message_margin + 1 if box.message_margin > 1 else 0
            message = link_area(spec.right_link, x, box.right_width, height, message)
        parts.append(message)
    return (
        f'<g fill="#fff" text-anchor="middle" font-family="{FONT_FAMILY}" '
        f'text-rendering="geometricPrecision" font-size="110">{"".join(parts)}</g>'
    )


def background(box: Classic, height: int, attributes: str, gradient_id: str | None) -> str:
    """Both halves' rectangles, and the gradient over them if the style has one."""
    overlay = (
        f'<rect width="{box.width}" height="{height}" fill="url(#{gradient_id})"/>'
        if gradient_id
        else ""
    )
    return (
        f'<g {attributes}><rect width="{box.left_width}" height="{height}" '
        f'fill="{box.label_fill}"/><rect x="{box.left_width}" width="{box.right_width}" '
        f'height="{height}" fill="{box.spec.color}"/>{overlay}</g>'
    )
