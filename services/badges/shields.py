"""The shields.io endpoint-badge JSON (`schemaVersion: 1`) for a rendered badge."""

from __future__ import annotations

import base64

SHIELDS_MIN_CACHE_SECONDS = 300
_SVG_LOGO = "data:image/svg+xml;base64,"


def endpoint_json(
    label: str,
    message: str,
    color: str,
    label_color: str,
    *,
    cache_seconds: int,
    is_error: bool = False,
    style: str = "flat",
    logo: str | None = None,
) -> dict:
    """A body shields' `/endpoint?url=` accepts (only keys its schema allows)."""
    body: dict[str, object] = {
        "schemaVersion": 1,
        "label": label,
        "message": message or " ",
        "color": color,
        "labelColor": label_color,
        "isError": is_error,
        "style": style,
        "cacheSeconds": max(cache_seconds, SHIELDS_MIN_CACHE_SECONDS),
    }
    if logo and logo.startswith(_SVG_LOGO):
        body["logoSvg"] = base64.b64decode(logo[len(_SVG_LOGO) :]).decode("utf-8", "replace")
    return body
