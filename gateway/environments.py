"""`POST /api/environments/report|sbom`: a lockfile in, its report or SBOM out.

Views parse the request and delegate to `environments`; private channels' facts are used only
for a token that may read them (without a token such packages are reported from the lock).
"""

from __future__ import annotations

import base64
import json

from flask import Blueprint
from flask import current_app
from flask import g
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from attestation import load_signing_key
from common.channels import ChannelConfig
from common.errors import AppError
from common.errors import Forbidden
from common.errors import InvalidParameter
from common.errors import NotFound
from common.errors import VulnsUnavailable
from common.tokens import validator
from environments import LockTooLarge
from environments import build_report
from environments import deadline
from environments import read_lock
from environments import render
from environments import signed
from environments.minimums import Creator
from environments.model import Lock
from environments.outputs import FORMATS
from gateway.catalog import Catalog
from gateway.environment_files import maybe_with_files
from vulns.database import DatabaseUnavailable
from vulns.service import ChannelDataError

bp = Blueprint("environments", __name__, url_prefix="/api/environments")

MEDIA_TYPES = {
    "cyclonedx": "application/vnd.cyclonedx+json",
    "spdx": "application/spdx+json",
    "spdx3": "application/spdx+json; version=3.0.1",
    "signed": "application/vnd.dsse.envelope.v1+json",
}


def _settings():
    return current_app.config["SETTINGS"]


def read_body() -> Lock:
    """The request's lockfile, within the body and package-count limits (its bytes are kept
    in `g.lockfile_body`)."""
    limit = _settings().environments_max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise LockTooLarge(f"the lockfile is larger than {limit} bytes")
    request.max_content_length = limit
    request.max_form_memory_size = limit
    try:
        data = _form_body(limit) if _is_form() else request.get_data()
    except RequestEntityTooLarge:
        raise LockTooLarge(f"the lockfile is larger than {limit} bytes") from None
    if len(data) > limit:
        raise LockTooLarge(f"the lockfile is larger than {limit} bytes")
    lock = read_lock(data)
    g.lockfile_body = data
    most = _settings().environments_max_packages
    if lock.package_count > most:
        raise LockTooLarge(
            f"the lockfile locks {lock.package_count} packages (over all environments and "
            f"platforms); at most {most} are accepted",
            code="too_many_packages",
        )
    return lock


FORM_FIELDS = ("lockfile_text", "lockfile_b64")


def _is_form() -> bool:
    """A form (the page's) rather than a raw lockfile body; `curl --data-binary` sends raw
    bodies as application/x-www-form-urlencoded, so only our field names make it a form."""
    if request.mimetype == "multipart/form-data":
        return True
    if request.mimetype != "application/x-www-form-urlencoded":
        return False
    request.get_data()  # cached first: the form is parsed from the cached bytes
    return any(name in request.form for name in FORM_FIELDS)


def _form_body(limit: int) -> bytes:
    """A form's lockfile: an uploaded `lockfile` file, else pasted `lockfile_text`, else the
    `lockfile_b64` the report page carries (for its downloads and a binary upload)."""
    upload = request.files.get("lockfile")
    if upload is not None and upload.filename:
        return upload.read(limit + 1)
    text = request.form.get("lockfile_text", "")
    if text.strip() or not request.form.get("lockfile_b64"):
        return text.replace("\r\n", "\n").encode()
    try:
        return base64.b64decode(request.form["lockfile_b64"], validate=True)
    except ValueError:
        raise InvalidParameter("lockfile_b64 is not base64") from None


def may_read(channel: ChannelConfig) -> bool:
    """Whether this request may use a channel's facts (a private one needs a covering token)."""
    if not channel.private:
        return True
    token = g.get("token")
    if token is None:
        return False
    claims = validator().validate(token, audience="api")
    if not claims.covers(channel.name):
        raise Forbidden(
            "the token's scope does not include a channel this lockfile's packages come from"
        )
    return True


def lookup(channel: ChannelConfig, name: str):
    """The channel's files of a package; () when it has none, None when it cannot be read."""
    catalog: Catalog = current_app.extensions["catalog"]
    try:
        return catalog.driver(channel.name).package(name, None).files
    except NotFound:
        return ()
    except AppError:
        return None


def end_time_limit(_error: BaseException | None = None) -> None:
    """Lift the request's time limit when it ends (the worker thread serves other requests)."""
    deadline.end()


def report_for(lock: Lock, selection: tuple[str | None, str | None] | None = None) -> dict:
    """The report of the environment and platform the request (or `selection`) names."""
    catalog: Catalog = current_app.extensions["catalog"]
    deadline.begin(_settings().environments_time_limit)
    try:
        report = build_report(
            lock,
            *(selection or (request.values.get("environment"), request.values.get("platform"))),
            current_app.extensions["vulns"],
            catalog.channels,
            may_read,
            lookup,
        )
    except (DatabaseUnavailable, ChannelDataError) as error:
        raise VulnsUnavailable(str(error)) from None
    return maybe_with_files(report)


def _answer(body: str, media_type: str):
    response = current_app.response_class(body, mimetype=media_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/report")
def post_report():
    """The JSON report of one environment and platform of the posted lockfile."""
    report = report_for(read_body())
    return _answer(json.dumps(report, ensure_ascii=False), "application/json")


def _signing_key():
    key = current_app.extensions.get("environments_key")
    if key is None:
        key = current_app.extensions["environments_key"] = load_signing_key(_settings())
    return key


def sbom_response(report: dict):
    """The SBOM the query asks for (format, spec_version, signed) of a report."""
    family = request.args.get("format", "cyclonedx")
    spec_version = request.args.get("spec_version", "1.6")
    want_signed = request.args.get("signed", "") in ("1", "true", "yes")
    if family not in FORMATS:
        raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}")
    settings = _settings()
    creator = Creator.of(
        settings.sbom_creator_name, settings.sbom_creator_contact, settings.public_url
    )
    text = render(report, family, spec_version, creator)
    if not want_signed:
        return _answer(text, MEDIA_TYPES[family])
    key = _signing_key()
    if key is None:
        raise InvalidParameter("this service has no signing key", code="signing_unavailable")
    return _answer(json.dumps(signed(key, report, family, text)), MEDIA_TYPES["signed"])


@bp.post("/sbom")
def post_sbom():
    """CycloneDX 1.6/1.5, SPDX 2.3 or SPDX 3.0.1 of the posted lockfile, or its signed DSSE
    envelope."""
    if request.args.get("format", "cyclonedx") not in FORMATS:
        raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}")
    return sbom_response(report_for(read_body()))
