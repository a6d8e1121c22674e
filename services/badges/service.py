"""From a parsed badge request to response bytes: facts, kind, options, SVG or shields JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from common import names
from common.badge_render import render_svg
from common.errors import AppError
from common.errors import NotFound
from services.badges import kinds
from services.badges.errors import error_badge
from services.badges.http import JSON_TYPE
from services.badges.http import SVG_TYPE
from services.badges.http import max_age
from services.badges.model import Badge
from services.badges.model import facts_from_artifact
from services.badges.params import BadgeOptions
from services.badges.params import parse_options
from services.badges.shields import endpoint_json
from services.badges.snippets import snippets
from services.badges.source import ArtifactSource

log = logging.getLogger(__name__)

DEFAULT_LABEL_COLOR = "grey"


@dataclass(frozen=True, slots=True)
class BadgeRequest:
    """What the URL names: channel, optional subchannel, package, kind (or alias), extension."""

    channel: str
    name: str
    kind: str
    ext: str
    subchannel: str | None = None


@dataclass(frozen=True, slots=True)
class Rendered:
    """A finished badge body and how to send it."""

    body: bytes
    content_type: str
    status: int
    seconds: int
    private: bool


def encode(
    badge: Badge, options: BadgeOptions, ext: str, seconds: int, is_error: bool = False
) -> bytes:
    """The badge as SVG bytes or shields-endpoint JSON bytes, options applied."""
    label = badge.label if options.label is None else options.label
    color = badge.color if is_error or options.color is None else options.color
    label_color = None if is_error else options.label_color  # None: not given (grey)
    if ext == "json":
        body = endpoint_json(
            label,
            badge.message,
            color,
            label_color or DEFAULT_LABEL_COLOR,
            cache_seconds=seconds,
            is_error=is_error,
            style=options.style,
            logo=None if is_error else options.logo,
        )
        return json.dumps(body, separators=(",", ":")).encode("utf-8")
    if is_error:
        return render_svg(label, badge.message, color, label_color, style=options.style)
    return render_svg(
        label, badge.message, color, label_color, options.links, options.logo, options.style
    )


def _check_names(req: BadgeRequest) -> None:
    names.channel_name(req.channel)
    names.package_name(req.name)
    if req.subchannel is not None:
        names.subchannel_name(req.subchannel)


class BadgeService:
    """Renders badges from gateway facts; every expected error becomes an error badge."""

    def __init__(self, source: ArtifactSource, clock: Callable[[], datetime] | None = None):
        self.source = source
        self.clock = clock or (lambda: datetime.now(UTC))

    def snippets(
        self,
        base_url: str,
        req: BadgeRequest,
        link: str | None,
        token: str | None,
        style: str = "flat",
    ) -> dict:
        """Embed snippets for every kind, once the gateway says the package is readable."""
        _check_names(req)
        self.source.artifact(req.channel, req.name, req.subchannel, token)
        return snippets(base_url, req.channel, req.name, req.subchannel, link, token, style)

    def render(self, req: BadgeRequest, args: dict[str, list[str]], token: str | None) -> Rendered:
        """The badge for `req` with query `args`; a token makes the answer private."""
        kind = kinds.resolve(req.kind)
        options = BadgeOptions()
        content_type = JSON_TYPE if req.ext == "json" else SVG_TYPE
        try:
            options = parse_options(args)
            _check_names(req)
            if kind is None:
                raise NotFound(f"no badge kind {req.kind[:50]!r}", code="badge_not_found")
            artifact = self.source.artifact(req.channel, req.name, req.subchannel, token)
            facts = facts_from_artifact(artifact, req.channel, self.clock())
            badge = kinds.renderer(kind)(facts)
            seconds = max_age(kinds.max_age(kind), options.cache_seconds)
            private = bool(token) or bool(artifact.get("private"))
            body = encode(badge, options, req.ext, seconds)
            return Rendered(body, content_type, 200, seconds, private)
        except Exception as error:  # every error still answers with a badge
            return self.render_error(req, error, private=bool(token), options=options)

    def render_error(
        self,
        req: BadgeRequest,
        error: BaseException,
        *,
        private: bool,
        options: BadgeOptions | None = None,
    ) -> Rendered:
        """The error badge for `error` (see errors.py); unexpected errors are logged."""
        if not isinstance(error, AppError):
            log.exception("badge rendering failed: %s", type(error).__name__)
        shown = error_badge(error)
        badge = Badge(kinds.default_label(kinds.resolve(req.kind)), shown.message, shown.color)
        body = encode(badge, options or BadgeOptions(), req.ext, shown.max_age, is_error=True)
        content_type = JSON_TYPE if req.ext == "json" else SVG_TYPE
        return Rendered(body, content_type, shown.status, shown.max_age, private)
