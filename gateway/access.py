"""Private channels in the gateway: who may read them, and with which audience.

The metadata API is read by people and scripts (audience `api`) and by the badges and sbom
services on a user's behalf: they forward the user's token together with the internal key and
`X-Token-Audience: badges|sbom`, and the token is then checked against that audience instead.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable

from flask import g
from flask import request

from common.channels import ChannelConfig
from common.errors import InvalidParameter
from common.tokens import validator

log = logging.getLogger(__name__)

SERVICE_AUDIENCES = ("badges", "sbom")


def _has_internal_key() -> bool:
    expected = validator().settings.internal_key
    given = request.headers.get("X-Internal-Key")
    if not expected or given is None:
        return False
    if hmac.compare_digest(given.encode(), expected.encode()):
        return True
    log.warning("a request carried a wrong internal key; checking its token as audience api")
    return False


def request_audience() -> str:
    """`api`, or the service audience named by X-Token-Audience when the internal key is valid."""
    if not _has_internal_key():
        return "api"
    audience = request.headers.get("X-Token-Audience", "")
    if audience not in SERVICE_AUDIENCES:
        raise InvalidParameter(
            "X-Token-Audience must be badges or sbom", code="invalid_token_audience"
        )
    return audience


def check_channel_access(channel: ChannelConfig, subchannel: str | None) -> None:
    """Raise unless this request may read `channel` (404 / 401 / 403 for private channels)."""
    if not channel.private:
        return
    validator().authorize(
        g.get("token"), audience=request_audience(), channel=channel.name, subchannel=subchannel
    )


def visible_channels(channels: Iterable[ChannelConfig]) -> list[ChannelConfig]:
    """The channels to list: public ones, and private ones the request's token covers.

    A token that is given but not valid is an error (401) if there are private channels,
    so a caller is not left wondering why their channel is missing.
    """
    channels = list(channels)
    token = g.get("token")
    claims = None
    if token is not None and any(channel.private for channel in channels):
        claims = validator().validate(token, audience=request_audience())
    return [
        channel
        for channel in channels
        if not channel.private or (claims is not None and claims.covers_any(channel.name))
    ]
