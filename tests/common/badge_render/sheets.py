"""The badges every golden file holds: each kind on real facts, an error badge, and variants.

One sheet per style stacks them all in one SVG (each badge a nested `<svg>` as rendered), so a
golden file can be opened in a browser and reviewed by eye; the ids inside stay distinct.
"""

from __future__ import annotations

import base64
import json
import tempfile
from datetime import UTC
from datetime import datetime
from functools import cache
from pathlib import Path

from common.badge_render import render
from services.badges import kinds
from services.badges.kinds import downloads
from services.badges.model import Badge
from services.badges.model import Facts
from services.badges.model import facts_from_artifact
from tests.conftest import RECORDED
from tests.services.badges.realdata import channel_packages

NOW = datetime(2026, 12, 2, tzinfo=UTC)
GAP = 6  # px between badges on a sheet
LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14">'
    b'<circle r="6" cx="7" cy="7" fill="#43b02a"/></svg>'
)
LOGO = "data:image/svg+xml;base64," + base64.b64encode(LOGO_SVG).decode()


@cache
def gateway_artifacts(channel: str) -> dict[str, dict]:
    """Every package's artifact JSON of an embedded channel, from the real gateway app in-process
    (so the CVE facts come from the embedded vulnerability database, as a badge gets them)."""
    from tests.conftest import gateway_client
    from tests.conftest import mint

    client = gateway_client(Path(tempfile.mkdtemp(prefix="badge-sheets-")), RATE_LIMIT="off")
    headers = {"Authorization": f"Bearer {mint(channel)}"}
    found = {}
    for name in channel_packages(channel):
        response = client.get(f"/api/channels/{channel}/artifacts/conda/{name}", headers=headers)
        assert response.status_code == 200, (channel, name, response.get_data()[:200])
        found[name] = response.get_json()
    return found


def kind_badges() -> list[Badge]:
    """Every kind's badge for zlib in `main` (real repodata and CVE records), downloads from
    anaconda.org."""
    facts = facts_from_artifact(gateway_artifacts("main")["zlib"], "main", NOW)
    pytest_json = json.loads((RECORDED / "anaconda-api/package/anaconda/pytest.json").read_text())
    total = sum(f["ndownloads"] for f in pytest_json["files"])
    badges = [kinds.renderer(kind)(facts) for kind in kinds.KINDS if kind != "downloads"]
    return [
        *badges,
        downloads.render(Facts(channel="anaconda", name="pytest", download_count=total)),
    ]


# (label, message, colour, keyword arguments) beyond the kinds: errors, options, edge cases
VARIANTS: list[tuple[str, str, str, dict]] = [
    ("conda", "not found", "red", {}),
    ("badge", "unavailable", "lightgrey", {}),
    ("updated", "8 years ago", "yellow", {"label_color": "#eee"}),
    ("license", "Zlib", "#ff0", {}),
    ("conda | main", "1.2.11", "blue", {"logo": LOGO}),
    ("", "1.2.11", "blue", {"logo": LOGO}),
    ("downloads", "648k", "brightgreen", {"links": ("https://example.org/pkg",)}),
    ("left", "right", "informational", {"links": ("https://a.example/", "https://b.example/")}),
    ('a"<b>&', "</text><script>x</script>", "red", {}),
    ("última versión", "1.0 ✓ αβγ", "#abc", {}),
]


def sheet_badges(style: str) -> list[bytes]:
    """Every badge of the sheet of `style`, as rendered."""
    out = [render(b.label, b.message, b.color, style=style).encode() for b in kind_badges()]
    for label, message, color, options in VARIANTS:
        out.append(render(label, message, color, style=style, **options).encode())
    return out


def sheet(style: str) -> bytes:
    """One SVG stacking every badge of `style`, each as its own nested <svg>."""
    from tests.services.badges.helpers import parse_svg

    y, width, rows = 0, 0, []
    for badge in sheet_badges(style):
        root = parse_svg(badge)
        rows.append(b'<g transform="translate(0,%d)">%s</g>' % (y, badge))
        y += int(root.get("height")) + GAP
        width = max(width, float(root.get("width")))
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{y - GAP}" '
        f'role="img" aria-label="{style} badges">'
    ).encode()
    return head + b"<title>" + style.encode() + b" badges</title>" + b"".join(rows) + b"</svg>"
