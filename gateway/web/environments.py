"""The environments page: paste or upload a lockfile, pick environment and platform, see the
report (severity and coverage at a glance, a filterable table) and download the SBOMs."""

from __future__ import annotations

import base64

from flask import current_app
from flask import g
from flask import render_template
from flask import request

from common.errors import AppError
from gateway.environments import read_body
from gateway.environments import report_for
from gateway.environments import sbom_response
from gateway.web import bp
from vulns.report import SEVERITIES

SBOM_FILES = {"cyclonedx": "cdx.json", "spdx": "spdx.json", "spdx3": "spdx3.json"}


def _page(status: int = 200, **context):
    html = render_template("environments.html", severities=SEVERITIES, **context)
    return current_app.response_class(html, status, mimetype="text/html")


def _selection(lock) -> tuple[str | None, str | None]:
    """The picked environment and platform; a platform the environment lacks is dropped (the
    platform list on the page is the previous environment's)."""
    environment = request.form.get("environment") or None
    platform = request.form.get("platform") or None
    platforms = lock.environments.get(environment or "", {})
    return environment, platform if platform in platforms else None


@bp.get("/ui/environments")
def environments_page():
    """The empty form."""
    return _page()


@bp.post("/ui/environments")
def environments_report():
    """The report of the posted lockfile (its errors shown on the page, with their status)."""
    try:
        lock = read_body()
        report = report_for(lock, _selection(lock))
    except AppError as error:
        page = _page(error.status, error=error, text=request.form.get("lockfile_text", ""))
        page.headers.update(error.headers)  # e.g. Retry-After of environment_timeout
        return page
    body = g.lockfile_body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    encoded = base64.b64encode(body).decode()
    return _page(report=report, text=text, encoded=encoded)


@bp.post("/ui/environments/sbom")
def environments_sbom():
    """An SBOM of the report page's lockfile, as a download."""
    report = report_for(read_body())
    response = sbom_response(report)
    family = request.args.get("format", "cyclonedx")  # sbom_response refused any other
    suffix = SBOM_FILES[family]
    if request.args.get("signed") == "1":
        suffix = suffix.replace(".json", ".intoto.json")
    name = f"environment-{report['environment']}-{report['platform']}.{suffix}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
