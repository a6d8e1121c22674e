"""Query options as shields.io users write them, parsed and validated into BadgeOptions."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from common.badge_colors import parse_color
from common.badge_render import STYLES
from common.errors import InvalidParameter

MAX_TEXT = 100
MAX_LINK = 2048
MAX_LOGO = 16384
MAX_CACHE_SECONDS = 86400

# legacy shields names and anaconda.org's own names for the same options
ALIASES = {
    "colorA": "labelColor",
    "colorB": "color",
    "maxAge": "cacheSeconds",
    "left_text": "label",
    "left_color": "labelColor",
    "right_color": "color",
}
_LOGO = re.compile(r"^data:image/(png|svg\+xml|jpeg|gif|webp);base64,([A-Za-z0-9+/]+={0,2})$")


@dataclass(frozen=True, slots=True)
class BadgeOptions:
    """Validated presentation options; None means "the kind's default"."""

    label: str | None = None
    color: str | None = None
    label_color: str | None = None
    links: tuple[str, ...] = ()
    logo: str | None = None
    cache_seconds: int | None = None
    style: str = "flat"


def _invalid(parameter: str, message: str) -> InvalidParameter:
    return InvalidParameter(message, details={"parameter": parameter})


def parse_text(value: str, parameter: str) -> str:
    """Badge text: at most 100 characters, no control characters."""
    if len(value) > MAX_TEXT:
        raise _invalid(parameter, f"{parameter} is longer than {MAX_TEXT} characters")
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        raise _invalid(parameter, f"{parameter} contains control characters")
    return value


def parse_link(value: str) -> str:
    """An absolute http(s) URL; anything else (javascript:, data:, relative) is refused."""
    if len(value) > MAX_LINK or any(ord(ch) <= 32 or ord(ch) == 127 for ch in value):
        raise _invalid("link", "link must be an http(s) URL without spaces or control characters")
    try:
        parts = urlsplit(value)
    except ValueError as error:
        raise _invalid("link", "link is not a valid URL") from error
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise _invalid("link", "link must be an absolute http:// or https:// URL")
    return value


def parse_logo(value: str) -> str:
    """A base64 `data:image/...` URI (never a URL we would have to fetch), at most 16 KiB."""
    match = _LOGO.match(value)
    if len(value) > MAX_LOGO or not match:
        raise _invalid(
            "logo", "logo must be a base64 data:image/(png|svg+xml|jpeg|gif|webp) URI of 16 KiB"
        )
    try:
        base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError) as error:
        raise _invalid("logo", "logo is not valid base64") from error
    return value


def parse_cache_seconds(value: str) -> int:
    """A whole number of seconds, 0 or more; capped at one day."""
    if not value.isdigit() or len(value) > 12:
        raise _invalid("cacheSeconds", "cacheSeconds must be a whole number of seconds")
    return min(int(value), MAX_CACHE_SECONDS)


def parse_style(value: str) -> str:
    """One of shields' five styles (common.badge_render.STYLES); `flat` is the default."""
    if value not in STYLES:
        raise _invalid("style", f"style must be one of {', '.join(STYLES)}")
    return value


def _canonical(args: Mapping[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for key, values in args.items():
        merged.setdefault(ALIASES.get(key, key), []).extend(values)
    return merged


def parse_options(args: Mapping[str, list[str]]) -> BadgeOptions:
    """BadgeOptions from query arguments (name -> all values); raises InvalidParameter."""
    query = _canonical(args)

    def one(name: str) -> str | None:
        values = query.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise _invalid(name, f"{name} is given more than once")
        return values[0]

    label, color, label_color = one("label"), one("color"), one("labelColor")
    logo, cache, style = one("logo"), one("cacheSeconds"), one("style")
    links = query.get("link", [])
    if len(links) > 2:
        raise _invalid("link", "at most two links (left and right) are allowed")
    return BadgeOptions(
        label=parse_text(label, "label") if label is not None else None,
        color=parse_color(color, "color") if color else None,
        label_color=parse_color(label_color, "labelColor") if label_color else None,
        links=tuple(parse_link(link) for link in links),
        logo=parse_logo(logo) if logo else None,
        cache_seconds=parse_cache_seconds(cache) if cache else None,
        style=parse_style(style) if style else "flat",
    )
