"""Badge routes: parse the URL and query, delegate to BadgeService, send with cache headers."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import jsonify
from flask import request

from common.errors import AppError
from common.errors import error_response
from common.public_url import public_base_url
from services.badges.http import cache_control
from services.badges.http import respond
from services.badges.params import parse_link
from services.badges.params import parse_style
from services.badges.service import BadgeRequest
from services.badges.service import BadgeService
from services.badges.service import Rendered

bp = Blueprint("badges", __name__)

SNIPPETS_MAX_AGE = 300
_KIND = "<kind>.<any(svg, json):ext>"


def current_token() -> str | None:
    """The request's token, from the URL or `Authorization: Bearer` (common.tokens sets g.token)."""
    return getattr(g, "token", None) or None


def _service() -> BadgeService:
    return current_app.extensions["badges"]["service"]


def _send(rendered: Rendered) -> Response:
    return respond(
        rendered.body,
        rendered.content_type,
        status=rendered.status,
        seconds=rendered.seconds,
        private=rendered.private,
        if_none_match=request.headers.get("If-None-Match"),
    )


@bp.errorhandler(AppError)
def _before_view_error(error: AppError):
    """Errors raised before a view runs (e.g. two different tokens): a badge on badge URLs."""
    if request.endpoint != "badges.badge" or not request.view_args:
        return error_response(error)
    req = BadgeRequest(**request.view_args)
    return _send(_service().render_error(req, error, private=True))


@bp.get(f"/<channel>/<name>/badges/{_KIND}")
@bp.get(f"/<channel>/label/<subchannel>/<name>/badges/{_KIND}")
def badge(channel: str, name: str, kind: str, ext: str, subchannel: str | None = None):
    """One badge as SVG, or as shields endpoint JSON for `.json`."""
    token = current_token()
    req = BadgeRequest(channel, name, kind, ext, subchannel)
    return _send(_service().render(req, request.args.to_dict(flat=False), token))


@bp.get("/<channel>/<name>/badges")
@bp.get("/<channel>/label/<subchannel>/<name>/badges")
def embed(channel: str, name: str, subchannel: str | None = None):
    """Every badge's URL and embed snippets (`?style=`, `?link=`); 404 JSON for no package."""
    link = request.args.get("link")
    link = parse_link(link) if link else None
    style = request.args.get("style")
    style = parse_style(style) if style else "flat"
    token = current_token()
    base_url = public_base_url(current_app.extensions["badges"]["settings"])
    req = BadgeRequest(channel, name, "", "json", subchannel)
    response = jsonify(_service().snippets(base_url, req, link, token, style))
    response.headers["Cache-Control"] = cache_control(SNIPPETS_MAX_AGE, private=bool(token))
    return response
