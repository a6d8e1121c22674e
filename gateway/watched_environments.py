"""Watched environments: `POST /api/environments` (with a token) stores a lockfile by its
sha256; its report, SBOMs and CVE badge are computed on each request from the current
vulnerability database and curation, so they change when those do (and their ETags)."""

from __future__ import annotations

import hashlib
import json
import re

from flask import Blueprint
from flask import current_app
from flask import g
from flask import request

from common.badge_render import STYLES
from common.badge_render import render_svg
from common.errors import InvalidParameter
from common.errors import NotFound
from common.errors import Unauthorized
from common.tokens import validator
from environments import LockTooLarge
from environments import read_lock
from environments.badge import badge_text
from environments.store import Limits
from environments.store import open_store
from gateway.environments import read_body
from gateway.environments import report_for
from gateway.environments import sbom_response

bp = Blueprint("watched_environments", __name__)
LOCK_ID = re.compile(r"^[0-9a-f]{64}$")


def _store():
    store = current_app.extensions.get("environments_store")
    if store is None:
        settings = current_app.config["SETTINGS"]
        limits = Limits(
            settings.environments_max_stored,
            settings.environments_max_stored_bytes,
            settings.environments_ttl,
        )
        store = open_store(settings.cache_url, settings.state_dir, limits)
        current_app.extensions["environments_store"] = store
    return store


def _stored(lock_id: str):
    if not LOCK_ID.match(lock_id):
        raise NotFound("an environment id is the sha256 of its lockfile", code="not_found")
    body = _store().get(lock_id)
    if body is None:
        raise NotFound("no environment is stored under this id (or it expired)")
    return read_lock(body)


def urls(lock_id: str) -> dict:
    """The URLs of a stored environment's answers."""
    api = f"/api/environments/{lock_id}"
    return {
        "report": f"{api}/report",
        "cyclonedx": f"{api}/sbom?format=cyclonedx",
        "spdx": f"{api}/sbom?format=spdx",
        "spdx3": f"{api}/sbom?format=spdx3",
        "signed": f"{api}/sbom?format=cyclonedx&signed=1",
        "badge": f"/environments/{lock_id}/badges/cves.svg",
    }


@bp.post("/api/environments")
def store_environment():
    """Store a lockfile (a token is needed) and answer its id and URLs."""
    token = g.get("token")
    if token is None:
        raise Unauthorized("storing an environment needs a token", code="token_required")
    validator().validate(token, audience="api")
    lock = read_body()
    body = g.lockfile_body
    if len(body) > current_app.config["SETTINGS"].environments_max_stored_bytes:
        raise LockTooLarge("the lockfile is larger than the environment store may keep")
    _store().put(lock.sha256, body)
    answer = {"id": lock.sha256, "environments": lock.selection(), "urls": urls(lock.sha256)}
    response = current_app.response_class(json.dumps(answer), 201, mimetype="application/json")
    response.headers["Location"] = urls(lock.sha256)["report"]
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _revalidated(response):
    """Fresh on every request, cheap to revalidate: `no-cache` and an ETag over the answer
    and the database and curation it reflects (a token's answer is private, no-store)."""
    vulns = current_app.extensions["vulns"]
    info = vulns.info() or {}
    digest = hashlib.sha256(response.get_data() + str(info.get("digest")).encode()).hexdigest()
    response.set_etag(digest[:32])
    private = g.get("token") is not None
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return response.make_conditional(request)


@bp.get("/api/environments/<lock_id>/report")
def stored_report(lock_id: str):
    """The report of a stored environment, as of the current database and curation."""
    report = report_for(_stored(lock_id))
    body = json.dumps(report, ensure_ascii=False)
    return _revalidated(current_app.response_class(body, mimetype="application/json"))


@bp.get("/api/environments/<lock_id>/sbom")
def stored_sbom(lock_id: str):
    """An SBOM of a stored environment (the same parameters as POST .../sbom)."""
    return _revalidated(sbom_response(report_for(_stored(lock_id))))


@bp.get("/environments/<lock_id>/badges/cves.svg")
def stored_badge(lock_id: str):
    """The CVE badge of a stored environment: open CVEs by severity and what is not tracked."""
    style = request.args.get("style", "flat")
    if style not in STYLES:
        raise InvalidParameter(f"style must be one of {', '.join(STYLES)}")
    label = request.args.get("label", "CVEs")[:64] or "CVEs"
    summary = report_for(_stored(lock_id))["summary"]
    message, color = badge_text(summary)
    svg = render_svg(label, message, color, style=style)
    return _revalidated(current_app.response_class(svg, mimetype="image/svg+xml"))
