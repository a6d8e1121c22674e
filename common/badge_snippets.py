"""Badge URLs and their embed snippets (Markdown, HTML, reStructuredText, AsciiDoc).

Shared by the badges service's snippets endpoint and the gateway's package page.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

# anaconda.org's six badge names, in the order its badges page lists them, then cves
KIND_NAMES = (
    "version",
    "latest_release_date",
    "latest_release_relative_date",
    "platforms",
    "license",
    "downloads",
    "cves",  # ours: anaconda.org has no CVE badge
)
ALT_TEXT = {
    "version": "conda version",
    "latest_release_date": "last updated",
    "latest_release_relative_date": "updated",
    "platforms": "platforms",
    "license": "license",
    "downloads": "downloads",
    "cves": "known vulnerabilities",
}


def package_path(channel: str, name: str, subchannel: str | None = None) -> str:
    """`/<channel>/<name>` or `/<channel>/label/<subchannel>/<name>`, each part URL-quoted."""
    middle = f"/label/{quote(subchannel, safe='')}" if subchannel else ""
    return f"/{quote(channel, safe='')}{middle}/{quote(name, safe='')}"


def with_token(url: str, token: str | None) -> str:
    """`url` with `token=` as the last query item when there is a token."""
    if not token:
        return url
    return f"{url}{'&' if '?' in url else '?'}token={quote(token, safe='')}"


def snippet_set(url: str, link: str, alt: str) -> dict[str, str]:
    """One badge as Markdown, HTML, reStructuredText and AsciiDoc, linking to `link`."""
    return {
        "markdown": f"[![{alt}]({url})]({link})",
        "html": f'<a href="{escape(link)}"><img src="{escape(url)}" alt="{escape(alt)}"></a>',
        "rst": f".. image:: {url}\n   :alt: {alt}\n   :target: {link}",
        "asciidoc": f'image:{url}[{alt},link="{link}"]',
    }
