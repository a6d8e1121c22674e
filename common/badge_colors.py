"""Badge colours: shields' named colours, hex parsing, and the colour scales the kinds share."""

from __future__ import annotations

import re

from common.errors import InvalidParameter

# shields.io's classic palette (badge-maker before 6.0); aliases map to the same values.
NAMED_COLORS: dict[str, str] = {
    "brightgreen": "#4c1",
    "green": "#97ca00",
    "yellowgreen": "#a4a61d",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "blue": "#007ec6",
    "grey": "#555",
    "gray": "#555",
    "lightgrey": "#9f9f9f",
    "lightgray": "#9f9f9f",
    "success": "#4c1",
    "important": "#fe7d37",
    "critical": "#e05d44",
    "informational": "#007ec6",
    "inactive": "#9f9f9f",
}

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_color(value: str, parameter: str) -> str:
    """A colour name or 3/6-digit hex (with or without `#`) as a normalized string."""
    lowered = value.strip().lower()
    if lowered in NAMED_COLORS:
        return lowered
    match = _HEX.match(lowered)
    if match:
        return "#" + match.group(1)
    raise InvalidParameter(
        f"{parameter} must be a shields colour name or 3/6-digit hex, not {value[:40]!r}",
        details={"parameter": parameter},
    )


def to_svg_color(color: str) -> str:
    """The SVG fill for a normalized colour (a name becomes its hex value)."""
    return NAMED_COLORS.get(color, color)


def brightness(color: str) -> float:
    """Perceived brightness (0..1, two decimals) of a `#rgb`/`#rrggbb` colour, as shields has it."""
    hex_digits = color.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(ch * 2 for ch in hex_digits)
    red, green, blue = (int(hex_digits[i : i + 2], 16) for i in (0, 2, 4))
    return round((red * 299 + green * 587 + blue * 114) / 255000, 2)  # shields rounds to .01


def floor_color(value: float, thresholds: tuple[float, ...], colors: tuple[str, ...]) -> str:
    """The colour of the first threshold that `value` is below (shields' floorCount idea)."""
    for threshold, color in zip(thresholds, colors, strict=False):
        if value < threshold:
            return color
    return colors[len(thresholds)]
