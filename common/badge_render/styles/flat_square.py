"""The `flat-square` style: 20 px high, square corners, flat colours, no shadows."""

from __future__ import annotations

from common.badge_render.spec import BadgeSpec
from common.badge_render.styles import classic
from common.badge_render.svg import document

HEIGHT = 20


def draw(spec: BadgeSpec) -> str:
    """The badge in the flat-square style."""
    box = classic.layout(spec)
    body = classic.background(box, HEIGHT, 'shape-rendering="crispEdges"', None) + (
        classic.foreground(box, HEIGHT, baseline10=140, shadow=False)
    )
    return document(
        width=box.width,
        height=HEIGHT,
        title=spec.accessible_text,
        body=body,
        whole_link=spec.whole_link,
    )
