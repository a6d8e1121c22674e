"""SBOM URLs: parse the path, choose the format, gather the facts, answer the document."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import request

from common import names
from common import sbom_negotiation as negotiation
from common import tokens
from services.sbom import facts as facts_module

bp = Blueprint("sbom", __name__)

_SUFFIX_FAMILY = {"cdx.json": "cyclonedx", "spdx.json": "spdx"}
PUBLIC_MAX_AGE = 300


def _answer(
    channel: str, subchannel: str | None, subdir: str, filename: str, family: str | None
) -> Response:
    names.channel_name(channel)
    if subchannel is not None:
        names.subchannel_name(subchannel)
    names.subdir_name(subdir)
    names.split_file_name(filename)
    fmt = negotiation.choose(family, request.args.get("format"), request.headers.get("Accept"))
    tokens.require_access(channel, subchannel)
    state = current_app.extensions["sbom"]
    token = g.get("token")
    facts = facts_module.gather(
        state["client"],
        channel,
        subchannel,
        subdir,
        filename,
        token,
        namespace_base=state["settings"].public_url,
    )
    body = state["cache"].get(facts, fmt)
    response = Response(body, content_type=fmt.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt.extension}"'
    if family != "spdx":  # `.cdx.json` honours a version named in Accept too
        response.headers["Vary"] = "Accept"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if token:
        response.headers["Cache-Control"] = "private, no-store"
    else:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/<channel>/<subdir>/<filename>.cdx.json")
@bp.get("/<channel>/label/<subchannel>/<subdir>/<filename>.cdx.json")
def cyclonedx(channel: str, subdir: str, filename: str, subchannel: str | None = None):
    """CycloneDX JSON for one package file (1.6; 1.5 on request)."""
    return _answer(channel, subchannel, subdir, filename, "cyclonedx")


@bp.get("/<channel>/<subdir>/<filename>.spdx.json")
@bp.get("/<channel>/label/<subchannel>/<subdir>/<filename>.spdx.json")
def spdx(channel: str, subdir: str, filename: str, subchannel: str | None = None):
    """SPDX 2.3 JSON for one package file."""
    return _answer(channel, subchannel, subdir, filename, "spdx")


@bp.get("/<channel>/<subdir>/<filename>/sbom.json")
@bp.get("/<channel>/label/<subchannel>/<subdir>/<filename>/sbom.json")
def negotiated(channel: str, subdir: str, filename: str, subchannel: str | None = None):
    """The SBOM in the format the Accept header or `?format=` asks for."""
    return _answer(channel, subchannel, subdir, filename, None)
