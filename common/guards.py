"""Request guards every process installs: sane path and query sizes, no traversal."""

from __future__ import annotations

from flask import Flask
from flask import request

from common.errors import InvalidName
from common.errors import InvalidParameter

MAX_PATH_LENGTH = 2048
MAX_QUERY_LENGTH = 4096
MAX_BODY_BYTES = 16 * 1024


def check_path(path: str) -> None:
    """Refuse paths with control characters, `.`/`..` segments or absurd length."""
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidName(f"path is longer than {MAX_PATH_LENGTH} characters", code="path_too_long")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        raise InvalidName("path contains control characters")
    if any(segment in (".", "..") for segment in path.split("/")):
        raise InvalidName("path may not contain '.' or '..' segments")


def init_app(app: Flask) -> None:
    """Install the guards: before any view, and as Flask's body size limit."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.before_request
    def _guard():
        check_path(request.path)
        if len(request.query_string) > MAX_QUERY_LENGTH:
            raise InvalidParameter(
                f"query string is longer than {MAX_QUERY_LENGTH} bytes", code="query_too_long"
            )
