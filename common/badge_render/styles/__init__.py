"""One template per shields style; each `draw(spec) -> str` is pure."""

from __future__ import annotations

from collections.abc import Callable

from common.badge_render.spec import BadgeSpec
from common.badge_render.styles import flat
from common.badge_render.styles import flat_square
from common.badge_render.styles import for_the_badge
from common.badge_render.styles import plastic
from common.badge_render.styles import social

DRAW: dict[str, Callable[[BadgeSpec], str]] = {
    "flat": flat.draw,
    "flat-square": flat_square.draw,
    "plastic": plastic.draw,
    "for-the-badge": for_the_badge.draw,
    "social": social.draw,
}
