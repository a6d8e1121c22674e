"""Private channels in the gateway: who may read them, and with which audience.

The metadata API is read by people and scripts (audience `api`) and by the badges and sbom
services on a user's behalf: they forward the user's token together with the internal key and
`X-Token-Audience: badges|sbom`, and the token is then checked against that audience instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import g
from flask import request

from common.channels import ChannelConfig
from common.errors import Forbidden
from common.errors import InvalidParameter
from common.internal import INTERNAL_KEY_HEADER
from common.internal import is_internal_call
from common.tokens import channel_not_found
from common.tokens import validator

if TYPE_CHECKING:
    from gateway.catalog import Catalog

log = logging.getLogger(__name__)

SERVICE_AUDIENCES = ("badges", "sbom")


OUT_OF_SCOPE = "the token's scope does not include this channel"


def _has_internal_key() -> bool:
    if is_internal_call(validator().settings.internal_key):
        return True
    if INTERNAL_KEY_HEADER in request.headers:
        log.warning("a request carried a wrong internal key; checking its token as audience api")
    return False


def request_audience() -> str:
    """`api`, or the service audience named by X-Token-Audience when the internal key is valid."""
    if not _has_internal_key():
        return "api"
    audience = request.headers.get("X-Token-Audience", "")
    if not audience and g.get("token") is None:
        return "api"  # a service reading public facts
    if audience not in SERVICE_AUDIENCES:
        raise InvalidParameter(
            "X-Token-Audience must be badges or sbom", code="invalid_token_audience"
        )
    return audience


def readable_channel(catalog: Catalog, name: str, subchannel: str | None) -> ChannelConfig:
    """The channel `name` if this request may read it; raise otherwise.

    A private channel and a missing one answer alike to any token, so that no token (junk or
    valid for other channels) can tell them apart: 401 for a token that is not valid, 403 for
    a valid token whose scope does not name the channel; without a token, 404. A name that is
    not configured may be a public channel of the fallback upstream: only tokenless requests
    look it up there (never for private or reserved names), so a token's answer stays the same.
    """
    config = catalog.channels.get(name)
    if config is not None and not config.private:
        return config
    token = g.get("token")
    if token is None:
        if config is None and catalog.fallback.may_look_up(name):
            return catalog.channel(name)
        raise channel_not_found(name)
    claims = validator().validate(token, audience=request_audience())
    if config is None or not claims.covers(name, subchannel):
        raise Forbidden(OUT_OF_SCOPE)
    return config


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
