"""Badge SVGs in shields.io's five styles, drawn by our own small templates.

`render()` is pure: texts, colours, style, logo and links in, SVG text out. `render_svg()` is the
cached entry point the services call (bytes, LRU cache keyed by every input). Text is measured
with shields' own width tables (`widths.py`), so a badge is as wide as shields would draw it.
"""

from __future__ import annotations

from functools import lru_cache

from common.badge_colors import to_svg_color
from common.badge_render import widths
from common.badge_render.spec import STYLES
from common.badge_render.spec import BadgeSpec
from common.badge_render.spec import accessible_text
from common.badge_render.styles import DRAW

__all__ = ["STYLES", "accessible_text", "render", "render_svg", "warm_up"]

CACHE_SIZE = 4096
DEFAULT_LABEL_COLOR = "grey"


def render(
    label: str,
    message: str,
    color: str,
    label_color: str | None = None,
    *,
    style: str = "flat",
    logo: str | None = None,
    links: tuple[str, ...] = (),
) -> str:
    """An accessible SVG badge; colours are shields names or hex, the logo a data: URI.

    `label_color` None means not given (grey); given, it draws the label part even for an
    empty label (a 10 px stub), as badge-maker does.

    One link wraps the whole badge; two links go to the left and right halves. Raises
    ValueError for an unknown style, more than two links or a logo that is not a data: URI.
    """
    spec = BadgeSpec(
        label=label.strip(),
        message=message.strip(),
        color=to_svg_color(color),
        label_color=to_svg_color(label_color or DEFAULT_LABEL_COLOR),
        label_color_given=label_color is not None,
        links=tuple(links),
        logo=logo,
        style=style,
    )
    return DRAW[style](spec)


@lru_cache(maxsize=CACHE_SIZE)
def render_svg(
    label: str,
    message: str,
    color: str,
    label_color: str | None = None,
    links: tuple[str, ...] = (),
    logo: str | None = None,
    style: str = "flat",
) -> bytes:
    """`render()` as UTF-8 bytes, cached: a hot badge is drawn once per process."""
    return render(label, message, color, label_color, style=style, logo=logo, links=links).encode()


def warm_up() -> None:
    """Load every width table now (a few ms each), not on the first request."""
    for font in widths.FONTS:
        widths.table(font)
