"""The closed set of expected errors, each mapped once to an HTTP status and a JSON body."""

from __future__ import annotations

import logging

from flask import Flask
from flask import jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """An expected error: a machine-readable code, a human message and an HTTP status."""

    status = 400
    code = "bad_request"
    headers: dict[str, str] = {}  # response headers of this error (e.g. Retry-After)

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}

    def to_json(self) -> dict:
        """The `{"error": {...}}` body shared by every process."""
        body = {"code": self.code, "message": self.message}
        body.update(self.details)
        return {"error": body}


class InvalidName(AppError):
    """A channel, package, subdir or file name that cannot be valid."""

    status = 400
    code = "invalid_name"


class InvalidParameter(AppError):
    """A query parameter with a value we cannot use."""

    status = 400
    code = "invalid_parameter"


class NotFound(AppError):
    """Unknown channel, subchannel, package or file (code says which)."""

    status = 404
    code = "not_found"


class NotAcceptable(AppError):
    """The client asked for a representation we do not offer."""

    status = 406
    code = "not_acceptable"


class Unauthorized(AppError):
    """A token was given but is not valid (bad signature, expired, revoked, malformed...)."""

    status = 401
    code = "invalid_token"


class Forbidden(AppError):
    """A valid token that may not read what was asked for."""

    status = 403
    code = "insufficient_scope"


class UpstreamError(AppError):
    """The channel's upstream failed and nothing usable was cached."""

    status = 503
    code = "upstream_unavailable"


class UpstreamInvalid(UpstreamError):
    """The channel's upstream answered with something we cannot read."""

    status = 502
    code = "upstream_invalid"


class VulnsUnavailable(AppError):
    """The vulnerability database (or a channel's curation or mapping file) cannot be read."""

    status = 503
    code = "vulns_unavailable"


class ArchiveIntegrityError(AppError):
    """A package file whose sha256 or size is not what the channel's repodata says."""

    status = 502
    code = "archive_digest_mismatch"


def error_response(error: AppError):
    """A Flask response for an expected error."""
    response = jsonify(error.to_json())
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def register_error_handlers(app: Flask) -> None:
    """Map expected errors, HTTP errors and anything unexpected to JSON, never a stack trace."""

    @app.errorhandler(AppError)
    def _app_error(error: AppError):
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        response = jsonify({"error": {"code": code, "message": error.description}})
        response.status_code = error.code or 500
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error: %s", type(error).__name__)
        response = jsonify(
            {"error": {"code": "internal_error", "message": "internal error; it has been logged"}}
        )
        response.status_code = 500
        return response
