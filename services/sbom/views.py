"""SBOM URLs: parse the path, choose the format, gather the facts, answer the document."""

from __future__ import annotations

import dataclasses
import json

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import request

import attestation
from attestation.envelope import ENVELOPE_MEDIA_TYPE
from common import names
from common import sbom_negotiation as negotiation
from common import tokens
from common.errors import AppError
from common.errors import InvalidParameter
from common.errors import NotFound
from common.errors import UpstreamError
from services.sbom import facts as facts_module

bp = Blueprint("sbom", __name__)

_SUFFIX_FAMILY = {"cdx.json": "cyclonedx", "spdx.json": "spdx", "spdx3.json": "spdx3"}
PUBLIC_MAX_AGE = 300
DEGRADED_MAX_AGE = 30  # an SBOM made without the contents that could not be read now
KEYS_PATH = "/.well-known/conda-badges/sbom-keys.json"


def _files_parameter() -> bool:
    """`?files=false` for the short form (no file components); files are listed by default."""
    value = request.args.get("files", "true").strip().lower()
    if value not in ("true", "false"):
        raise InvalidParameter(
            "files must be true or false", details={"offered": ["true", "false"]}
        )
    return value == "true"


def _whole_parameter() -> bool:
    """`?read=whole`: read the archive whole (sha256 checked, SHA-512 given) where the
    service would read a remote `.conda` by range requests."""
    value = request.args.get("read", "").strip().lower()
    if value not in ("", "whole"):
        raise InvalidParameter("read must be whole (or absent)", details={"offered": ["whole"]})
    return value == "whole"


def _envelope(facts, family: str, key) -> callable:
    """Make the signed in-toto envelope of a document (for the document cache)."""

    def make(body: bytes) -> str:
        envelope = attestation.attest(
            key, family, facts.file["filename"], facts.file["sha256"], json.loads(body)
        )
        return json.dumps(envelope, indent=2)

    return make


def _facts_scope(channel: str, subchannel: str | None, token: str | None) -> str | None:
    """Which reused facts this request may see: those gathered without a token when it has
    none (the gateway refuses private channels to such requests, so they are public), those
    gathered with a token when this service validated its token for the channel (signature,
    claims, deny list, scope), else none: the gateway then answers, and checks, every time."""
    if token is None:
        return "public"
    try:
        tokens.validator().authorize(
            token,
            audience=current_app.config["TOKEN_AUDIENCE"],
            channel=channel,
            subchannel=subchannel,
        )
    except AppError:
        return None
    return "token"


def _request_facts(state, channel, subchannel, subdir, filename, files, whole):
    """The facts of one request (reused within the request's access scope), with the
    configured SBOM creator."""
    token = g.get("token")
    settings = state["settings"]

    def gather():
        return facts_module.gather(
            state["client"],
            channel,
            subchannel,
            subdir,
            filename,
            token,
            namespace_base=settings.public_url,
            files=files,
            whole=whole,
        )

    scope = _facts_scope(channel, subchannel, token)
    if scope is None:
        facts = gather()
    else:
        facts = state["facts"].get(
            (scope, channel, subchannel, subdir, filename, files, whole), gather
        )
    return dataclasses.replace(
        facts,
        creator_name=settings.sbom_creator_name,
        creator_contact=settings.sbom_creator_contact,
    )


def _answer(
    channel: str,
    subchannel: str | None,
    subdir: str,
    filename: str,
    family: str | None,
    signed: bool = False,
) -> Response:
    names.channel_name(channel)
    if subchannel is not None:
        names.subchannel_name(subchannel)
    names.subdir_name(subdir)
    names.split_file_name(filename)
    fmt = negotiation.choose(family, request.args.get("format"), request.headers.get("Accept"))
    files = _files_parameter()
    whole = _whole_parameter()
    tokens.require_access(channel, subchannel)
    state = current_app.extensions["sbom"]
    key = state["key"]
    if signed and key is None:
        raise NotFound(
            "signed SBOMs are not offered: no signing key is configured", code="not_signed"
        )
    facts = _request_facts(state, channel, subchannel, subdir, filename, files, whole)
    if signed and facts.degraded:  # a signature vouches for a complete document
        raise UpstreamError(
            f"the contents of {filename!r} cannot be read now ({facts.contents_status}); "
            "an SBOM without them is served unsigned only",
            code="contents_unreadable",
        )
    if signed:
        make = _envelope(facts, fmt.family, key)
        body = state["cache"].get(facts, fmt, variant=f":intoto:{key.keyid}", make=make)
        response = Response(body, content_type=ENVELOPE_MEDIA_TYPE)
        extension = fmt.extension.replace(".json", ".intoto.json")
    else:
        body = state["cache"].get(facts, fmt)
        response = Response(body, content_type=fmt.media_type)
        extension = fmt.extension
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    token = g.get("token")
    if family not in ("spdx", "spdx3"):  # `.cdx.json` honours a version named in Accept too
        response.headers["Vary"] = "Accept"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if token:
        response.headers["Cache-Control"] = "private, no-store"
    else:
        max_age = DEGRADED_MAX_AGE if facts.degraded else PUBLIC_MAX_AGE
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
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


@bp.get("/<channel>/<subdir>/<filename>.spdx3.json")
@bp.get("/<channel>/label/<subchannel>/<subdir>/<filename>.spdx3.json")
def spdx3(channel: str, subdir: str, filename: str, subchannel: str | None = None):
    """SPDX 3.0.1 JSON-LD for one package file."""
    return _answer(channel, subchannel, subdir, filename, "spdx3")


@bp.get("/<channel>/<subdir>/<filename>.spdx3.intoto.json")
@bp.get("/<channel>/label/<subchannel>/<subdir>/<filename>.spdx3.intoto.json")
def spdx3_signed(channel: str, subdir: str, filename: str, subchannel: str | None = None):
    """The SPDX 3.0.1 SBOM as a signed in-toto attestation (DSSE envelope)."""
    return _answer(channel, subchannel, subdir, filename, "spdx3", signed=True)


@bp.get("/<channel>/<subdir>/<filename>/sbom.json")
@bp.get("/<channel>/label/<subchannel>/<subdir>/<filename>/sbom.json")
def negotiated(channel: str, subdir: str, filename: str, subchannel: str | None = None):
    """The SBOM in the format the Accept header or `?format=` asks for."""
    return _answer(channel, subchannel, subdir, filename, None)


@bp.get("/<channel>/<subdir>/<filename>.cdx.intoto.json")
@bp.get("/<channel>/label/<subchannel>/<subdir>/<filename>.cdx.intoto.json")
def cyclonedx_signed(channel: str, subdir: str, filename: str, subchannel: str | None = None):
    """The CycloneDX SBOM as a signed in-toto attestation (DSSE envelope)."""
    return _answer(channel, subchannel, subdir, filename, "cyclonedx", signed=True)


@bp.get("/<channel>/<subdir>/<filename>.spdx.intoto.json")
@bp.get("/<channel>/label/<subchannel>/<subdir>/<filename>.spdx.intoto.json")
def spdx_signed(channel: str, subdir: str, filename: str, subchannel: str | None = None):
    """The SPDX SBOM as a signed in-toto attestation (DSSE envelope)."""
    return _answer(channel, subchannel, subdir, filename, "spdx", signed=True)


@bp.get(KEYS_PATH)
def signing_keys():
    """The public keys that verify signed SBOMs (current and previous), by key id."""
    key = current_app.extensions["sbom"]["key"]
    response = current_app.response_class(
        json.dumps(attestation.published_keys(key), indent=2), mimetype="application/json"
    )
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)
