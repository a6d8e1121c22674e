"""Matching If-None-Match against an ETag: one rule for the badges service, the gateway's
proxy and its hot path."""

from __future__ import annotations


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an If-None-Match header names `etag` (weak comparison, as RFC 9110 says)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    candidates = (part.strip().removeprefix("W/") for part in if_none_match.split(","))
    return any(candidate == bare for candidate in candidates)
