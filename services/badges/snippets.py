"""Embed snippets (Markdown, HTML, reStructuredText, AsciiDoc) for every badge of a package."""

from __future__ import annotations

from common.badge_render import STYLES
from common.badge_snippets import ALT_TEXT
from common.badge_snippets import KIND_NAMES
from common.badge_snippets import package_path
from common.badge_snippets import snippet_set
from common.badge_snippets import with_token


def badge_url(
    base_url: str,
    path: str,
    kind: str,
    ext: str = "svg",
    token: str | None = None,
    style: str = "flat",
) -> str:
    """The public badge URL: `?style=` unless flat, then `token=` last when there is a token."""
    query = f"?style={style}" if style != "flat" else ""
    return with_token(f"{base_url}{path}/badges/{kind}.{ext}{query}", token)


def snippets(
    base_url: str,
    channel: str,
    name: str,
    subchannel: str | None = None,
    link: str | None = None,
    token: str | None = None,
    style: str = "flat",
) -> dict:
    """Per kind, in `style`: the SVG URL, the shields-endpoint JSON URL and the four snippets."""
    base_url = base_url.rstrip("/")
    path = package_path(channel, name, subchannel)
    target = link or f"{base_url}{package_path(channel, name)}"
    badges = {}
    for kind in KIND_NAMES:
        url = badge_url(base_url, path, kind, "svg", token, style)
        alt = f"{name} {ALT_TEXT[kind]}"
        badges[kind] = {
            "url": url,
            "json_url": badge_url(base_url, path, kind, "json", token, style),
            **snippet_set(url, target, alt),
        }
    return {
        "channel": channel,
        "subchannel": subchannel,
        "name": name,
        "link": target,
        "style": style,
        "styles": list(STYLES),
        "badges": badges,
    }
