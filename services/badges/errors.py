"""The one place that turns an error (common.errors or a bug) into an error badge."""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.errors import AppError
from common.errors import Forbidden
from common.errors import InvalidName
from common.errors import InvalidParameter
from common.errors import NotAcceptable
from common.errors import NotFound
from common.errors import Unauthorized
from common.errors import UpstreamError

CLIENT_ERROR_MAX_AGE = 60
SERVER_ERROR_MAX_AGE = 10

_TOKEN_CODE = re.compile(r"^[a-z][a-z_]{2,39}$")


@dataclass(frozen=True, slots=True)
class ErrorBadge:
    """How an error shows: HTTP status, badge message and colour, and a brief cache time."""

    status: int
    message: str
    color: str
    max_age: int


def _token_wording(error: AppError, default: str) -> str:
    # the gateway's token error codes (invalid_token, token_expired, insufficient_scope, ...)
    # are short fixed words; show them as words, anything unexpected as the class default
    return error.code.replace("_", " ") if _TOKEN_CODE.match(error.code or "") else default


def error_badge(error: BaseException) -> ErrorBadge:
    """The badge for an expected error class; anything else is an internal error (500)."""
    if isinstance(error, InvalidName):
        return ErrorBadge(400, "invalid name", "red", CLIENT_ERROR_MAX_AGE)
    if isinstance(error, InvalidParameter):
        return ErrorBadge(400, "invalid parameter", "red", CLIENT_ERROR_MAX_AGE)
    if isinstance(error, NotFound):
        return ErrorBadge(404, "not found", "red", CLIENT_ERROR_MAX_AGE)
    if isinstance(error, Unauthorized):
        return ErrorBadge(401, _token_wording(error, "invalid token"), "red", CLIENT_ERROR_MAX_AGE)
    if isinstance(error, Forbidden):
        message = _token_wording(error, "insufficient scope")
        return ErrorBadge(403, message, "red", CLIENT_ERROR_MAX_AGE)
    if isinstance(error, NotAcceptable):
        return ErrorBadge(406, "not acceptable", "red", CLIENT_ERROR_MAX_AGE)
    if isinstance(error, UpstreamError):  # 503 and 502 (UpstreamInvalid) alike
        return ErrorBadge(503, "unavailable", "lightgrey", SERVER_ERROR_MAX_AGE)
    if isinstance(error, AppError) and 400 <= error.status < 500:
        return ErrorBadge(error.status, "error", "red", CLIENT_ERROR_MAX_AGE)
    return ErrorBadge(500, "internal error", "lightgrey", SERVER_ERROR_MAX_AGE)
