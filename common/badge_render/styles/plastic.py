"""The `plastic` style: 18 px high, corners rounded 4 px, a glossy four-stop gradient, shadows."""

from __future__ import annotations

from common.badge_render.spec import BadgeSpec
from common.badge_render.styles import classic
from common.badge_render.svg import document

HEIGHT = 18


def draw(spec: BadgeSpec) -> str:
    """The badge in the plastic style."""
    box = classic.layout(spec)
    ids = spec.id_prefix
    body = (
        f'<linearGradient id="{ids}s" x2="0" y2="100%">'
        f'<stop offset="0" stop-color="#fff" stop-opacity=".7"/>'
        f'<stop offset=".1" stop-color="#aaa" stop-opacity=".1"/>'
        f'<stop offset=".9" stop-color="#000" stop-opacity=".3"/>'
        f'<stop offset="1" stop-color="#000" stop-opacity=".5"/></linearGradient>'
        f'<clipPath id="{ids}r"><rect width="{box.width}" height="{HEIGHT}" rx="4" fill="#fff"/>'
        f"</clipPath>"
        + classic.background(box, HEIGHT, f'clip-path="url(#{ids}r)"', f"{ids}s")
        + classic.foreground(box, HEIGHT, baseline10=130, shadow=True)
    )
    return document(
        width=box.width,
        height=HEIGHT,
        title=spec.accessible_text,
        body=body,
        whole_link=spec.whole_link,
    )
