"""Every common.errors class maps to one error badge (status, wording, colour, brief cache)."""

from __future__ import annotations

import pytest

from common.errors import AppError
from common.errors import Forbidden
from common.errors import InvalidName
from common.errors import InvalidParameter
from common.errors import NotAcceptable
from common.errors import NotFound
from common.errors import Unauthorized
from common.errors import UpstreamError
from common.errors import UpstreamInvalid
from services.badges.errors import error_badge


@pytest.mark.parametrize(
    ("error", "status", "message", "color"),
    [
        (InvalidName("x"), 400, "invalid name", "red"),
        (InvalidParameter("x"), 400, "invalid parameter", "red"),
        (NotFound("x", code="package_not_found"), 404, "not found", "red"),
        (NotFound("x", code="channel_not_found"), 404, "not found", "red"),
        (Unauthorized("x"), 401, "invalid token", "red"),
        (Unauthorized("x", code="token_expired"), 401, "token expired", "red"),
        (Unauthorized("x", code="<script>"), 401, "invalid token", "red"),
        (Forbidden("x"), 403, "insufficient scope", "red"),
        (NotAcceptable("x"), 406, "not acceptable", "red"),
        (UpstreamError("x"), 503, "unavailable", "lightgrey"),
        (UpstreamError("x", code="gateway_unavailable"), 503, "unavailable", "lightgrey"),
        (UpstreamInvalid("x"), 503, "unavailable", "lightgrey"),
        (AppError("x"), 400, "error", "red"),
        (RuntimeError("bug"), 500, "internal error", "lightgrey"),
    ],
)
def test_error_badges(error, status, message, color):
    shown = error_badge(error)
    assert (shown.status, shown.message, shown.color) == (status, message, color)
    assert 0 < shown.max_age <= 60
