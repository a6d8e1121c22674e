"""What a style template draws: the badge's texts, fills, links and logo, checked once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

STYLES = ("flat", "flat-square", "plastic", "for-the-badge", "social")
LOGO_PREFIX = "data:image/"  # logos are embedded data URIs only: an SVG never fetches anything
LOGO_SIZE = 14  # px, square, as shields draws logos


@dataclass(frozen=True, slots=True)
class BadgeSpec:
    """A badge to draw: texts (trimmed), SVG fills, 0-2 links, an optional data-URI logo."""

    label: str
    message: str
    color: str
    label_color: str
    links: tuple[str, ...] = ()
    logo: str | None = None
    style: str = "flat"
    label_color_given: bool = False  # badge-maker draws a label part for it, label or not

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown badge style {self.style!r}; known: {', '.join(STYLES)}")
        if len(self.links) > 2:
            raise ValueError("a badge has at most two links (left and right)")
        if self.logo is not None and not self.logo.startswith(LOGO_PREFIX):
            raise ValueError("a logo must be a data:image/... URI")

    @property
    def accessible_text(self) -> str:
        """What a screen reader says: `label: message` (the message alone without a label)."""
        return accessible_text(self.label, self.message)

    @property
    def whole_link(self) -> str | None:
        """The one link around the whole badge, when exactly one is given."""
        return self.links[0] if len(self.links) == 1 else None

    @property
    def left_link(self) -> str | None:
        """The left half's link, when two are given."""
        return self.links[0] if len(self.links) == 2 else None

    @property
    def right_link(self) -> str | None:
        """The right half's link, when two are given."""
        return self.links[1] if len(self.links) == 2 else None

    @property
    def id_prefix(self) -> str:
        """`b` + 12 hex digits from everything drawn, so inlined badges never share an id."""
        parts = (self.style, self.label, self.message, self.color, self.label_color)
        parts += (*self.links, self.logo or "")
        digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
        return f"b{digest[:12]}-"


def accessible_text(label: str, message: str) -> str:
    """The full text a screen reader gets: `label: message` (or the message alone)."""
    return f"{label}: {message}" if label else message
