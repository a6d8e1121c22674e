"""Embed snippets (Markdown, HTML, reStructuredText, AsciiDoc) for every badge of a package."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from services.badges.kinds import KINDS

ALT_TEXT = {
    "version": "conda version",
    "latest_release_date": "last updated",
    "latest_release_relative_date": "updated",
    "platforms": "platforms",
    "license": "license",
    "downloads": "downloads",
}


def package_path(channel: str, name: str, subchannel: str | None = None) -> str:
    """`/<channel>/<name>` or `/<channel>/label/<subchannel>/<name>`, each part URL-quoted."""
    middle = f"/label/{quote(subchannel, safe='')}" if subchannel else ""
    return f"/{quote(channel, safe='')}{middle}/{quote(name, safe='')}"


def badge_url(
    base_url: str, path: str, kind: str, ext: str = "svg", token: str | None = None
) -> str:
    """The public badge URL, with `?token=` at the end when there is a token."""
    url = f"{base_url}{path}/badges/{kind}.{ext}"
    return f"{url}?token={quote(token, safe='')}" if token else url


def snippet_set(url: str, link: str, alt: str) -> dict[str, str]:
    """One badge as Markdown, HTML, reStructuredText and AsciiDoc, linking to `link`."""
    return {
        "markdown": f"[![{alt}]({url})]({link})",
        "html": f'<a href="{escape(link)}"><img src="{escape(url)}" alt="{escape(alt)}"></a>',
        "rst": f".. image:: {url}\n   :alt: {alt}\n   :target: {link}",
        "asciidoc": f'image:{url}[{alt},link="{link}"]',
    }


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
    for kind in KINDS:
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
