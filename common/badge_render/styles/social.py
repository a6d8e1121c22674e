"""The `social` style: GitHub-button look, a light label box and a speech-bubble count."""

from __future__ import annotations

from common.badge_render.spec import LOGO_SIZE
from common.badge_render.spec import BadgeSpec
from common.badge_render.svg import SOCIAL_FONT_FAMILY
from common.badge_render.svg import document
from common.badge_render.svg import esc
from common.badge_render.svg import link_area
from common.badge_render.svg import num
from common.badge_render.widths import HELVETICA_11_BOLD
from common.badge_render.widths import preferred_width

HEIGHT = 20
INNER = 19  # the boxes' height inside their 0.5 px strokes
LABEL_PADDING = 5
MESSAGE_PADDING = 4
GUTTER = 6  # px between the label box and the bubble (the notch sits in it)
LOGO_GAP = 3


def _capitalized(text: str) -> str:
    """badge-maker's `capitalize`: JavaScript upper-cases the first UTF-16 unit, so a label
    starting with a letter outside the BMP (a surrogate pair there) is left as it is."""
    if not text or ord(text[0]) > 0xFFFF:
        return text
    return text[:1].upper() + text[1:]


def draw(spec: BadgeSpec) -> str:
    """The badge in the social style (its colours are the style's own, as on shields)."""
    label = _capitalized(spec.label)
    message = spec.message
    ids = spec.id_prefix
    logo = LOGO_SIZE + (LOGO_GAP if label else 0) if spec.logo else 0
    label_text = preferred_width(label, HELVETICA_11_BOLD)
    message_text = preferred_width(message, HELVETICA_11_BOLD)
    label_box = label_text + logo + 2 * LABEL_PADDING
    message_box = message_text + 2 * MESSAGE_PADDING
    bubble_x = label_box + GUTTER

    bubble = ""
    if message:
        bubble = (
            f'<rect x="{num(bubble_x + 0.5)}" y=".5" width="{message_box}" height="{INNER}" '
            f'rx="2" fill="#fafafa"/><rect x="{bubble_x}" y="7.5" width=".5" height="5" '
            f'stroke="#fafafa"/><path d="M{num(bubble_x + 0.5)} 6.5 l-3 3v1 l3 3" '
            f'fill="#fafafa"/>'
        )
    background = (
        f'<g stroke="#d5d5d5"><rect stroke="none" fill="#fcfcfc" x=".5" y=".5" '
        f'width="{label_box}" height="{INNER}" rx="2"/>{bubble}</g>'
    )
    image = ""
    if spec.logo:
        image = (
            f'<image x="{LABEL_PADDING}" y="{num((HEIGHT - LOGO_SIZE) / 2)}" '
            f'width="{LOGO_SIZE}" height="{LOGO_SIZE}" xlink:href="{esc(spec.logo)}"/>'
        )

    label_x = num(10 * (logo + label_text / 2 + LABEL_PADDING))
    hover_box = (
        f'<rect id="{ids}llink" stroke="#d5d5d5" fill="url(#{ids}a)" x=".5" y=".5" '
        f'width="{label_box}" height="{INNER}" rx="2"/>'
    )
    label_texts = (
        f'<text aria-hidden="true" x="{label_x}" y="150" fill="#fff" transform="scale(.1)" '
        f'textLength="{10 * label_text}">{esc(label)}</text>'
        f'<text x="{label_x}" y="140" transform="scale(.1)" textLength="{10 * label_text}">'
        f"{esc(label)}</text>"
    )
    if spec.left_link:  # the hover box last, so hovering the text lights the box
        label_part = f'<a target="_blank" xlink:href="{esc(spec.left_link)}">'
        label_part += f"{label_texts}{hover_box}</a>"
    else:
        label_part = hover_box + label_texts
    message_part = ""
    if message:
        message_x = num(10 * (bubble_x + message_box / 2))
        message_part = (
            f'<text aria-hidden="true" x="{message_x}" y="150" fill="#fff" '
            f'transform="scale(.1)" textLength="{10 * message_text}">{esc(message)}</text>'
            f'<text id="{ids}rlink" x="{message_x}" y="140" transform="scale(.1)" '
            f'textLength="{10 * message_text}">{esc(message)}</text>'
        )
        if spec.right_link:
            message_part = link_area(
                spec.right_link, bubble_x, message_box + 1, INNER + 1, message_part
            )
    hidden = "false" if spec.left_link else "true"  # two links stay reachable
    foreground = (
        f'<g aria-hidden="{hidden}" fill="#333" text-anchor="middle" '
        f'font-family="{SOCIAL_FONT_FAMILY}" text-rendering="geometricPrecision" '
        f'font-weight="700" font-size="110px" line-height="14px">{label_part}{message_part}</g>'
    )
    body = (
        f"<style>a:hover #{ids}llink{{fill:url(#{ids}b);stroke:#ccc}}"
        f"a:hover #{ids}rlink{{fill:#4183c4}}</style>"
        f'<linearGradient id="{ids}a" x2="0" y2="100%"><stop offset="0" stop-color="#fcfcfc" '
        f'stop-opacity="0"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<linearGradient id="{ids}b" x2="0" y2="100%"><stop offset="0" stop-color="#ccc" '
        f'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f"{background}{image}{foreground}"
    )
    return document(
        width=label_box + 1 + (GUTTER + message_box if message else 0),
        height=HEIGHT,
        title=spec.accessible_text,
        body=body,
        whole_link=spec.whole_link,
    )
