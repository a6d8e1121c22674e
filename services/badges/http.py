"""HTTP caching for badges: Cache-Control, strong ETags and 304 on If-None-Match."""

from __future__ import annotations

import hashlib

from flask import Response

from common.etags import etag_matches

SVG_TYPE = "image/svg+xml; charset=utf-8"
JSON_TYPE = "application/json"


def max_age(default: int, requested: int | None) -> int:
    """The cache lifetime: the kind's default, lengthened (never shortened) by cacheSeconds."""
    return max(default, requested or 0)


def cache_control(seconds: int, private: bool) -> str:
    """`private, no-store` for token requests; else `max-age=N, s-maxage=N` (no-cache for 0)."""
    if private:
        return "private, no-store"
    if seconds <= 0:
        return "no-cache, no-store, must-revalidate"
    return f"max-age={seconds}, s-maxage={seconds}"


def etag_for(body: bytes) -> str:
    """A strong ETag from the body's bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def respond(
    body: bytes,
    content_type: str,
    *,
    status: int,
    seconds: int,
    private: bool,
    if_none_match: str | None,
) -> Response:
    """The response for a badge body; a 304 when a 200 body matches If-None-Match."""
    etag = etag_for(body)
    headers = {
        "Cache-Control": cache_control(seconds, private),
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
    }
    if content_type == JSON_TYPE:
        headers["Access-Control-Allow-Origin"] = "*"
    if status == 200 and etag_matches(if_none_match, etag):
        return Response(status=304, headers=headers)
    return Response(body, status=status, headers=headers, content_type=content_type)
