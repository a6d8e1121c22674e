"""Links from package metadata: only absolute http(s) URLs are ever used as links."""

from __future__ import annotations

from urllib.parse import urlsplit

SAFE_SCHEMES = ("http", "https")


def safe_url(value: object) -> str | None:
    """`value` if it is an absolute http(s) URL with a host, else None (javascript:, data:...)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.hostname:
        return None
    return text
