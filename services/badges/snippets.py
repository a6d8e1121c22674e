"""Embed snippets (Markdown, HTML, reStructuredText, AsciiDoc) for every badge of a package."""

from __future__ import annotations

from common.badge_snippets import ALT_TEXT
from common.badge_snippets import KIND_NAMES
from common.badge_snippets import package_path
from common.badge_snippets import snippet_set
from common.badge_snippets import with_token


def badge_url(
    base_url: str, path: str, kind: str, ext: str = "svg", token: str | None = None
) -> str:
    """The public badge URL, with `?token=` at the end when there is a token."""
    return with_token(f"{base_url}{path}/badges/{kind}.{ext}", token)


def snippets(
    base_url: str,
    channel: str,
    name: str,
    subchannel: str | None = None,
    link: str | None = None,
    token: str | None = None,
) -> dict:
    """Per kind: the SVG URL, the shields-endpoint JSON URL and the four snippets."""
    base_url = base_url.rstrip("/")
    path = package_path(channel, name, subchannel)
    target = link or f"{base_url}{package_path(channel, name)}"
    badges = {}
    for kind in KIND_NAMES:
        url = badge_url(base_url, path, kind, "svg", token)
        alt = f"{name} {ALT_TEXT[kind]}"
        badges[kind] = {
            "url": url,
            "json_url": badge_url(base_url, path, kind, "json", token),
            **snippet_set(url, target, alt),
        }
    return {
        "channel": channel,
        "subchannel": subchannel,
        "name": name,
        "link": target,
        "badges": badges,
    }
