"""Badge URLs with style options, and their embed snippets, as the package page shows them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote
from urllib.parse import urlencode

from common.badge_render import STYLES
from common.badge_snippets import ALT_TEXT
from common.badge_snippets import KIND_NAMES
from common.badge_snippets import package_path
from common.badge_snippets import snippet_set
from common.badge_snippets import with_token

KINDS = KIND_NAMES
TITLES = {
    "version": "Version",
    "downloads": "Downloads",
    "license": "License",
    "platforms": "Platforms",
    "latest_release_date": "Latest release date",
    "latest_release_relative_date": "Latest release, relative",
    "cves": "Known vulnerabilities (CVEs)",
}
COLORS = (
    "brightgreen",
    "green",
    "yellowgreen",
    "yellow",
    "orange",
    "red",
    "blue",
    "lightgrey",
    "grey",
    "informational",
    "success",
    "important",
    "critical",
)
FORMATS = (
    ("markdown", "Markdown"),
    ("html", "HTML"),
    ("rst", "reStructuredText"),
    ("asciidoc", "AsciiDoc"),
)
MAX_LABEL = 100


@dataclass(frozen=True)
class Style:
    """The badge options the page offers; empty means the kind's default."""

    label: str = ""
    color: str = ""
    style: str = "flat"

    @classmethod
    def from_args(cls, args) -> Style:
        """Options from query arguments; values the badges would refuse are dropped."""
        label = args.get("label", "")[:MAX_LABEL]
        label = "".join(ch for ch in label if ord(ch) >= 32 and not 127 <= ord(ch) < 160)
        color = args.get("color", "")
        style = args.get("style", "flat")
        return cls(
            label=label,
            color=color if color in COLORS else "",
            style=style if style in STYLES else "flat",
        )

    def query(self) -> list[tuple[str, str]]:
        """The non-default options as query items, in a stable order."""
        items = [("label", self.label), ("color", self.color)]
        if self.style != "flat":
            items.append(("style", self.style))
        return [(k, v) for k, v in items if v]


def badge_path(channel: str, name: str, kind: str, style: Style) -> str:
    """The badge's path and query on this host, without any token."""
    query = urlencode(style.query(), quote_via=quote)
    path = f"{package_path(channel, name)}/badges/{kind}.svg"
    return f"{path}?{query}" if query else path


def badges(base_url: str, channel: str, name: str, style: Style, token: str | None) -> list[dict]:
    """Per kind: title, preview path (no token), public URL (token at the end), snippets."""
    base_url = base_url.rstrip("/")
    link = base_url + package_path(channel, name)
    result = []
    for kind in KINDS:
        path = badge_path(channel, name, kind, style)
        url = with_token(base_url + path, token)
        result.append(
            {
                "kind": kind,
                "title": TITLES[kind],
                "preview": path,
                "url": url,
                "snippets": snippet_set(url, link, f"{name} {ALT_TEXT[kind]}"),
            }
        )
    return result
